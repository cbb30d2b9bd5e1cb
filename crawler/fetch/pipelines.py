"""The one item pipeline: opens and closes the crawl run and hands each FetchedPage to the PageRecorder.

Recording (extract → decide → version/change/outbox rows, each page all-or-nothing) runs in a worker
process with group commits by default (EDUWATCH_RECORD_WORKER, see crawler/track/record_worker.py), and in
this process, one transaction per page, when that is off or the worker has died.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import _schedule_coro

from crawler.clock import now_iso
from crawler.config import Config, SiteConfig, load_config
from crawler.fetch.crawl_lock import holds
from crawler.model import FetchedPage
from crawler.track.baseline import rules_changed, rules_key
from crawler.track.health import ListWalk
from crawler.track.record_worker import RecordWorker, WorkerGone, attach
from crawler.track.recorder import PageRecorder, Recorded, RunContext
from storage import FatalStorageError, Store, fatal_error

logger = logging.getLogger(__name__)
_OURS: set[int] = set()  # runs this process opened (two spiders of one site may share a process: `--url` + `--site`)
FATAL_STAT = "eduwatch/fatal_storage_error"  # (error class name, message) when a crawl stopped on one


@dataclass
class RunCounts:
    """What one crawl run did, for the progress line and the closing summary."""

    pages: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    reused: int = 0  # pages whose bytes were those of their stored version: no extraction needed
    not_modified: int = 0  # of those, pages the site answered 304 to (nothing downloaded)
    extracted_here: int = 0  # pages the crawl process extracted because the recording worker was behind

    def add(self, recorded: Recorded) -> None:
        self.pages += 1
        self.outcomes[recorded.outcome] = self.outcomes.get(recorded.outcome, 0) + 1
        self.reused += recorded.reused
        self.not_modified += recorded.not_modified


def stop_crawl(crawler, fatal: FatalStorageError) -> None:
    """Close the crawl for a fatal storage error, once, and leave it in the stats for the CLI to report."""
    if crawler.stats.get_value(FATAL_STAT):
        return
    crawler.stats.set_value(FATAL_STAT, (type(fatal).__name__, str(fatal)))
    logger.info("stopping the crawl: %s", fatal)
    if crawler.engine is not None and crawler.engine.spider is not None:
        _schedule_coro(crawler.engine.close_spider_async(reason=str(fatal).split(":", 1)[0]))


class SnapshotPipeline:
    """Extract each fetched page and record what it means, atomically."""

    def __init__(self, db_path: str, config: Config, site_name: str):
        self.db_path = db_path
        self.config = config
        self.site_name = site_name
        self.site_config: SiteConfig | None = next((s for s in config.sites if s.name == site_name), None)
        self.counts = RunCounts()
        self.store: Store | None = None
        self.run_id: int | None = None
        self.baselined = False
        self.rules: str | None = None  # fingerprint of the navigation rules this run walks (track/baseline)
        self.use_worker = True
        self.worker: RecordWorker | None = None
        self.recorder: PageRecorder | None = None
        self.adhoc = False
        self.fatal: FatalStorageError | None = None  # disk full / damaged file: the crawl stops, the run fails

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        db_path = settings.get("EDUWATCH_DB")
        if not db_path:
            raise NotConfigured("EDUWATCH_DB is empty: no snapshot database to write to")
        if settings.get("EDUWATCH_STREAM"):
            raise NotConfigured("EDUWATCH_STREAM is set: a crawl node sends pages to the stream, not a database")
        config = settings.get("EDUWATCH_CONFIG_OBJECT")  # validated once by `eduwatch crawl` and handed down
        if config is None:  # a bare `scrapy crawl SPIDER`: read it here, and stop on a bad file rather than
            config = load_config(settings.get("EDUWATCH_CONFIG"))  # crawl on with no recipients or thresholds
        site = getattr(crawler.spidercls, "name", "generic")
        pipeline = cls(db_path, config, site)
        pipeline.crawler = crawler
        pipeline.use_worker = settings.getbool("EDUWATCH_RECORD_WORKER")
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        try:
            self._open_run()
        except Exception as exc:
            fatal = fatal_error(exc, self.db_path)
            if fatal is None:
                raise
            self._stop(fatal)

    def _open_run(self) -> None:
        spider = self.crawler.spider
        self.site_name = getattr(spider, "site", self.site_name)
        self.site_config = next((s for s in self.config.sites if s.name == self.site_name), None)
        self.store = Store(self.db_path)
        self._close_abandoned_runs()
        self.run_id = self.store.start_run(kind="crawl", sites=[self.site_name], started_at=now_iso())
        _OURS.add(self.run_id)
        site_row = self.store.site(self.site_name)
        self.baselined = bool(site_row and site_row.get("baseline_run"))
        self.adhoc = bool(getattr(spider, "article_urls", None))  # `crawl --url`: no list pages walked
        self.rules = None if self.adhoc else rules_key(self.site_config)
        if self.baselined and rules_changed(self.store.runs(limit=200), self.site_name, self.rules):
            logger.info("%s: navigation rules changed: articles they bring into view are a baseline", self.site_name)
            self.baselined = False
        self.crawler.stats.set_value("eduwatch/run_id", self.run_id)
        if self.use_worker:
            try:
                self.worker = attach(self._context(), on_backlog=self._backlog, extract=self._extract_here,
                                     idle=self._nothing_to_fetch)
            except (OSError, RuntimeError) as exc:  # no process could be started (limits, no /dev/shm, ...)
                logger.warning("could not start the page-recording process (%s); recording in the crawl process", exc)

    def _backlog(self, full: bool) -> None:
        """The worker is behind: stop starting requests until it catches up (downloads in flight finish)."""
        engine = self.crawler.engine
        if full:
            engine.pause()
            return
        engine.unpause()
        slot = getattr(engine, "_slot", None)  # resume now, not at the engine's next 5 s heartbeat
        if slot is not None:
            slot.nextcall.schedule()

    def _extract_here(self, page: FetchedPage):
        return self._local_recorder().extract_page(page)

    def _nothing_to_fetch(self) -> bool:
        """No download in flight or due and no response waiting to be parsed (or the crawl is paused for the
        worker's backlog): this process would idle while the worker records the pages it holds."""
        engine = self.crawler.engine
        try:
            if engine is None or engine.spider is None or engine.paused:
                return True
            scheduler, slot = engine.scheduler, engine.scraper.slot
            return not engine.downloader.active and getattr(engine, "_start", None) is None \
                and not (scheduler is not None and scheduler.has_pending_requests()) \
                and not (slot is not None and slot.queue)
        except AttributeError:  # another Scrapy's engine: never take pages back rather than guess
            return False

    def _context(self) -> RunContext:
        return RunContext(self.db_path, self.config, self.site_name, self.run_id, self.baselined)

    def close_spider(self):
        """Every page has been recorded by now (Scrapy waits for items in flight); stop the worker."""
        if self.worker is not None:
            self.crawler.stats.set_value("eduwatch/record_batches", self.worker.batches)
            self.crawler.stats.set_value("eduwatch/record_queue_peak", self.worker.peak_waiting)
            self.counts.extracted_here += self.worker.taken.pop(self.run_id, 0)
            self.worker.close_run(self.run_id)
            self.worker = None

    def _close_abandoned_runs(self) -> None:
        """A crawl killed outright (kill -9, power loss, a full disk) never closes its run. When this process holds
        the site's crawl lock (`eduwatch crawl` does), no other local crawl of the site is alive: its open runs are
        closed now as interrupted. Otherwise (a bare `scrapy crawl`) only runs older than twice the site's timeout
        are, as failed. Runs dispatched to cluster nodes are the recorder's to close."""
        dead = holds(self.db_path, self.site_name)
        timeout = self.site_config.timeout if self.site_config else 1800.0
        cutoff = (datetime.now(UTC) - timedelta(seconds=2 * timeout)).isoformat(timespec="seconds")
        dispatched = {run["run_id"] for run in self.store.cluster_runs(open_only=True, site=self.site_name)}
        for run in self.store.runs(limit=100):
            if run.get("finished_at") is None and run.get("sites") == [self.site_name] and run["id"] not in dispatched | _OURS \
                    and (dead or (run.get("started_at") or "") < cutoff):
                self.store.finish_run(run["id"], finished_at=now_iso(), status="interrupted" if dead else "failed",
                                      stats={**(run.get("stats") or {}),
                                             "finish_reason": "process gone" if dead else "abandoned"})

    def spider_closed(self, spider, reason: str):
        """Close the run once Scrapy knows why it ended (pipelines close before the reason is recorded)."""
        if self.store is None:
            return
        try:
            if self.run_id is not None:
                self._close_run(reason)
        except Exception as exc:
            fatal = fatal_error(exc, self.db_path)
            if fatal is None:
                raise
            self._stop(fatal)  # the run stays open: the next crawl of the site closes it as interrupted
        finally:
            self.store.close()
            self.store = None

    def _close_run(self, reason: str) -> None:
        """A run that lost pages (a fatal storage error) fails: it sets no baseline and no health verdict."""
        stats = self.crawler.stats
        at = now_iso()
        status = "ok" if reason == "finished" else "interrupted"
        fatal = self.fatal or stats.get_value(FATAL_STAT)  # met here, or by another component (validators.py)
        if fatal:
            status, reason = "failed", str(fatal if self.fatal else fatal[1]).split(":", 1)[0]
        if status == "ok" and not self.baselined:
            self.store.mark_baselined(self.site_name, self.run_id, at)
        if status == "ok" and not self.adhoc:  # a --url run walks no list: it says nothing of the site's health
            self._record_health(stats, at)
        summary = {"pages": self.counts.pages, **self.counts.outcomes, "extractions_reused": self.counts.reused,
                   "not_modified": self.counts.not_modified,
                   "extracted_in_crawl_process": self.counts.extracted_here,
                   "finish_reason": reason,
                   "list_pages": stats.get_value("eduwatch/list_pages", 0),
                   "list_links": stats.get_value("eduwatch/list_links", 0),
                   "list_errors": stats.get_value("eduwatch/list_errors", 0)}
        if self.rules:
            summary["rules"] = self.rules
        if stats.get_value("eduwatch/challenges_cleared"):  # the next crawl starts its browser as it opens
            summary["challenges_cleared"] = stats.get_value("eduwatch/challenges_cleared")
        self.store.finish_run(self.run_id, finished_at=at, status=status, stats=summary)

    def _record_health(self, stats, at: str) -> None:
        """A site whose lists fail or suddenly yield nothing is broken, even when no page errors (the rule and
        the change row live in crawler/track, with the page rules and the other change rows)."""
        walk = ListWalk(links=stats.get_value("eduwatch/list_links", 0), errors=stats.get_value("eduwatch/list_errors", 0))
        problem = PageRecorder(self._context(), store=self.store).record_health(walk, at)
        if problem:
            logger.warning("%s", problem)

    # --- per page ---------------------------------------------------------------------------
    async def process_item(self, item):
        if not isinstance(item, FetchedPage) or self.fatal is not None or self.crawler.stats.get_value(FATAL_STAT):
            return item  # after a fatal storage error, pages still in flight are not recorded (the run fails)
        try:
            recorded = await self._record(item)
        except Exception as exc:
            fatal = fatal_error(exc, self.db_path)
            if fatal is None:
                raise
            self._stop(fatal)
            return item
        self.counts.add(recorded)
        if recorded.reused:
            self.crawler.stats.inc_value("eduwatch/extractions_reused")
        if recorded.outcome in ("error", "flagged", "missing"):
            self.crawler.stats.inc_value("eduwatch/page_errors")
            logger.warning("%s: %s (%s)", item.url, recorded.outcome, recorded.reason)
        return item

    async def _record(self, page: FetchedPage) -> Recorded:
        """In the worker process when there is one; in this one if it was turned off or has died."""
        if self.worker is not None:
            extraction = None
            if self.worker.behind():  # the worker is the bottleneck: extract here, on the crawl's core
                extraction = self._local_recorder().extract_page(page)
                self.counts.extracted_here += 1
            try:
                return await self.worker.record(self.run_id, page, extraction)
            except WorkerGone as exc:
                if self.worker is not None:  # said once: every page in flight hears the same
                    logger.error("the page-recording process stopped (%s); recording the rest of this crawl in the "
                                 "crawl process (pages it had not committed are recorded again)", exc)
                self.worker = None
        return self._local_recorder().record(page)

    def _stop(self, fatal: FatalStorageError) -> None:
        """Stop this crawl at the first write that cannot succeed; the CLI says so in one line (runner.py)."""
        if self.fatal is None:
            self.fatal = fatal
            stop_crawl(self.crawler, fatal)

    def _local_recorder(self) -> PageRecorder:
        if self.recorder is None:
            self.recorder = PageRecorder(self._context(), store=self.store)
        return self.recorder
