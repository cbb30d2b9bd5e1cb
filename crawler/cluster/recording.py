"""What each stream message means to the database: open runs, record pages, close runs (the Handler of
crawler.cluster.consumer; every `apply` runs inside the consumer's one transaction per entry)."""

from __future__ import annotations

import logging

from crawler.cluster.closing import RunEnd, close_run
from crawler.cluster.messages import Message, PageFetched, RunDispatched, RunFailed, RunFinished, RunStarted
from crawler.config import Config
from crawler.track.recorder import Extraction, PageRecorder, RunContext
from storage import Store

logger = logging.getLogger(__name__)
UNKNOWN_NODE = "unknown"  # a run first heard of through a page (its opening message was lost)


class StreamRecorder:
    """Turns messages into rows with eduwatch's own PageRecorder, so cluster and local crawls agree."""

    def __init__(self, store: Store, config: Config, db_path: str, on_run_closed=None):
        self.store = store
        self.config = config
        self.db_path = db_path
        self.on_run_closed = on_run_closed  # called after the commit that closed a run (alert delivery)
        self._recorders: dict[str, PageRecorder] = {}

    # --- Handler ----------------------------------------------------------------------------------
    def prepare(self, message: Message) -> Extraction | None:
        """Extract a page before the write lock is taken (the costly part; it only reads)."""
        if isinstance(message, PageFetched):
            run = self.store.cluster_run(message.run)
            if run is not None:
                return self._recorder(run).extract_page(message.page)
        return None

    def apply(self, message: Message, prepared: Extraction | None) -> None:
        if isinstance(message, RunDispatched):
            self._open(message.run, message.site, message.node, message.job, message.spider, message.at)
        elif isinstance(message, RunStarted):
            self._open(message.run, message.site, message.node, message.job, message.spider, message.at)
            self.store.mark_cluster_run_started(message.run, message.at)
        elif isinstance(message, PageFetched):
            self._page(message, prepared)
        elif isinstance(message, RunFinished):
            status = "ok" if message.reason == "finished" else "interrupted"
            self._close(message.run, RunEnd(message.reason, message.at, status, message.stats,
                                            {"pages_sent": message.pages}), sent=message.pages)
        elif isinstance(message, RunFailed):
            self._close(message.run, RunEnd(message.reason, message.at, "failed"))

    def committed(self, message: Message) -> None:
        if isinstance(message, RunFinished | RunFailed):
            self._recorders.pop(message.run, None)
            if self.on_run_closed is not None:
                self.on_run_closed(message.run)

    # --- steps ------------------------------------------------------------------------------------
    def _open(self, token: str, site: str, node: str, job: str, spider: str | None, at: str) -> dict:
        return self.store.open_cluster_run(token, site=site, node=node, job=job, spider=spider, dispatched_at=at)

    def _page(self, message: PageFetched, prepared: Extraction | None) -> None:
        run = self.store.cluster_run(message.run) or self._open(
            message.run, message.page.site, UNKNOWN_NODE, "", None, message.page.fetched_at)
        if run["finished_at"]:
            logger.warning("page %s arrived for run %s, already closed (%s); recording it all the same",
                           message.page.url, run["run_id"], run["stats"] and run["stats"].get("finish_reason"))
        recorder = self._recorder(run)
        extraction = prepared if prepared is not None else recorder.extract_page(message.page)
        recorded = recorder.write(message.page, extraction)
        if recorded.outcome in ("error", "flagged", "missing"):
            logger.warning("%s: %s (%s)", message.page.url, recorded.outcome, recorded.reason)

    def _close(self, token: str, end: RunEnd, *, sent: int | None = None) -> None:
        run = self.store.cluster_run(token)
        if run is None:
            logger.warning("run %s ended (%s) but was never opened; nothing to close", token, end.reason)
            return
        if run["finished_at"]:
            logger.info("run %s ended (%s) after it had been closed (%s)", run["run_id"], end.reason,
                        (run["stats"] or {}).get("finish_reason"))
            return
        recorded = sum(self.store.run_outcome_counts(run["run_id"]).values())
        if sent is not None and recorded < sent and end.status == "ok":
            # pages lost in transit: a baseline missing them would later report them as new
            end = RunEnd(f"{end.reason}; {sent - recorded} of {sent} pages were not recorded", end.at,
                         "interrupted", end.list_stats, end.extra)
        close_run(self.store, self.config, self.db_path, run,
                  RunEnd(end.reason, end.at, end.status, end.list_stats,
                         {**end.extra, "node": run["node"], "job": run["job"]}))

    def _recorder(self, run: dict) -> PageRecorder:
        recorder = self._recorders.get(run["token"])
        if recorder is None:
            context = RunContext(self.db_path, self.config, run["site"], run["run_id"], run["baselined"])
            recorder = self._recorders[run["token"]] = PageRecorder(context, store=self.store)
        return recorder
