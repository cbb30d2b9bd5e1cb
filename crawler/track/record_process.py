"""The recording worker's own process: read pages from the crawl process, extract, write them in group commits.

Started by crawler/track/record_worker.py (the crawl side, which says why there is a worker at all). Pages
arrive in the order the crawl process handed them over; every page that arrived while one batch was written
goes into the next batch, up to MAX_BATCH, in one transaction.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection

from crawler.errors import EduwatchError
from crawler.model import FetchedPage
from crawler.track.attachments import ReadingCache
from crawler.track.collector import collector_for_bulk_work
from crawler.track.recorder import Extraction, PageRecorder, Recorded
from crawler.track.shared_bodies import HeldBodies
from crawler.track.spool import SpoolReader
from storage import FatalStorageError, Store, fatal_error

MAX_BATCH = 50  # pages per transaction at most: the write lock is held for ~0.1 s


class RecordError(EduwatchError, RuntimeError):
    """Recording one page failed in the worker; the message carries the worker's traceback."""


def run(conn: Connection, db_path: str, spool_dir: str | None = None) -> None:
    """The worker process: serve(), then leave without the interpreter's teardown, which frees the heap of a whole
    crawl's recording object by object (~0.1 s) while the crawl process waits for this process to end. By then the
    database is closed and the spool removed; only stdout and stderr are left to flush. A failure inside serve()
    still ends the usual way, with its traceback."""
    with collector_for_bulk_work():
        serve(conn, db_path, spool_dir)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def serve(conn: Connection, db_path: str, spool_dir: str | None = None) -> None:
    """Worker main loop. Messages: ("open", RunContext), ("close", run_id), ("page", where its (run_id, page,
    extraction or None) pickle is: a spool reference, or the bytes themselves), ("extracted", (page number,
    where its extraction is)), ("body", (key, where a document's bytes are)) and ("forget", keys) for documents
    pages refer to (crawler/track/shared_bodies.py), None to stop; a closed pipe (the crawl process died) stops
    it too. Every page announced while a batch was written goes into the next one."""
    # Ctrl-C reaches the whole process group: the crawl shuts down cleanly and then tells us to stop;
    # dying here mid-batch would only make it record the rest itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = Store(db_path)
    except Exception as exc:  # noqa: BLE001 - reported to the crawl process, which records in-process
        conn.send(("failed", f"the recording process could not open {db_path}: {exc}"))
        return
    _preload()
    recorders: dict[int, PageRecorder] = {}
    readings = ReadingCache()  # one crawl's attachment readings, shared by the sites it records
    inbox = _Inbox(conn, SpoolReader(spool_dir) if spool_dir else None)
    try:
        while True:
            message = inbox.next()
            if message is None:
                return
            kind, payload = message
            if kind == "open":
                recorders[payload.run_id] = PageRecorder(payload, store, readings)
            elif kind == "close":
                recorders.pop(payload, None)
            else:
                batch = [payload, *inbox.more_pages(MAX_BATCH - 1)]
                numbers = [seq for seq, _, _, _ in batch]
                results = record_batch(store, [(recorders[run], page, extraction) for _, run, page, extraction in batch],
                                       taken=lambda index, numbers=numbers: inbox.taken(numbers[index]))
                inbox.forget_before(numbers[-1])
                conn.send(("done", results))
    except FatalStorageError as exc:  # disk full or a damaged file: every later batch would fail the same way
        conn.send(("fatal", (type(exc).__name__, str(exc))))
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the crawl process died while we wrote: the batch is committed, the next crawl carries on
    finally:
        if inbox.spool is not None:
            inbox.spool.remove()  # the crawl side does too, but a crawl killed outright cannot
        store.close()


def _preload() -> None:
    """Import the PDF reader now, while the crawl fetches its first list pages: imported on the first page that
    links a PDF, it made that batch ~0.1 s slower, and the backlog it left had the crawl process extract pages."""
    import pypdf  # noqa: F401 - loaded before the first page needs it


class _Inbox:
    """The worker's end of the pipe: pages and control messages in the order sent, and the extractions the crawl
    process sends for pages it took back once it had nothing left to fetch (RecordWorker._steal)."""

    def __init__(self, conn: Connection, spool: SpoolReader | None):
        self.conn = conn
        self.spool = spool
        self.queue: deque = deque()  # ("page", (seq, run_id, page, extraction)), ("open", ...), ("close", ...), None
        self.extractions: dict[int, Extraction] = {}  # page seq → its extraction made by the crawl process
        self.seq = 0  # pages are numbered in the order sent, as the crawl side numbers them
        self.bodies = HeldBodies()  # documents sent once, for the pages that refer to them

    def next(self):
        while not self.queue:  # a document body or an extraction adds nothing to the queue
            self._read(wait=True)
        return self.queue.popleft()

    def more_pages(self, at_most: int) -> list:
        """Pages sent while the last batch was written, up to at_most, that come before any control message."""
        self._read(wait=False)
        pages = []
        while len(pages) < at_most and self.queue and self.queue[0] is not None and self.queue[0][0] == "page":
            pages.append(self.queue.popleft()[1])
        return pages

    def taken(self, seq: int) -> Extraction | None:
        """The crawl process's extraction of the page, if it has sent one by now."""
        self._read(wait=False)
        return self.extractions.pop(seq, None)

    def forget_before(self, seq: int) -> None:
        for old in [key for key in self.extractions if key <= seq]:  # came too late to be used
            del self.extractions[old]

    def _read(self, wait: bool) -> None:
        while wait or self.conn.poll():
            wait = False
            message = self.conn.recv()
            kind = message[0] if message is not None else None
            if kind == "body":
                key, where = message[1]
                self.bodies.add(key, where if isinstance(where, bytes) else self.spool.get(where))
            elif kind == "forget":
                self.bodies.forget(message[1])
            elif kind == "extracted":
                seq, where = message[1]
                self.extractions[seq] = self._load(where)
            elif kind == "page":
                run, page, extraction = self._load(message[1])
                self.queue.append(("page", (self.seq, run, page, extraction)))
                self.seq += 1
            else:
                self.queue.append(message)

    def _load(self, where):
        """What the crawl process pickled: from the spool reference it sent, or from the bytes it sent instead."""
        return self.bodies.loads(where if isinstance(where, bytes) else self.spool.get(where))


def record_batch(store: Store, work: list[tuple[PageRecorder, FetchedPage, Extraction | None]],
                 taken: Callable[[int], Extraction | None] | None = None) -> list[Recorded | RecordError]:
    """Extract every page first (unless the crawl process already did: taken(index) asks whether it has
    since), outside the write lock, then write them all in one transaction.

    A page whose rows fail to write is rare, so the batch goes in without per-page savepoints (with FTS5,
    each savepoint release flushes the index: ~15 % of a page's cost). If one fails, the transaction
    rolls back and the batch is written again, each page in its own savepoint, so only that page fails.
    A full disk or a damaged file raises FatalStorageError instead: no page of the batch is committed."""
    results: list[Recorded | RecordError | None] = [None] * len(work)
    ready = []
    for index, (recorder, page, extraction) in enumerate(work):
        try:
            extraction = extraction or (taken and taken(index)) or recorder.extract_page(page)
            ready.append((index, recorder, page, extraction))
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
