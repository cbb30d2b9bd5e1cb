"""List shapes beyond <a href> in HTML: Hanweb datastore pages (and their dataproxy.jsp paging), script literals.

The readers in crawler/sources do the reading; this module turns what they read into Scrapy requests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.http import Response

from crawler.extract.core import says_verification
from crawler.sources import hanweb, scriptlist
from crawler.sources.hanweb import HanwebPaging

logger = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
REFUSALS = [400, 403, 404, 405, 500, 501]


@dataclass
class ShapeReading:
    links: list[str] = field(default_factory=list)  # article URLs the datastore or script literal lists
    paging: HanwebPaging | None = None  # how to ask for further Hanweb pages (list page 1 only)


def read(spider, response: Response) -> ShapeReading:
    """Links a Hanweb datastore or a script literal holds, filtered by the site's follow rule."""
    text = response.text
    reading = hanweb.read(text, response.url)
    found = reading.links if reading else scriptlist.read(text, response.url)
    urls = [link.url for link in found if spider.follow is None or spider.follow.search(link.url)]
    return ShapeReading(urls, reading.paging if reading else None)


def merge(first: list[str], second: list[str]) -> list[str]:
    """Both lists in order, each URL once."""
    seen = set(first)
    return first + [url for url in second if url not in seen and not seen.add(url)]


def is_verification_page(text: str) -> bool:
    """A verification page (安全验证, 访问过于频繁) in place of a list: short, and says so near its top."""
    return len(text) < 20000 and says_verification(text[:4000])


def hanweb_pages(spider, response: Response, paging: HanwebPaging | None, found: int):
    """Pages 2… of a Hanweb column from dataproxy.jsp, up to max_list_pages: all at once when the list page
    gives the total, else one after another while answers hold records."""
    asked = response.meta.get("hanweb")
    if asked is not None:  # a dataproxy answer
        if found and asked.last_page is None:
            yield from _some(proxy_request(spider, asked, response.meta["list_page"] + 1, response.meta["hanweb_referer"]))
        return
    if paging is None:
        return
    for page in range(2, (paging.last_page or 2) + 1):
        yield from _some(proxy_request(spider, paging, page, referer=response.url))


def _some(request) -> list:
    return [request] if request is not None else []


def proxy_request(spider, paging: HanwebPaging, page: int, referer: str, retried: bool = False):
    """dataproxy.jsp page `page`, asked as `paging` says; None past max_list_pages or when already asked."""
    method, url, form = paging.request(page)
    if url in spider.list_pages_seen or len(spider.list_pages_seen) >= spider.max_list_pages:
        return None
    headers = {"Referer": referer, "X-Requested-With": "XMLHttpRequest"}
    if form is not None:
        headers["Content-Type"] = FORM
    meta = {"hanweb": paging, "hanweb_retried": retried, "hanweb_referer": referer,
            "handle_httpstatus_list": REFUSALS}  # a refusal reaches parse_list, which asks the other way
    return spider.list_request(url, page=page, meta=meta, method=method, body=form, headers=headers)


def hanweb_retry(spider, response: Response):
    """A dataproxy page that answered an error or no records, asked once the other way (POST ↔ GET)."""
    paging = response.meta.get("hanweb")
    if paging is None or response.meta.get("hanweb_retried"):
        return None
    if response.status < 400 and hasattr(response, "text") and hanweb.has_datastore(response.text):
        return None
    other = paging.other_way()
    logger.info("%s answered no Hanweb records when asked by %s; asking by %s", response.url, paging.ask, other.ask)
    spider.list_pages_seen.discard(response.request.url)  # the failed way does not count against max_list_pages
    return proxy_request(spider, other, response.meta["list_page"], response.meta["hanweb_referer"], retried=True)
