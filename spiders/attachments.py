"""Download the documents an article page links, in the same crawl, then hand on the page with them.

The page's item waits until each of its attachments has answered (or failed), so the recorder sees the
page and its files together. Attachment requests go through the same downloader, so they count
against the site's politeness limits and are revalidated (ETag / Last-Modified) by the HTTP cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

import scrapy
from scrapy.http import Response

from crawler.extract.generic import ATTACHMENT_HREF, may_link_attachments
from crawler.model import FetchedAttachment, FetchedPage

# request.meta keys: the article page an attachment request is made for (crawler/fetch/validators.py looks up
# the validators of that page's stored file), and the stored file's sha256 when validators were sent
ATTACHMENT_OF = "eduwatch_attachment_of"
STORED_SHA256 = "eduwatch_stored_sha256"
# statuses the callback sees (an error is recorded on the attachment); redirects are followed to the file
_ANSWERED = [304, *range(400, 600)]
ATTACHMENT_PRIORITY = 5  # after list pages (10), before new articles (0): a page's item is not held long
_FILENAME = re.compile(r"filename\*?\s*=\s*(?:UTF-8'')?\"?([^\";]+)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml")


@dataclass
class PendingPage:
    """An article page waiting for its attachments' answers."""

    page: FetchedPage
    left: int


def attachment_urls(response: Response) -> list[str]:
    """Absolute attachment URLs on the page, by the extractor's rule (so they join Article.attachments)."""
    urls: list[str] = []
    if not may_link_attachments(response.body):  # most article pages: no need to parse them for their links
        return urls
    for href in response.xpath("//a/@href").getall():
        href = href.strip()
        if not href or href.startswith("#") or not ATTACHMENT_HREF.search(href):
            continue
        try:
            url = urljoin(response.url, href)
            scheme = urlsplit(url).scheme.lower()
        except ValueError:  # a malformed link (bad IPv6 host, ...) is no attachment, as for the extractor
            continue
        if scheme in ("http", "https") and url not in urls:
            urls.append(url)
    return urls


def attachment_requests(page: FetchedPage, response: Response, max_mb: int, callback, errback) -> list[scrapy.Request]:
    """One request per attachment, each capped at max_mb; [] when the page has none or attachments are off."""
    if max_mb <= 0 or page.status != 200 or not hasattr(response, "xpath"):
        return []
    urls = attachment_urls(response)
    pending = PendingPage(page, len(urls))
    cap = max_mb * 1024 * 1024
    return [scrapy.Request(url, callback=callback, errback=errback, dont_filter=True, priority=ATTACHMENT_PRIORITY,
                           cb_kwargs={"pending": pending},
                           meta={"download_maxsize": cap, "download_warnsize": cap, "max_mb": max_mb,
                                 "handle_httpstatus_list": _ANSWERED, ATTACHMENT_OF: page.url})
            for url in urls]


def fetched_attachment(response: Response) -> FetchedAttachment:
    """The answer as a FetchedAttachment; an HTTP error or an HTML page instead of a file is an error."""
    url = response.meta.get("redirect_urls", [response.request.url])[0]
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
    disposition = (response.headers.get(b"Content-Disposition") or b"").decode("utf-8", "replace")
    match = _FILENAME.search(disposition)
    filename = unquote(match.group(1).strip()) if match else None
    if response.status == 304 and response.meta.get(STORED_SHA256):  # unchanged since the stored file
        return FetchedAttachment(url, status=304, stored_sha256=response.meta[STORED_SHA256])
    if response.status >= 300:  # an error, or a 304 to validators this crawl did not send
        return FetchedAttachment(url, status=response.status, content_type=content_type, error=f"HTTP {response.status}")
    if content_type and content_type.lower().startswith(_HTML_TYPES) and not filename:
        return FetchedAttachment(url, status=response.status, content_type=content_type,
                                 error=f"the link answered with a web page ({content_type}), not a document")
    return FetchedAttachment(url, status=response.status, body=response.body, content_type=content_type,
                             filename=filename, etag=header(response, b"ETag"),
                             last_modified=header(response, b"Last-Modified"))


def header(response: Response, name: bytes) -> str | None:
    """A response header as text (validators are ASCII; latin-1 never fails), None when absent."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def failed_attachment(failure) -> FetchedAttachment:
    """A download that never completed: timeout, reset, or larger than the attachment cap."""
    request = failure.request
    message = failure.getErrorMessage() or failure.type.__name__
    if "max size" in message or "MAXSIZE" in message.upper():
        error = f"larger than the attachment cap ({request.meta.get('max_mb')} MB, [crawl] attachment_max_mb)"
    else:
        error = f"{failure.type.__name__}: {message}"
    return FetchedAttachment(request.meta.get("redirect_urls", [request.url])[0], error=error)


def settle(pending: PendingPage, attachment: FetchedAttachment):
    """Count an answer in; the page's item once the last one is in."""
    pending.page.attachments.append(attachment)
    pending.left -= 1
    if pending.left == 0:
        yield pending.page
