"""A crawl tunes Python's cyclic collector for itself (crawler/fetch/runner.py) and leaves the process as it found it:
a process that crawls in-process and goes on (a test run, an embedding script) keeps collecting its own garbage."""

from __future__ import annotations

import gc

from crawler.fetch.runner import CRAWL_GC_THRESHOLD, _collector_for_a_crawl


def test_during_a_crawl_what_was_imported_is_frozen_and_the_collector_runs_less_often():
    before = gc.get_threshold()
    with _collector_for_a_crawl():
        assert gc.get_threshold() == CRAWL_GC_THRESHOLD != before
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_restored_when_the_crawl_fails():
    before = gc.get_threshold()
    try:
        with _collector_for_a_crawl():
            raise RuntimeError("the crawl failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
