"""Record pages in a second process, in group commits, so extraction and SQLite use a core Scrapy doesn't.

Why: a crawl process runs on one core (Scrapy's reactor holds the GIL), and recording a page costs
about as much CPU as fetching it, so recording in-process halves a fast crawl (bench/throughput.py).

One worker per crawl process and database, shared by the spiders crawling at once: one more process,
one SQLite connection, no lock contention between writers of the same crawl.

Group commit: while the worker writes one batch, the pages that arrive meanwhile wait and go
together into the next batch, written in one transaction (one page alone when pages arrive slowly).
A SQLite commit (above all the FTS5 segment it flushes) costs as much as the rest of a page's
writes, so batching halves the storage cost under load. Pages are extracted before the write lock is
taken (a concurrent `reextract` waits less), and a page that fails to write fails alone (the batch is
then rewritten page by page). A crash loses at most the uncommitted batch, never part of a page, and
the next crawl fetches those pages again. The pipelines await each page's result, and the worker
pauses the crawls when too many wait (HIGH_WATER).

The crawl side hands each page over as it arrives: its pickle goes to a spool file (crawler/track/spool.py)
and a few bytes announcing it go through the pipe, watched by the event loop, with no helper threads
(concurrent.futures' manager and feeder threads fight the reactor for the GIL and cost the crawl more CPU than
the recording they move away). The worker never waits for the crawl process to send the next batch.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from crawler.errors import EduwatchError
from crawler.model import FetchedPage
from crawler.track.record_process import MAX_BATCH, run
from crawler.track.recorder import Extraction, Recorded, RunContext
from crawler.track.shared_bodies import SentBodies
from crawler.track.spool import Spool, SpoolError
from storage import DatabaseDamaged, DiskFull, FatalStorageError

# Scrapy does not count items awaiting a pipeline against its own memory limit, so a crawl that fetches
# faster than the worker records would queue pages without bound (3,866 of them, +80 MB, in a 20,000-page
# benchmark): at HIGH_WATER waiting pages the crawls are paused, at LOW_WATER they resume.
HIGH_WATER = 4 * MAX_BATCH
LOW_WATER = MAX_BATCH
# When a whole batch (SHARE_AT pages) already waits behind the one being written, the worker is the bottleneck
# and the crawl process is about to be paused: it extracts the pages it hands over itself, so both cores
# extract. It stops by itself as the queue shrinks (bench/throughput.py: first crawl of heavy pages; sharing
# from a smaller or a larger queue, or only once the crawls are idle (_steal), measured no better).
SHARE_AT = MAX_BATCH
_FATAL = {cls.__name__: cls for cls in (DiskFull, DatabaseDamaged)}  # rebuilt from their names across the pipe
# Once the crawls have nothing left to fetch, the crawl process extracts queued pages too (RecordWorker._steal),
# but not the few the worker is about to reach; it looks again every STEAL_POLL_S while pages are queued.
STEAL_BEHIND = 4
STEAL_POLL_S = 0.02
CLOSE_TIMEOUT_S = 60.0  # a last batch still being written when the crawl ends
log = logging.getLogger(__name__)


class WorkerGone(EduwatchError, RuntimeError):
    """The worker process could not start or has died; the pipeline records in-process instead."""


def _mp_context() -> multiprocessing.context.BaseContext:
    """spawn: a fresh interpreter. Fork would copy the reactor's threads and locks mid-flight, and a
    forkserver is one more process (and ~40 MB) for the single worker a crawl starts."""
    return multiprocessing.get_context("spawn")


def _open_spool() -> Spool | None:
    try:
        return Spool()
    except OSError as exc:
        log.warning("could not make a spool for the recording process (%s); handing it pages through its pipe "
                    "(slower): set TMPDIR to a writable directory", exc)
        return None


# --- the crawl side --------------------------------------------------------------------------------------------
_workers: dict[str, RecordWorker] = {}  # this crawl process's worker per database


def attach(context: RunContext, on_backlog: Callable[[bool], None] | None = None,
           extract: Callable[[FetchedPage], Extraction] | None = None,
           idle: Callable[[], bool] | None = None) -> RecordWorker:
    """The worker for the run's database (started on first use), with the run registered.

    on_backlog(True) asks the run's crawl to stop fetching for now, on_backlog(False) to go on; extract(page)
    extracts a page in the crawl process and idle() says whether the run's crawl has nothing left to fetch."""
    worker = _workers.get(context.db_path)
    if worker is None or worker.gone:
        worker = _workers[context.db_path] = RecordWorker(context.db_path)
    worker.open_run(context, on_backlog, extract, idle)
    return worker


@dataclass(eq=False)
class _Handed:
    """A page handed to the worker and not yet committed."""

    seq: int  # its number in the order handed over (the worker numbers them the same way)
    run_id: int
    page: FetchedPage
    result: asyncio.Future
    extracted: bool  # by the crawl process, before or after handing it over


class RecordWorker:
    """One worker process recording pages in arrival order, a batch at a time, for any number of runs."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        mp = _mp_context()
        self.conn, child = mp.Pipe()
        self.spool: Spool | None = _open_spool()
        self.spooling = self.spool is not None
        self.process = mp.Process(target=run, args=(child, db_path, self.spool.dir if self.spool else None),
                                  daemon=True, name="eduwatch-recorder")
        try:
            self.process.start()
        except BaseException:
            self._close_spool()
            raise
        child.close()
        self.runs: set[int] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent: deque[_Handed] = deque()  # pages handed over and not yet committed, oldest first
        self.numbered = 0  # pages handed over so far: the next one's number
        self.bodies = SentBodies()  # documents sent once for all the pages that link them
        self.extractors: dict[int, Callable[[FetchedPage], Extraction]] = {}  # per run: the crawl process's extraction
        self.idlers: dict[int, Callable[[], bool]] = {}  # per run: has its crawl nothing left to fetch?
        self.taken: dict[int, int] = {}  # per run: pages the crawl process extracted back from the worker's queue
        self.stealing = False  # a _steal call is scheduled
        self.gone: WorkerGone | FatalStorageError | None = None
        self.batches = 0  # transactions written; pages / batches is the group-commit factor
        self.peak_waiting = 0  # most pages ever handed over and not yet committed
        self.listeners: dict[int, Callable[[bool], None]] = {}
        self.throttled = False

    def open_run(self, context: RunContext, on_backlog: Callable[[bool], None] | None = None,
                 extract: Callable[[FetchedPage], Extraction] | None = None,
                 idle: Callable[[], bool] | None = None) -> None:
        """extract and idle let the crawl process take pages back from the worker's queue once every run's
        crawl has nothing left to fetch (see _steal)."""
        self.runs.add(context.run_id)
        if on_backlog is not None:
            self.listeners[context.run_id] = on_backlog
        if extract is not None and idle is not None:
            self.extractors[context.run_id], self.idlers[context.run_id] = extract, idle
        self._send(("open", context))

    def close_run(self, run_id: int) -> None:
        """The run's pages are all recorded; the last run to close stops the process."""
        self.runs.discard(run_id)
        self.listeners.pop(run_id, None)
        self.extractors.pop(run_id, None)
        self.idlers.pop(run_id, None)
        self._send(("close", run_id))
        if not self.runs:
            self.close()

    def behind(self) -> bool:
        """More pages wait than the worker takes in one batch: the crawl process should extract for it."""
        return len(self.sent) >= MAX_BATCH + SHARE_AT

    async def record(self, run_id: int, page: FetchedPage, extraction: Extraction | None = None) -> Recorded:
        """Hand the page (and its extraction, when the crawl process made it) over at once and wait until it is
        committed (or failed)."""
        self._raise_if_gone()
        loop = asyncio.get_running_loop()
        if self.loop is None:
            self.loop = loop
            loop.add_reader(self.conn.fileno(), self._on_reply)
        result = loop.create_future()
        for key, body in self.bodies.new_bodies(page):
            self._send(("body", (key, self._spooled(body))))
        self._raise_if_gone()  # it died as the documents went: the page is not handed over, nothing would answer it
        data = self.bodies.dumps((run_id, page, extraction))
        self.sent.append(_Handed(self.numbered, run_id, page, result, extracted=extraction is not None))
        self.numbered += 1
        self._send(("page", self._spooled(data)))  # if the worker is gone, _fail has settled `result` already
        dropped = self.bodies.evict()
        if dropped:
            self._send(("forget", dropped))
        self._steal_soon()
        self.peak_waiting = max(self.peak_waiting, len(self.sent))
        if not self.throttled and len(self.sent) >= HIGH_WATER:
            self._throttle(True)
        return await result

    def _raise_if_gone(self) -> None:
        if self.gone:
            raise type(self.gone)(str(self.gone))  # a fresh exception: re-raising one instance grows its traceback

    def _spooled(self, data: bytes):
        """Where the worker finds the page: in the spool, or (no spool could be written, or the worker is gone and
        the spool with it) the bytes themselves, sent through the pipe, which then waits for the worker to read them."""
        if self.spooling and self.spool is not None:
            try:
                return self.spool.put(data)
            except SpoolError as exc:  # the pages spooled so far stay there until the worker has read them
                log.warning("%s; handing pages to the recording process through its pipe instead (slower): give "
                            "TMPDIR more room", exc)
                self.spooling = False
        return data

    def _close_spool(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def _throttle(self, full: bool) -> None:
        self.throttled = full
        for listener in list(self.listeners.values()):
            listener(full)

    def _send(self, message) -> bool:
        if self.gone:
            return False
        try:
            self.conn.send(message)
            return True
        except OSError as exc:
            self._read_last_words()
            if not self.gone:
                self._fail(f"the recording process stopped taking pages ({exc})")
            return False

    def _read_last_words(self) -> None:
        """The worker's replies still in the pipe, read before the write that found it gone is reported: a worker
        stopped by a full disk sends why (its "fatal") and exits, and a page sent just after must hear that, not
        that the worker vanished (then each crawl would record in-process, and fail page by page)."""
        try:
            while not self.gone and not self.conn.closed and self.conn.poll():
                self._on_reply()
        except OSError:
            pass

    def _on_reply(self) -> None:
        try:
            kind, payload = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            self._fail(f"the recording process exited (exit code {self.process.exitcode})")
            return
        if kind == "failed":
            self._fail(payload)
            return
        if kind == "fatal":  # the pages sent were not committed; the pipelines stop their crawls
            name, message = payload
            self._fail(message, fatal=_FATAL.get(name, FatalStorageError)(message))
            return
        self.batches += 1
        for result in payload:  # the oldest pages sent, in order
            waiter = self.sent.popleft().result
            if waiter.done():
                continue
            if isinstance(result, BaseException):
                waiter.set_exception(result)
            else:
                waiter.set_result(result)
        if self.throttled and len(self.sent) <= LOW_WATER:
            self._throttle(False)
        self._steal_soon()

    def _steal_soon(self) -> None:
        if not self.stealing and self.extractors and len(self.sent) > STEAL_BEHIND and self.loop is not None:
            self.stealing = True
            self.loop.call_later(STEAL_POLL_S, self._steal)

    def _steal(self) -> None:
        """Once no crawl of this worker has anything left to fetch (or all are paused for the backlog), the crawl
        process would idle while the worker records the pages queued: it extracts them too, from the newest back,
        while the worker goes on from the oldest, and sends each extraction after its page. The worker uses those
        that arrive before it reaches their pages (one page may be extracted twice where the two meet)."""
        self.stealing = False
        if self.gone or not self.idlers or not all(idle() for idle in list(self.idlers.values())):
            self._steal_soon()
            return
        entry = next((self.sent[index] for index in range(len(self.sent) - 1, STEAL_BEHIND - 1, -1)
                      if not self.sent[index].extracted), None)
        if entry is None:
            return  # the worker is at the rest already; new pages or replies schedule the next look
        entry.extracted = True
        extract = self.extractors.get(entry.run_id)
        try:
            extraction = extract(entry.page) if extract else None
        except Exception:  # noqa: BLE001 - the worker extracts it again and reports the failure with the page
            extraction = None
        if extraction is not None:
            data = self.bodies.dumps(extraction)  # its files refer to the documents the worker holds
            self._send(("extracted", (entry.seq, self._spooled(data))))
            self.taken[entry.run_id] = self.taken.get(entry.run_id, 0) + 1
        self.stealing = True
        self.loop.call_soon(self._steal)  # one page at a time: replies and the crawls' own work come first

    def _fail(self, message: str, fatal: FatalStorageError | None = None) -> None:
        """Every page sent or waiting hears that the worker is gone (uncommitted pages are recorded again), or
        the fatal storage error that stopped it (then nothing can be recorded)."""
        self.gone = fatal or WorkerGone(message)
        self.process.is_alive()  # reaps the process if it has exited, rather than leaving a zombie until the crawl ends
        self._stop_reading()
        for waiter in (entry.result for entry in self.sent):
            if not waiter.done():
                waiter.set_exception(type(self.gone)(message))
        self.sent.clear()
        self._close_spool()
        if self.throttled:
            self._throttle(False)  # the crawls go on, recording in-process

    def _stop_reading(self) -> None:
        if self.loop is not None and not self.conn.closed:
            self.loop.remove_reader(self.conn.fileno())
            self.loop = None

    def close(self) -> None:
        """Stop the process once its last batch is written (every pipeline has awaited its pages)."""
        if _workers.get(self.db_path) is self:
            del _workers[self.db_path]
        self._stop_reading()
        if not self.conn.closed:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(CLOSE_TIMEOUT_S)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.conn.close()
        self._close_spool()
