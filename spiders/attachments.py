"""Download the documents an article page links, in the same crawl, then hand on the page with them.

The page's item waits until each of its attachments has answered (or failed), so the recorder sees the
page and its files together. Attachment requests go through the same downloader, so they count
against the site's politeness limits and are revalidated (ETag / Last-Modified) by the HTTP cache.

A document linked from many pages (a sidebar's 下载中心) is fetched once per crawl: its answer is given
to every page that links it, and a host that cannot be resolved or reached fails the rest of its
documents at once, with the same error, instead of holding pages back while each one fails again.
"""

from __future__ import annotations

import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import scrapy
from lxml import etree
from scrapy.http import Response
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, NoRouteError

from crawler.extract.generic import document_url, hinted_hrefs, may_link_attachments
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
SHARE_BYTES = 64 * 1024 * 1024  # documents kept for later pages of the crawl that link them; past it, fetched again
_HOST_DOWN = (DNSLookupError, ConnectionRefusedError, NoRouteError)  # the host, not the document, failed
# A page's links, read from Scrapy's parse of it as plain strings: response.xpath() would wrap each of a page's ~100
# hrefs in a Selector, which cost more than the parse itself (bench: 7.9 → 3.6 M instructions per page)
_HREFS = etree.XPath("//a/@href", smart_strings=False)


@dataclass
class SharedDownloads:
    """One crawl's documents: each URL asked once, its answer handed to every page that links it."""

    answers: OrderedDict = field(default_factory=OrderedDict)  # request url → FetchedAttachment (oldest first)
    size: int = 0  # bytes of the answers kept
    waiting: dict = field(default_factory=dict)  # request url → the Asked its answer will settle
    dead_hosts: dict = field(default_factory=dict)  # scheme://host:port → the error its first failing document got

    def keep(self, key: str, answer: FetchedAttachment) -> None:
        self.answers[key] = answer
        self.size += len(answer.body or b"")
        while self.size > SHARE_BYTES and len(self.answers) > 1:
            _, old = self.answers.popitem(last=False)
            self.size -= len(old.body or b"")


_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # spider → its crawl's SharedDownloads


def shared_downloads(spider) -> SharedDownloads:
    """The spider's (this crawl's) shared documents, made on first use."""
    found = _SHARED.get(spider)
    if found is None:
        found = _SHARED[spider] = SharedDownloads()
    return found


@dataclass(eq=False)
class PendingPage:
    """An article page waiting for its attachments' answers."""

    page: FetchedPage
    left: int


@dataclass(eq=False)
class Asked:
    """One document request in flight and every page waiting for its answer (the request's cb_kwargs
    "pending": the answer goes to exactly these pages, whatever URL the response ends up naming)."""

    key: str  # the request's URL
    shared: SharedDownloads
    pages: list[PendingPage] = field(default_factory=list)


def attachment_urls(response: Response) -> list[str]:
    """Absolute attachment URLs on the page, by the extractor's rule (so they join Article.attachments)."""
    urls: list[str] = []
    if not may_link_attachments(response.body):  # most article pages: no need to parse them for their links
        return urls
    hrefs = _HREFS(response.selector.root)
    for href in (hrefs[i] for i in hinted_hrefs(hrefs)):
        url = document_url(href, response.url)
        if url is not None and url not in urls:
            urls.append(url)
    return urls


def attachment_requests(page: FetchedPage, response: Response, max_mb: int, callback, errback) -> list:
    """What the page's response yields: a request per attachment not yet asked this crawl (each capped at
    max_mb), and the page itself once every attachment has its answer (at once when it has none, when
    attachments are off, or when the crawl already holds every answer). Callbacks are the spider's own
    methods: the spider's SharedDownloads is found through them."""
    if max_mb <= 0 or page.status != 200 or not hasattr(response, "xpath"):
        return [page]
    urls = attachment_urls(response)
    if not urls:
        return [page]
    shared = shared_downloads(getattr(callback, "__self__", None) or _NO_SPIDER)
    pending = PendingPage(page, len(urls))
    cap = max_mb * 1024 * 1024
    out: list = []
    for url in urls:
        asked = Asked("", shared, [pending])
        request = scrapy.Request(url, callback=callback, errback=errback, dont_filter=True,
                                 priority=ATTACHMENT_PRIORITY, cb_kwargs={"pending": asked},
                                 meta={"download_maxsize": cap, "download_warnsize": cap, "max_mb": max_mb,
                                       "handle_httpstatus_list": _ANSWERED, ATTACHMENT_OF: page.url})
        asked.key = key = request.url
        host = _origin(key)
        if key in shared.answers or host in shared.dead_hosts:
            known = shared.answers.get(key) or FetchedAttachment(key, error=shared.dead_hosts[host])
            out += settle_one(pending, known)
        elif key in shared.waiting:  # asked for an earlier page: this one waits for the same answer
            shared.waiting[key].pages.append(pending)
        else:
            shared.waiting[key] = asked
            out.append(request)
    return out


def _origin(url: str) -> str:
    """scheme://host:port: a refused port says nothing about the same host's other ports."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class _Anonymous:
    """Stands for the spider when callbacks are plain functions (tests): one SharedDownloads for them all."""


_NO_SPIDER = _Anonymous()


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
    url = request.meta.get("redirect_urls", [request.url])[0]
    if failure.check(*_HOST_DOWN):  # the rest of this host's documents fail at once, with the same words
        asked = request.cb_kwargs.get("pending")
        if isinstance(asked, Asked):
            asked.shared.dead_hosts.setdefault(_origin(url), error)
    return FetchedAttachment(url, error=error)


def settle(asked: Asked, attachment: FetchedAttachment):
    """Hand the answer to every page waiting for it (and keep it for later pages); each page's item once its
    last answer is in."""
    asked.shared.keep(asked.key, attachment)
    asked.shared.waiting.pop(asked.key, None)
    for pending in asked.pages:
        yield from settle_one(pending, attachment)


def settle_one(pending: PendingPage, attachment: FetchedAttachment):
    """Count an answer in for one page; the page's item once the last one is in."""
    pending.page.attachments.append(attachment)
    pending.left -= 1
    if pending.left == 0:
        yield pending.page
