"""Record pages in a second process, in group commits, so extraction and SQLite use a core Scrapy doesn't.

Why: a crawl process runs on one core (Scrapy's reactor holds the GIL), and recording a page costs
about as much CPU as fetching it, so recording in-process halves a fast crawl (bench/throughput.py).

One worker per crawl process and database, shared by the spiders crawling at once: one more process,
one SQLite connection, no lock contention between writers of the same crawl.

Group commit: while the worker writes one batch, the pages that arrive meanwhile wait and go over
together as the next batch, written in one transaction (one page alone when pages arrive slowly).
A SQLite commit (above all the FTS5 segment it flushes) costs as much as the rest of a page's
writes, so batching halves the storage cost under load. Pages are extracted before the write lock is
taken (a concurrent `reextract` waits less), and a page that fails to write fails alone (the batch is
then rewritten page by page). A crash loses at most the uncommitted batch, never part of a page, and
the next crawl fetches those pages again. The pipelines await each page's result, and the worker
pauses the crawls when too many wait (HIGH_WATER).

The crawl side talks to the worker over one pipe watched by the event loop, with no helper threads:
concurrent.futures' manager and feeder threads fight the reactor for the GIL and cost the crawl
more CPU than the recording they move away.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection

from crawler.errors import EduwatchError
from crawler.model import FetchedPage
from crawler.track.attachments import ReadingCache
from crawler.track.recorder import Extraction, PageRecorder, Recorded, RunContext
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


class RecordError(EduwatchError, RuntimeError):
    """Recording one page failed in the worker; the message carries the worker's traceback."""


class WorkerGone(EduwatchError, RuntimeError):
    """The worker process could not start or has died; the pipeline records in-process instead."""


# --- the worker process ----------------------------------------------------------------------------------------
def _serve(conn: Connection, db_path: str) -> None:
    """Worker main loop. Messages: ("open", RunContext), ("close", run_id), ("pages", [(run_id, page, extraction
    or None)]),
    None to stop; a closed pipe (the crawl process died) stops it too."""
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
    try:
        while True:
            try:
                message = conn.recv()
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
                conn.send(("done", record_batch(store, [(recorders[run], page, extraction)
                                                        for run, page, extraction in payload])))
    except FatalStorageError as exc:  # disk full or a damaged file: every later batch would fail the same way
        conn.send(("fatal", (type(exc).__name__, str(exc))))
    except (BrokenPipeError, ConnectionResetError):
        return  # the crawl process died while we wrote: the batch is committed, the next crawl carries on
    finally:
        store.close()


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
        self.process = mp.Process(target=_serve, args=(child, db_path), daemon=True, name="eduwatch-recorder")
        self.process.start()
        child.close()
        self.runs: set[int] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: list[tuple[tuple[int, FetchedPage, Extraction | None], asyncio.Future]] = []
        self.in_flight: list[tuple[tuple[int, FetchedPage, Extraction | None], asyncio.Future]] = []
        self.gone: WorkerGone | FatalStorageError | None = None
        self.batches = 0  # transactions sent; pages / batches is the group-commit factor
        self.peak_waiting = 0  # most pages ever queued behind the batch being written
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
        return len(self.waiting) >= SHARE_AT

    async def record(self, run_id: int, page: FetchedPage, extraction: Extraction | None = None) -> Recorded:
        """Queue the page (and its extraction, when the crawl process made it) for the next batch and wait
        until it is committed (or failed)."""
        if self.gone:
            raise type(self.gone)(str(self.gone))  # a fresh exception: re-raising one instance grows its traceback
        loop = asyncio.get_running_loop()
        if self.loop is None:
            self.loop = loop
            loop.add_reader(self.conn.fileno(), self._on_reply)
        result = loop.create_future()
        self.waiting.append(((run_id, page, extraction), result))
        self.peak_waiting = max(self.peak_waiting, len(self.waiting))
        self._send_next()
        if not self.throttled and len(self.waiting) >= HIGH_WATER:
            self._throttle(True)
        return await result

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

    def _send_next(self) -> None:
        if self.in_flight or not self.waiting or self.gone:
            return
        self.in_flight, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
        self.batches += 1
        self._send(("pages", [work for work, _ in self.in_flight]))

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
        for (_, waiter), result in zip(self.in_flight, payload, strict=True):
            if waiter.done():
                continue
            if isinstance(result, BaseException):
                waiter.set_exception(result)
            else:
                waiter.set_result(result)
        self.in_flight = []
        self._send_next()
        if self.throttled and len(self.waiting) <= LOW_WATER:
            self._throttle(False)

    def _fail(self, message: str, fatal: FatalStorageError | None = None) -> None:
        """Every page sent or waiting hears that the worker is gone (uncommitted pages are recorded again), or
        the fatal storage error that stopped it (then nothing can be recorded)."""
        self.gone = fatal or WorkerGone(message)
        self.process.is_alive()  # reaps the process if it has exited, rather than leaving a zombie until the crawl ends
        self._stop_reading()
        for _, waiter in self.in_flight + self.waiting:
            if not waiter.done():
                waiter.set_exception(type(self.gone)(message))
        self.in_flight, self.waiting = [], []
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
