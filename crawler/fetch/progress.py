"""A Scrapy extension that prints a progress line to stderr during long crawls."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressReporter:
    """Every EDUWATCH_PROGRESS_INTERVAL seconds: pages done, requests queued, errors so far."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("EDUWATCH_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured  # progress lines are off (EDUWATCH_PROGRESS_INTERVAL = 0)
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
        self.report(spider, final=True)

    def report(self, spider, final: bool = False) -> None:
        stats = self.crawler.stats
        done = stats.get_value("item_scraped_count", 0)
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        errors = stats.get_value("eduwatch/page_errors", 0) + stats.get_value("eduwatch/list_errors", 0)
        lists = stats.get_value("eduwatch/list_pages", 0)
        word = "done" if final else "so far"
        sys.stderr.write(f"eduwatch [{getattr(spider, 'site', spider.name)}] {word}: {done} pages, "
                         f"{lists} list pages, {max(queued, 0)} queued, {errors} errors\n")
        sys.stderr.flush()
