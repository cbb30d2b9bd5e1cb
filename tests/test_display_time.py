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


def test_a_crawls_scrapy_formatters_stamp_in_the_display_zone_too(monkeypatch):
    from crawler.logsetup import stamp_in_zone

    monkeypatch.setattr(logging.Formatter, "converter", logging.Formatter.converter)  # restored afterwards
    record = logging.LogRecord("scrapy.core.engine", logging.INFO, __file__, 1, "hi", None, None)
    record.created = 1_795_000_000.0  # 2026-11-18T11:06:40Z
    scrapys = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    stamp_in_zone("Asia/Shanghai")
    assert scrapys.format(record) == "2026-11-18 19:06:40 [scrapy.core.engine] INFO: hi"


def test_a_retry_notice_names_its_time_in_the_display_zone(tmp_path, caplog):
    from datetime import UTC, datetime

    from crawler.demo.mailbox import free_port
    from crawler.notify.delivery import deliver_pending
    from crawler.notify.mailer import SmtpSettings
    from storage import Store

    with Store(tmp_path / "r.db") as store:
        change_id = store.add_change(url="http://a.cn/1.html", site="moe", kind="new", detected_at=STORED, title="t",
                                     version=1, previous_version=None, diff_text="x", diff_html=None, summary="新文章",
                                     run_id=1)
        store.enqueue_alert(change_id, "a@example.org", 1)
        closed = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", username=None, password=None,
                              sender="eduwatch@example.org", timeout=5)
        with caplog.at_level(logging.WARNING, logger="crawler.notify.delivery"):
            deliver_pending(store, closed, now=datetime(2026, 11, 29, 11, 20, tzinfo=UTC))
    assert "retrying at 2026-11-29 19:21" in caplog.text, caplog.text
