"""Conditional requests from the validators kept in the database: every fetch asks the site, never a cache.

Why not Scrapy's HTTP cache: FilesystemCacheStorage writes several pickled files per response and reads
them back on every 304, only to hand the pipeline bytes whose reading the database already holds
(bench/throughput.py measures both). Here the database keeps, per page,
the ETag and Last-Modified of the bytes its stored reading stands for (the recorder sets and clears them);
this middleware adds If-None-Match / If-Modified-Since to each article request that has them, and a 304
goes to the spider as it is: the recorder reuses the stored reading ("Rechecks of unchanged bytes").

Attachments too: an attachment request made for a page whose stored reading holds that file, served with
validators, asks "changed since?" the same way; the 304 reaches the spider with the stored file's sha256,
and the recorder reuses that file's reading.

What a tracker needs stays true: every fetch goes to the site (nothing is served from a local copy, so
nothing is stale), a 5xx or a timeout reaches the spider as the error it is (there are no stored bytes
to mask it with), and only the site itself can answer "not modified".
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.fetch.pipelines import stop_crawl
from spiders.attachments import ATTACHMENT_OF, STORED_SHA256
from storage import StorageError, Store, fatal_error

logger = logging.getLogger(__name__)
CONDITIONAL = "eduwatch_conditional"  # request.meta flag: this request carries stored validators
_HEADERS = (b"If-None-Match", b"If-Modified-Since")


class ConditionalRequestMiddleware:
    """Downloader middleware: ask 'changed since?' for every article whose stored reading has validators."""

    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.known: dict[str, tuple[str | None, str | None]] = {}
        # (page url, attachment url) → (ETag, Last-Modified, sha256 of the stored file)
        self.attachments: dict[tuple[str, str], tuple[str | None, str | None, str]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("EDUWATCH_CONDITIONAL_REQUESTS"):
            raise NotConfigured("EDUWATCH_CONDITIONAL_REQUESTS is off")
        if settings.getbool("HTTPCACHE_ENABLED"):  # Scrapy's cache sends its own validators and answers 304s
            raise NotConfigured("Scrapy's HTTP cache is on and makes the conditional requests itself")
        middleware = cls(crawler, settings.get("EDUWATCH_DB") or "")
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        """Load the site's validators once (the pipeline has opened and upgraded the database by now)."""
        site = getattr(spider, "site", None) or getattr(spider, "name", None)
        if not self.db_path or not site or not Path(self.db_path).is_file():
            return
        try:
            with Store(self.db_path, readonly=True) as store:
                self.known = store.validators(site)
                self.attachments = store.attachment_validators(site)
        except (StorageError, sqlite3.DatabaseError) as exc:
            fatal = fatal_error(exc, self.db_path)
            if fatal is not None:  # a damaged file: the crawl stops, in one line (pipelines.stop_crawl)
                stop_crawl(self.crawler, fatal)
                return
            logger.warning("no conditional requests this crawl: %s", exc)  # an old file no writer has upgraded yet
        logger.info("%s: %d pages and %d attachments can be asked 'changed since?'", site, len(self.known),
                    len(self.attachments))

    def process_request(self, request, spider=None):
        if request.meta.get("redirect_urls"):
            # a redirect hop: the validators describe the first address's bytes, not this one's
            if request.meta.pop(CONDITIONAL, False):
                for name in _HEADERS:
                    request.headers.pop(name, None)
                request.meta.pop(STORED_SHA256, None)
            return None
        if request.method != "GET" or CONDITIONAL in request.meta:
            return None
        page = request.meta.get(ATTACHMENT_OF)
        if page is not None:  # an attachment: validators of the file this page's reading holds
            stored = self.attachments.get((page, request.url))
            if not stored:
                return None
            etag, modified, request.meta[STORED_SHA256] = stored
        else:
            found = self.known.get(request.url)
            if not found:
                return None
            etag, modified = found
        if etag:
            request.headers.setdefault(b"If-None-Match", etag)
        if modified:
            request.headers.setdefault(b"If-Modified-Since", modified)
        request.meta[CONDITIONAL] = True
        spider = spider or self.crawler.spider
        allowed = request.meta.get("handle_httpstatus_list", getattr(spider, "handle_httpstatus_list", []))
        if 304 not in allowed:  # the spider hands the 304 on as a fetch; the recorder reuses the reading
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        return None
