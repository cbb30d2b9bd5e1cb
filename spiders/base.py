"""The navigation every eduwatch spider shares: list pages → article pages, pagination, fetch facts."""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

from crawler.clock import now_iso
from crawler.model import FetchedPage
from crawler.sources.template import expand
from spiders import attachments, shapes
from spiders.args import as_list, flag

logger = logging.getLogger(__name__)

# Statuses an article request hands to the spider instead of dropping: the pipeline decides
# whether they mean "removed" (404/410) or "fetch error" (5xx, 412 WAF, 429 rate limit).
ARTICLE_STATUSES = [400, 401, 403, 404, 410, 412, 429, 500, 502, 503, 504]
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def header_charset(response: Response) -> tuple[str | None, str | None]:
    """(charset from the Content-Type header, the whole Content-Type), as the server sent them."""
    raw = response.headers.get(b"Content-Type")
    if not raw:
        return None, None
    content_type = raw.decode("latin-1")
    match = _CHARSET.search(content_type)
    return (match.group(1).lower() if match else None), content_type


class SiteSpider(scrapy.Spider):
    """Walk a site's list pages and fetch every article they link to (plus known articles to recheck).

    Subclasses name the markup: where article links live (`article_css`), which hrefs are articles
    (`default_follow`), which are further list pages (`default_pagination`), and how to build page N
    of a list when pagination is drawn by JavaScript (`list_page_url`).
    """

    name: str | None = None  # abstract: only the subclasses are spiders
    article_css: str | None = None
    default_follow: str | None = None
    default_pagination: str | None = None
    default_start_urls: list[str] = []

    def __init__(self, site: str | None = None, start_urls=None, follow: str | None = None,
                 pagination: str | None = None, max_list_pages: int | str = 5, article_urls=None,
                 recheck_urls=None, render: bool | str = False, **kwargs):
        super().__init__(**kwargs)
        self.site = site or self.name or "generic"
        # {date:%Y:%m:%d} and {date-7d:...} in a start URL: the search window ends today in Beijing, at each crawl
        self.start_urls = [expand(url) for url in as_list(start_urls) or list(self.default_start_urls)]
        self.follow = re.compile(follow or self.default_follow) if (follow or self.default_follow) else None
        pattern = pagination or self.default_pagination
        self.pagination = re.compile(pattern) if pattern else None
        self.max_list_pages = int(max_list_pages)
        self.article_urls = as_list(article_urls)
        self.recheck_urls = as_list(recheck_urls)
        self.render = flag(render)  # `-a render=true` arrives as a string
        self.list_pages_seen: set[str] = set()
        self.articles_requested: set[str] = set()

    async def start(self):
        requests = [self.article_request(url, list_url=None) for url in self.article_urls]
        if not self.article_urls:
            for url in self.start_urls:
                requests += self.start_requests_for(url)
        requests += [self.article_request(url, list_url=None) for url in self.recheck_urls]
        for request in requests:
            if request is not None:
                yield request

    def start_requests_for(self, url: str) -> list[scrapy.Request | None]:
        """What a start URL begins: its list walk, or (no follow rule) the page itself, watched."""
        if self.follow is None:
            return [self.article_request(url, list_url=None)]
        return [self.list_request(url, page=1)]

    # --- requests -------------------------------------------------------------------------
    def list_request(self, url: str, page: int, probe: bool = False, meta: dict | None = None,
                     **request_kwargs) -> scrapy.Request:
        """A list page; a `probe` is a page number we guessed, so its 404 just means the list ended."""
        self.list_pages_seen.add(url)
        # eduwatch_render: opened in the browser first (crawler/fetch/challenge.py) when the site has render = true
        meta = {"list_page": page, "probe": probe, "eduwatch_render": self.render, **(meta or {})}
        if probe:
            meta["handle_httpstatus_list"] = [404]
        return scrapy.Request(url, callback=self.parse_list, errback=self.list_failed, meta=meta, priority=10,
                              **request_kwargs)

    def article_request(self, url: str, list_url: str | None) -> scrapy.Request | None:
        """Each article once per crawl. The spider dedupes itself (dont_filter) because Scrapy's dupefilter
        would silently drop a redirect back to the same URL: a loop must end as a recorded error."""
        if url in self.articles_requested:
            return None
        self.articles_requested.add(url)
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
                              meta={"list_url": list_url, "handle_httpstatus_list": ARTICLE_STATUSES})

    # --- list pages ---------------------------------------------------------------------------
    def parse_list(self, response: Response):
        stats = self.crawler.stats
        stats.inc_value("eduwatch/list_pages")
        if response.status == 404 and response.meta.get("probe"):
            return
        if response.status >= 400 or not hasattr(response, "css"):
            retry = shapes.hanweb_retry(self, response)
            if retry is not None:
                yield retry
                return
            stats.inc_value("eduwatch/list_errors")
            logger.warning("list page %s answered HTTP %s", response.url, response.status)
            return
        shape = shapes.read(self, response)
        links = shapes.merge(self.article_links(response), shape.links)
        if not links:  # a Hanweb page asked the wrong way is asked the other way; 安全验证 is an error, not "empty"
            retry = shapes.hanweb_retry(self, response)
            if retry is not None or shapes.is_verification_page(response.text):
                yield from [retry] if retry is not None else self._challenged(response)
                return
        found = 0
        for url in links:
            found += 1
            request = self.article_request(url, list_url=response.url)
            if request is not None:
                yield request
        stats.inc_value("eduwatch/list_links", found)
        page = response.meta.get("list_page", 1)
        linked = self.linked_list_pages(response)
        synthetic = self.list_page_url(response.url, page + 1)
        candidates = [(url, False) for url in linked]
        if synthetic and synthetic not in linked:
            candidates.append((synthetic, True))
        for url, probe in candidates:
            if url not in self.list_pages_seen and len(self.list_pages_seen) < self.max_list_pages:
                yield self.list_request(url, page=page + 1, probe=probe)
        yield from shapes.hanweb_pages(self, response, shape.paging, found)

    def _challenged(self, response: Response) -> list:
        """A verification page where the list should be: a list error (never a list that emptied)."""
        self.crawler.stats.inc_value("eduwatch/list_errors")
        logger.warning("list page %s answered a verification (安全验证) page instead of the list", response.url)
        return []

    def article_links(self, response: Response) -> list[str]:
        """Absolute article URLs on a list page, in page order, without duplicates."""
        parts = (self.article_css or "a").split(",")
        selector = ", ".join(f"{part.strip()}::attr(href)" for part in parts)
        links: list[str] = []
        for href in response.css(selector).getall():
            url = urljoin(response.url, href.strip())
            if urlsplit(url).scheme not in ("http", "https") or url in links:
                continue
            if self.follow is None or self.follow.search(url):
                links.append(url)
        return links

    def linked_list_pages(self, response: Response) -> list[str]:
        """Further list pages linked from this one (the pager), per the pagination regex."""
        urls: list[str] = []
        if self.pagination is not None:
            for href in response.css("a::attr(href)").getall():
                url = urljoin(response.url, href.strip())
                if self.pagination.search(url) and url not in urls:
                    urls.append(url)
        return urls

    def list_page_url(self, url: str, page: int) -> str | None:
        """Page `page` (1-based) of the list at `url` when the pager is drawn by script; None if unknown."""
        return None

    def list_failed(self, failure):
        self.crawler.stats.inc_value("eduwatch/list_errors")
        logger.warning("list page %s failed: %s", failure.request.url, failure.getErrorMessage())

    # --- article pages --------------------------------------------------------------------
    def parse_article(self, response: Response):
        charset, content_type = header_charset(response)
        requested = response.meta.get("redirect_urls", [response.request.url])[0]
        page = FetchedPage(
            url=requested,
            site=self.site,
            final_url=response.url,
            status=response.status,
            body=response.body,
            http_charset=charset,
            content_type=content_type,
            fetched_at=now_iso(),
            duration_ms=int(1000 * response.meta.get("download_latency", 0.0)),
            list_url=response.meta.get("list_url"),
            etag=attachments.header(response, b"ETag"),
            last_modified=attachments.header(response, b"Last-Modified"),
        )
        max_mb = self.crawler.settings.getint("EDUWATCH_ATTACHMENT_MAX_MB", 20)
        yield from attachments.attachment_requests(page, response, max_mb, self.parse_attachment, self.attachment_failed)

    def parse_attachment(self, response: Response, pending: attachments.Asked):
        yield from attachments.settle(pending, attachments.fetched_attachment(response))

    def attachment_failed(self, failure):
        yield from attachments.settle(failure.request.cb_kwargs["pending"], attachments.failed_attachment(failure))

    def article_failed(self, failure):
        request = failure.request
        reason = failure.getErrorMessage() or failure.type.__name__
        yield FetchedPage(
            url=request.meta.get("redirect_urls", [request.url])[0],
            site=self.site,
            fetched_at=now_iso(),
            error=f"{failure.type.__name__}: {reason}",
            list_url=request.meta.get("list_url"),
        )
