"""Beijing time where people read, ISO with the offset in JSON, naive --since read in the display zone."""

from __future__ import annotations

import logging

import pytest

from crawler.clock import display_time, parse_when, zoned_iso
from crawler.logsetup import ZoneFormatter

STORED = "2026-11-29T11:20:43+00:00"  # how rows are stamped: UTC


@pytest.mark.parametrize(("stored", "zone", "shown"), [
    (STORED, "Asia/Shanghai", "2026-11-29 19:20"),
    ("2026-11-29T11:20:43", "Asia/Shanghai", "2026-11-29 19:20"),  # a naive stored time is UTC
    ("2026-11-29T17:00:00+00:00", "Asia/Shanghai", "2026-11-30 01:00"),  # the day turns over in Beijing
    (STORED, "Europe/Berlin", "2026-11-29 12:20"),
    ("2026-11-29", "Asia/Shanghai", "2026-11-29"),  # a bare date stays a date
    ("", "Asia/Shanghai", ""),
    (None, "Asia/Shanghai", ""),
], ids=["utc", "naive-utc", "next-day", "other-zone", "bare-date", "empty", "none"])
def test_display_time(stored, zone, shown):
    assert display_time(stored, zone) == shown


def test_json_keeps_iso_with_the_zone_offset():
    assert zoned_iso(STORED) == "2026-11-29T19:20:43+08:00"
    assert zoned_iso(None) is None and zoned_iso("2026-11-29") == "2026-11-29"


@pytest.mark.parametrize(("given", "read"), [
    ("2026-11-29 19:20", "2026-11-29T19:20:00+08:00"),
    ("2026-11-29T19:20:00", "2026-11-29T19:20:00+08:00"),
    ("2026-11-29", "2026-11-29T00:00:00+08:00"),
    ("2026-11-29T11:20:00+00:00", "2026-11-29T11:20:00+00:00"),  # an explicit offset is kept
], ids=["naive-space", "naive-T", "bare-date", "with-offset"])
def test_a_naive_since_is_read_in_the_display_zone(given, read):
    assert parse_when(given, zone="Asia/Shanghai") == read


def test_publication_dates_stay_dates():
    assert parse_when("2026-11-01", zone="Asia/Shanghai", dates_in_zone=False) == "2026-11-01"


def test_log_lines_are_stamped_in_the_display_zone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi", None, None)
    record.created = 1_795_000_000.0  # 2026-11-18T11:06:40Z
    assert ZoneFormatter("%(asctime)s %(message)s").format(record) == "2026-11-18 19:06:40 hi"
