"""Python's cyclic collector tuned for bulk work: a crawl (crawler/fetch/runner.py) and its recording worker
(crawler/track/record_process.py).

By default the collector runs every 700 new objects and, every 70 runs, walks the whole heap. A crawl's heap holds
its queued requests and shared documents beside everything imported, and those walks took ~0.6 s per 1,000 pages,
12 % of the crawl process's CPU; in the worker, 0.5 % of its instructions. During the work what was imported is
frozen out of the walks and the collector runs every 10,000 new objects: 0.25 s in the crawl process, for ~25 MB
more at the peak of a 1,000-page crawl (cycles are still collected).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

BULK_GC_THRESHOLD = (10_000, 10, 10)


@contextmanager
def collector_for_bulk_work():
    """Tuned inside, restored after (a process that goes on, a test run, collects as before)."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*BULK_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
