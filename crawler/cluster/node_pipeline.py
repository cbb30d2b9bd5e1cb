"""The item pipeline of a crawl node: no database; each run's opening, pages and end go to the Redis stream.

On when EDUWATCH_STREAM holds a Redis URL (`eduwatch node` sets it for the crawls scrapyd starts). The
dispatcher's spider arguments name the run (`eduwatch_run`) and the node (`eduwatch_node`); scrapyd
adds the job id (`_job`). A crawl started by hand on a node gets a run token of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.clock import now_iso
from crawler.cluster.messages import Message, PageFetched, RunFinished, RunStarted
from crawler.model import FetchedPage

if TYPE_CHECKING:
    from crawler.cluster.stream import Stream

logger = logging.getLogger(__name__)


class StreamPipeline:
    """FetchedPage → `page` message; the spider's opening and closing → `run_started` / `run_finished`."""

    def __init__(self, crawler, url: str):
        self.crawler = crawler
        self.url = url
        self.retry_s = crawler.settings.getfloat("EDUWATCH_STREAM_RETRY_SECONDS")
        self.max_waiting = crawler.settings.getint("EDUWATCH_STREAM_MAX_WAITING")
        self.stream: Stream | None = None
        self.run = ""
        self.seq = 0

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("EDUWATCH_STREAM")
        if not url:
            raise NotConfigured("EDUWATCH_STREAM is empty: not a crawl node, pages go to the database")
        pipeline = cls(crawler, url)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        from crawler.cluster.stream import Stream  # redis-py: imported on a crawl node only (~0.15 s)

        spider = self.crawler.spider
        self.run = getattr(spider, "eduwatch_run", None) or uuid.uuid4().hex
        self.stream = Stream(self.url)
        self.stream.ensure_group()
        self._send(RunStarted(run=self.run, site=getattr(spider, "site", spider.name),
                              node=getattr(spider, "eduwatch_node", None) or "unknown",
                              job=getattr(spider, "_job", None) or "", spider=spider.name, at=now_iso()))

    async def process_item(self, item):
        if not isinstance(item, FetchedPage):
            return item
        await self._wait_for_room()
        self.seq += 1
        await asyncio.to_thread(self._send, PageFetched(run=self.run, seq=self.seq, page=item))
        return item

    def spider_closed(self, spider, reason: str):
        """After Scrapy knows why the spider ended (pipelines close before the reason is recorded)."""
        if self.stream is None:
            return
        stats = self.crawler.stats
        list_stats = {name: stats.get_value(f"eduwatch/{name}", 0) for name in ("list_pages", "list_links",
                                                                                 "list_errors")}
        self._send(RunFinished(run=self.run, at=now_iso(), reason=reason, pages=self.seq, stats=list_stats))
        self.stream.close()
        self.stream = None

    async def _wait_for_room(self) -> None:
        """The recorder is far behind (or down): hold pages back instead of filling Redis's memory."""
        while self.max_waiting and await asyncio.to_thread(self._waiting) > self.max_waiting:
            await asyncio.sleep(1.0)

    def _waiting(self) -> int:
        import redis

        try:
            return self.stream.length()
        except redis.RedisError:
            return 0  # _send reports Redis being away

    def _send(self, message: Message) -> None:
        """XADD, retried while Redis is away; a message id makes a retried duplicate harmless."""
        import redis

        from crawler.cluster.stream import redis_failure

        deadline = time.monotonic() + self.retry_s
        while True:
            try:
                self.stream.publish(message)
                return
            except redis.RedisError as exc:
                if time.monotonic() > deadline:
                    raise redis_failure(self.url, exc) from None
                logger.warning("%s; retrying", redis_failure(self.url, exc))
                time.sleep(1.0)
