"""JSON API sites ([sites.api]): list pages asked as the site declares, JSON articles read as HTML pages."""

from __future__ import annotations

import logging

import scrapy
from scrapy.http import HtmlResponse, Response

from crawler.clock import now_iso
from crawler.model import FetchedPage
from crawler.sources import api as sources_api
from crawler.sources.api import ApiSpec
from crawler.sources.model import SourceError

logger = logging.getLogger(__name__)


class ApiLists:
    """Mixed into a SiteSpider: with an `api` argument its start URLs are JSON list endpoints."""

    def __init__(self, *args, api: ApiSpec | str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.api = ApiSpec.from_json(api) if isinstance(api, str) and api else (api or None)

    def start_requests_for(self, url: str) -> list:
        if self.api is None:
            return super().start_requests_for(url)
        return [self.api_list_request(url, 1)]

    def api_list_request(self, start_url: str, page: int, more: bool = True) -> scrapy.Request:
        asked = sources_api.list_request(self.api, start_url, page)
        self.list_pages_seen.add(f"{asked.url} {asked.body or ''}")
        return scrapy.Request(asked.url, method=asked.method, body=asked.body, headers=asked.headers,
                              callback=self.parse_api_list, errback=self.list_failed, priority=10,
                              meta={"list_page": page, "api_start": start_url, "more": more})

    def parse_api_list(self, response: Response):
        """One list answer: its items' articles, then the next page while pages come full and the limit allows."""
        stats = self.crawler.stats
        stats.inc_value("eduwatch/list_pages")
        if response.status >= 400:
            stats.inc_value("eduwatch/list_errors")
            logger.warning("API list %s answered HTTP %s", response.url, response.status)
            return
        try:
            links = sources_api.read_list(self.api, response.body, response.url)
        except SourceError as exc:
            stats.inc_value("eduwatch/list_errors")
            logger.warning("API list: %s", exc)
            return
        urls = [link.url for link in links if self.follow is None or self.follow.search(link.url)]
        for url in urls:
            request = self.article_request(url, list_url=response.url)
            if request is not None:
                yield request
        stats.inc_value("eduwatch/list_links", len(urls))
        yield from self._further_pages(response, len(links))

    def _further_pages(self, response: Response, found: int):
        """With a declared total, page 1 asks for every further page at once; else the next while pages come full."""
        page, start = response.meta["list_page"], response.meta["api_start"]
        last = sources_api.last_page(self.api, response.body, response.url) if page == 1 else None
        if last is not None:
            for number in range(2, min(last, self.max_list_pages) + 1):
                yield self.api_list_request(start, number, more=False)
        elif found >= self.api.page_size and response.meta.get("more", True) \
                and len(self.list_pages_seen) < self.max_list_pages:
            yield self.api_list_request(start, page + 1)

    def parse_article(self, response: Response):
        """A JSON article (declared by [sites.api.article]) becomes the HTML page the extractor reads."""
        if self.api is None or self.api.article is None or response.status != 200:
            yield from super().parse_article(response)
            return
        try:
            text = sources_api.article_html(self.api, response.body, response.url)
        except SourceError as exc:
            yield FetchedPage(url=response.meta.get("redirect_urls", [response.request.url])[0], site=self.site,
                              final_url=response.url, status=response.status, fetched_at=now_iso(),
                              error=str(exc), list_url=response.meta.get("list_url"))
            return
        headers = response.headers.copy()
        headers[b"Content-Type"] = b"text/html; charset=utf-8"
        page = response.replace(cls=HtmlResponse, body=text.encode("utf-8"), headers=headers, encoding="utf-8")
        yield from super().parse_article(page)
