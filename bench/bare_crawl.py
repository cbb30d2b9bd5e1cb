"""Bare Scrapy: what `scrapy crawl SPIDER -a ...` does, for every site of an eduwatch config, in one process.

The yardstick of bench/throughput.py: the same spiders with the same arguments (start URLs, follow and
pagination rules, list-page limit) and the project's Scrapy settings (scrapy.cfg → crawler/fetch/settings.py),
minus everything eduwatch adds to Scrapy: no item pipeline (the spiders' pages are dropped), no eduwatch
downloader middleware or extension, no HTTP cache. `-s NAME=VALUE` overrides a setting as `scrapy crawl`
does. Prints each spider's Scrapy stats as one JSON line on stdout.

`--documents`: the like-for-like yardstick for pages that link documents. The spiders download no
attachments themselves (EDUWATCH_ATTACHMENT_MAX_MB=0); instead each article page's document links (by the
same rule eduwatch uses) are requested the way bare Scrapy would: through its duplicate filter, so each
linked document is fetched once per crawl, however many pages link it.

Run: python bench/bare_crawl.py --config eduwatch.toml -s DOWNLOAD_DELAY=0 ...
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.utils.project import get_project_settings  # noqa: E402

# eduwatch's downloader middlewares turn themselves off without the HTTP cache and conditional requests
BARE = {"ITEM_PIPELINES": {}, "EXTENSIONS": {}, "HTTPCACHE_ENABLED": False, "EDUWATCH_CONDITIONAL_REQUESTS": False,
        "LOG_LEVEL": "WARNING"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--documents", action="store_true", help="also fetch each linked document once")
    args = parser.parse_args(argv)
    sites = tomllib.loads(Path(args.config).read_text("utf-8"))["sites"]
    settings = get_project_settings()
    for name, value in BARE.items():
        settings.set(name, value, priority="cmdline")
    for item in args.settings:
        name, _, value = item.partition("=")
        settings.set(name, value, priority="cmdline")
    if args.documents:
        settings.set("EDUWATCH_ATTACHMENT_MAX_MB", 0, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for site in sites:
        spider = site.get("spider", site["name"])
        crawler = process.create_crawler(with_documents(process.spider_loader.load(spider)) if args.documents
                                         else spider)
        crawlers.append(crawler)
        process.crawl(crawler, site=site["name"], start_urls=site["start_urls"], follow=site.get("follow"),
                      pagination=site.get("pagination"), max_list_pages=site.get("max_list_pages", 5))
    process.start()
    for crawler in crawlers:
        stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float)}
        print(json.dumps(stats), flush=True)
    return 0


def with_documents(spider_class):
    """The spider, plus a request for each document link of each article page, deduplicated by Scrapy."""
    from spiders.attachments import attachment_urls

    def parse_article(self, response):
        yield from spider_class.parse_article(self, response)
        if getattr(response, "status", 0) == 200 and hasattr(response, "xpath"):
            for url in attachment_urls(response):
                yield scrapy.Request(url, callback=self.document, errback=self.document_failed, priority=5,
                                     meta={"handle_httpstatus_all": True})

    def document(self, response):
        self.crawler.stats.inc_value("bare/documents")
        return []

    def document_failed(self, failure):
        self.crawler.stats.inc_value("bare/documents_failed")
        return []

    return type(f"Bare{spider_class.__name__}", (spider_class,),
                {"parse_article": parse_article, "document": document, "document_failed": document_failed})


if __name__ == "__main__":
    sys.exit(main())
