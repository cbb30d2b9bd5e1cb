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
import pickle
import signal
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection

from crawler.errors import EduwatchError
from crawler.model import FetchedPage
from crawler.track.attachments import ReadingCache
from crawler.track.recorder import Extraction, PageRecorder, Recorded, RunContext
from crawler.track.spool import Spool, SpoolError, SpoolReader
from storage import DatabaseDamaged, DiskFull, FatalStorageError, Store, fatal_error

MAX_BATCH = 50  # pages per transaction at most: the write lock is held for ~0.1 s
# Scrapy does not count items awaiting a pipeline against its own memory limit, so a crawl that fetches
# faster than the worker records would queue pages without bound (3,866 of them, +80 MB, in a 20,000-page
# benchmark): at HIGH_WATER waiting pages the crawls are paused, at LOW_WATER they resume.
HIGH_WATER = 4 * MAX_BATCH
LOW_WATER = MAX_BATCH
# When a whole batch already waits behind the one being written, the worker is the bottleneck and the crawl
# process has CPU to spare (it is about to be paused): it extracts the pages it hands over itself, so both
# cores extract. It stops by itself as the queue shrinks (bench/throughput.py: first crawl of heavy pages).
SHARE_AT = MAX_BATCH
_FATAL = {cls.__name__: cls for cls in (DiskFull, DatabaseDamaged)}  # rebuilt from their names across the pipe
CLOSE_TIMEOUT_S = 60.0  # a last batch still being written when the crawl ends
log = logging.getLogger(__name__)


class RecordError(EduwatchError, RuntimeError):
    """Recording one page failed in the worker; the message carries the worker's traceback."""


class WorkerGone(EduwatchError, RuntimeError):
    """The worker process could not start or has died; the pipeline records in-process instead."""


# --- the worker process ----------------------------------------------------------------------------------------
def _serve(conn: Connection, db_path: str, spool_dir: str | None = None) -> None:
    """Worker main loop. Messages: ("open", RunContext), ("close", run_id), ("page", where its (run_id, page,
    extraction or None) pickle is: a spool reference, or the bytes themselves), None to stop; a closed pipe (the
    crawl process died) stops it too. Every page announced while a batch was written goes into the next one."""
    # Ctrl-C reaches the whole process group: the crawl shuts down cleanly and then tells us to stop;
    # dying here mid-batch would only make it record the rest itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = Store(db_path)
    except Exception as exc:  # noqa: BLE001 - reported to the crawl process, which records in-process
        conn.send(("failed", f"the recording process could not open {db_path}: {exc}"))
        return
    recorders: dict[int, PageRecorder] = {}
    readings = ReadingCache()  # one crawl's attachment readings, shared by the sites it records
    spool = SpoolReader(spool_dir) if spool_dir else None
    held: list = []  # a control message met while gathering a batch: handled right after that batch
    try:
        while True:
            try:
                message = held.pop() if held else conn.recv()
            except EOFError:
                return
            if message is None:
                return
            kind, payload = message
            if kind == "open":
                recorders[payload.run_id] = PageRecorder(payload, store, readings)
            elif kind == "close":
                recorders.pop(payload, None)
            else:
                batch = [_unspool(spool, payload)]
                while len(batch) < MAX_BATCH and conn.poll():
                    message = conn.recv()
                    if message is None or message[0] != "page":
                        held.append(message)
                        break
                    batch.append(_unspool(spool, message[1]))
                conn.send(("done", record_batch(store, [(recorders[run], page, extraction)
                                                        for run, page, extraction in batch])))
    except FatalStorageError as exc:  # disk full or a damaged file: every later batch would fail the same way
        conn.send(("fatal", (type(exc).__name__, str(exc))))
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the crawl process died while we wrote: the batch is committed, the next crawl carries on
    finally:
        if spool is not None:
            spool.remove()  # the crawl side does too, but a crawl killed outright cannot
        store.close()


def _unspool(spool: SpoolReader | None, where) -> tuple[int, FetchedPage, Extraction | None]:
    """A page's work from the spool reference the crawl process sent, or from the bytes it sent instead."""
    return pickle.loads(where if isinstance(where, bytes) else spool.get(where))


def record_batch(store: Store, work: list[tuple[PageRecorder, FetchedPage, Extraction | None]]
                 ) -> list[Recorded | RecordError]:
    """Extract every page first (unless the crawl process already did), outside the write lock, then write
    them all in one transaction.

    A page whose rows fail to write is rare, so the batch goes in without per-page savepoints (with FTS5,
    each savepoint release flushes the index: ~15 % of a page's cost). If one fails, the transaction
    rolls back and the batch is written again, each page in its own savepoint, so only that page fails.
    A full disk or a damaged file raises FatalStorageError instead: no page of the batch is committed."""
    results: list[Recorded | RecordError | None] = [None] * len(work)
    ready = []
    for index, (recorder, page, extraction) in enumerate(work):
        try:
            ready.append((index, recorder, page, extraction or recorder.extract_page(page)))
        except Exception as exc:  # noqa: BLE001 - reported for this page; the batch goes on
            _raise_fatal(exc, store)
            results[index] = _failed(page, exc)
    try:
        with store.transaction():
            for index, recorder, page, extraction in ready:
                results[index] = recorder.write(page, extraction)
    except Exception as exc:  # noqa: BLE001 - rolled back; written again page by page below
        _raise_fatal(exc, store)
        try:
            with store.transaction():
                for index, recorder, page, extraction in ready:
                    try:
                        with store.savepoint():
                            results[index] = recorder.write(page, extraction)
                    except Exception as exc:  # noqa: BLE001 - reported for this page; the batch goes on
                        _raise_fatal(exc, store)
                        results[index] = _failed(page, exc)
        except Exception as exc:  # noqa: BLE001 - a fatal error escaping the savepoints (at COMMIT)
            _raise_fatal(exc, store)
            raise
    return results


def _raise_fatal(exc: Exception, store: Store) -> None:
    """A full disk or a damaged file ends the batch (and the crawl): retrying page by page cannot help."""
    fatal = fatal_error(exc, store.path)
    if fatal is not None:
        raise fatal from None


def _failed(page: FetchedPage, exc: Exception) -> RecordError:
    return RecordError(f"recording {page.url} failed: {exc!r}\n{traceback.format_exc()}")


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


def attach(context: RunContext, on_backlog: Callable[[bool], None] | None = None) -> RecordWorker:
    """The worker for the run's database (started on first use), with the run registered.

    on_backlog(True) asks the run's crawl to stop fetching for now, on_backlog(False) to go on."""
    worker = _workers.get(context.db_path)
    if worker is None or worker.gone:
        worker = _workers[context.db_path] = RecordWorker(context.db_path)
    worker.open_run(context, on_backlog)
    return worker


class RecordWorker:
    """One worker process recording pages in arrival order, a batch at a time, for any number of runs."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        mp = _mp_context()
        self.conn, child = mp.Pipe()
        self.spool: Spool | None = _open_spool()
        self.spooling = self.spool is not None
        self.process = mp.Process(target=_serve, args=(child, db_path, self.spool.dir if self.spool else None),
                                  daemon=True, name="eduwatch-recorder")
        try:
            self.process.start()
        except BaseException:
            self._close_spool()
            raise
        child.close()
        self.runs: set[int] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent: deque[asyncio.Future] = deque()  # pages handed over and not yet committed, oldest first
        self.gone: WorkerGone | FatalStorageError | None = None
        self.batches = 0  # transactions written; pages / batches is the group-commit factor
        self.peak_waiting = 0  # most pages ever handed over and not yet committed
        self.listeners: dict[int, Callable[[bool], None]] = {}
        self.throttled = False

    def open_run(self, context: RunContext, on_backlog: Callable[[bool], None] | None = None) -> None:
        self.runs.add(context.run_id)
        if on_backlog is not None:
            self.listeners[context.run_id] = on_backlog
        self._send(("open", context))

    def close_run(self, run_id: int) -> None:
        """The run's pages are all recorded; the last run to close stops the process."""
        self.runs.discard(run_id)
        self.listeners.pop(run_id, None)
        self._send(("close", run_id))
        if not self.runs:
            self.close()

    def behind(self) -> bool:
        """More pages wait than the worker takes in one batch: the crawl process should extract for it."""
        return len(self.sent) >= SHARE_AT

    async def record(self, run_id: int, page: FetchedPage, extraction: Extraction | None = None) -> Recorded:
        """Hand the page (and its extraction, when the crawl process made it) over at once and wait until it is
        committed (or failed)."""
        if self.gone:
            raise type(self.gone)(str(self.gone))  # a fresh exception: re-raising one instance grows its traceback
        loop = asyncio.get_running_loop()
        if self.loop is None:
            self.loop = loop
            loop.add_reader(self.conn.fileno(), self._on_reply)
        result = loop.create_future()
        data = pickle.dumps((run_id, page, extraction), pickle.HIGHEST_PROTOCOL)
        self.sent.append(result)
        self._send(("page", self._spooled(data)))  # if the worker is gone, _fail has settled `result` already
        self.peak_waiting = max(self.peak_waiting, len(self.sent))
        if not self.throttled and len(self.sent) >= HIGH_WATER:
            self._throttle(True)
        return await result

    def _spooled(self, data: bytes):
        """Where the worker finds the page: in the spool, or (no spool could be written) the bytes themselves,
        sent through the pipe, which then waits for the worker to read them."""
        if self.spooling:
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
            self._fail(f"the recording process stopped taking pages ({exc})")
            return False

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
            waiter = self.sent.popleft()
            if waiter.done():
                continue
            if isinstance(result, BaseException):
                waiter.set_exception(result)
            else:
                waiter.set_result(result)
        if self.throttled and len(self.sent) <= LOW_WATER:
            self._throttle(False)

    def _fail(self, message: str, fatal: FatalStorageError | None = None) -> None:
        """Every page sent or waiting hears that the worker is gone (uncommitted pages are recorded again), or
        the fatal storage error that stopped it (then nothing can be recorded)."""
        self.gone = fatal or WorkerGone(message)
        self.process.is_alive()  # reaps the process if it has exited, rather than leaving a zombie until the crawl ends
        self._stop_reading()
        for waiter in self.sent:
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
