"""`eduwatch record`: the one database writer in cluster mode, in the foreground until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis

from crawler.clock import now_iso
from crawler.cluster.abandon import find_abandoned
from crawler.cluster.closing import RunEnd, close_run
from crawler.cluster.consumer import Consumer
from crawler.cluster.recorder_lease import RecorderLease
from crawler.cluster.recording import StreamRecorder
from crawler.cluster.stream import Stream, redis_failure, safe_url
from crawler.config import Config
from crawler.errors import ConfigError
from storage import Store

logger = logging.getLogger(__name__)

BLOCK_MS = 1000  # longest wait for new entries; also how fast SIGTERM is noticed
HOUSEKEEPING_S = 10.0  # trim the stream, look for abandoned runs, deliver due alerts
KEEP_ENTRY_IDS_DAYS = 7  # recorded message ids older than this can no longer come back: forget them
REDIS_RETRY_S = 2.0  # pause before reconnecting after Redis went away


@dataclass
class RecorderOptions:
    once: bool = False  # return when the stream is drained and no run is open


class RecorderService:
    """Claims pending entries, reads new ones, records each exactly once; trims and closes runs on the side."""

    def __init__(self, config: Config, db_path: str, options: RecorderOptions):
        if config.cluster is None:
            raise ConfigError(f"{config.path or 'the configuration'}: `eduwatch record` needs a [cluster] table "
                              "with redis = \"redis://HOST:6379/0\" (see README, Many machines)")
        self.config = config
        self.db_path = db_path
        self.options = options
        self.store = Store(db_path)
        # a stable name: after a restart this recorder finds its own pending entries first
        self.stream = Stream(config.cluster.redis, consumer=f"recorder@{socket.gethostname()}")
        self.recorder = StreamRecorder(self.store, config, db_path, on_run_closed=self._deliver)
        self.consumer = Consumer(self.stream, self.store, self.recorder)
        self.lease = RecorderLease(self.stream.redis, self.store.database_id(), db_path)
        self.down_since: dict[str, datetime] = {}  # node → when it was first seen not answering
        self.stopping = False
        self._last_housekeeping = 0.0
        self._last_prune = float("-inf")

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stopping:
                if self._round():
                    break
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.lease.release()
            self.stream.close()
            self.store.close()
        counts = self.consumer.counts
        logger.info("recorder stopped: %d entries recorded, %d replays recorded nothing, %d set aside",
                    counts.recorded, counts.replayed, counts.dead)
        return 0

    def _stop(self, signum, frame) -> None:
        logger.info("signal %s: stopping after the current entry", signum)
        self.stopping = True

    def _round(self) -> bool:
        """One batch plus housekeeping when due; True when --once has nothing left to do."""
        try:
            if self.lease.keep():
                logger.info("recording into %s from Redis at %s (one recorder at a time); stop with Ctrl-C or "
                            "SIGTERM", self.db_path, safe_url(self.config.cluster.redis))
            self.stream.ensure_group()
            handled = self.consumer.step(block_ms=None if self.options.once else BLOCK_MS)
            idle = handled == 0
            if idle or time.monotonic() - self._last_housekeeping > HOUSEKEEPING_S:
                self._housekeeping(drained=idle)
        except redis.RedisError as exc:
            if self.options.once:
                raise redis_failure(self.config.cluster.redis, exc) from None
            logger.error("%s; retrying in %.0f s", redis_failure(self.config.cluster.redis, exc), REDIS_RETRY_S)
            time.sleep(REDIS_RETRY_S)
            return False
        if self.options.once and idle:
            if not self.store.cluster_runs(open_only=True):
                return True
            time.sleep(0.2)  # runs still open on their nodes: wait for their messages
        return False

    def _housekeeping(self, *, drained: bool) -> None:
        self._last_housekeeping = time.monotonic()
        self.stream.trim()
        if time.monotonic() - self._last_prune > 3600:
            self._last_prune = time.monotonic()
            cutoff = (datetime.now(UTC) - timedelta(days=KEEP_ENTRY_IDS_DAYS)).isoformat(timespec="seconds")
            self.store.prune_recorded_entries(cutoff)
        if drained:
            self._close_abandoned()
        self._deliver(None)

    def _close_abandoned(self) -> None:
        candidates = find_abandoned(self.store.cluster_runs(open_only=True), self.config, down_since=self.down_since)
        if not candidates:
            return
        while self.consumer.step(block_ms=None):  # their jobs ended: every message they sent is on the stream
            pass
        for gone in candidates:
            run = self.store.cluster_run(gone.token)
            if run is None or run["finished_at"]:
                continue
            logger.warning("run %s (%s): %s", gone.run_id, gone.site, gone.reason)
            close_run(self.store, self.config, self.db_path, run,
                      RunEnd(gone.reason, now_iso(), "failed", extra={"node": run["node"], "job": run["job"]}))

    def _deliver(self, _token) -> None:
        """Send what a closed run queued (and anything due for a retry); SMTP down leaves it pending."""
        from crawler.notify.delivery import deliver_configured

        try:
            deliver_configured(self.store, self.config)
        except Exception:  # delivery must never stop recording; the outbox keeps the alert pending
            logger.exception("alert delivery failed; the alerts stay pending and are retried")


def run_recorder(config: Config, db_path: str, *, once: bool = False) -> int:
    from crawler.logsetup import ensure_stderr_logging

    ensure_stderr_logging()
    return RecorderService(config, db_path, RecorderOptions(once=once)).run()
