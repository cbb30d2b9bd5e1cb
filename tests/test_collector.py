"""A crawl and its recording worker tune Python's cyclic collector for their bulk work (crawler/track/collector.py) and
leave the process as they found it: a process that crawls in-process and goes on (a test run, an embedding script)
keeps collecting its own garbage."""

from __future__ import annotations

import gc

from crawler.track.collector import BULK_GC_THRESHOLD, collector_for_bulk_work


def test_during_a_crawl_what_was_imported_is_frozen_and_the_collector_runs_less_often():
    before = gc.get_threshold()
    with collector_for_bulk_work():
        assert gc.get_threshold() == BULK_GC_THRESHOLD != before
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_restored_when_the_crawl_fails():
    before = gc.get_threshold()
    try:
        with collector_for_bulk_work():
            raise RuntimeError("the crawl failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
