"""The bid calendar: recorded announcements become iCalendar events that move when a 更正公告 or an edit moves
the deadline, and an iCalendar parser reads them back (UID, SEQUENCE, DTSTART in Asia/Shanghai, VALARM, URL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from crawler.config import Config
from crawler.extract.deadlines import BEIJING
from crawler.model import FetchedPage
from crawler.track.recorder import PageRecorder, RunContext
from crawler.web.calendar import bid_events, ics, project_uid
from storage import Store

GOLDEN = Path(__file__).parent / "golden" / "ccgp"
TENDER_URL = json.loads((GOLDEN / "tender_qingzhen.json").read_text(encoding="utf-8"))["url"]
CORRECTION_URL = json.loads((GOLDEN / "correction_qingzhen.json").read_text(encoding="utf-8"))["url"]
TENDER = (GOLDEN / "tender_qingzhen.html").read_bytes()
PROJECT = "QZJY-2025-GK018"  # both notices' 项目编号: one project, one event per deadline kind
CORRECTION = (GOLDEN / "correction_qingzhen.html").read_bytes()


def _record(store: Store, db: Path, url: str, body: bytes, at: str) -> None:
    run = store.start_run(kind="crawl", sites=["ccgp"], started_at=at)
    context = RunContext(str(db), Config(path=None), "ccgp", run, baselined=True)
    page = FetchedPage(url=url, site="ccgp", final_url=url, status=200, body=body, http_charset="utf-8",
                       fetched_at=at, list_url="http://www.ccgp.gov.cn/cggg/dfgg/")
    PageRecorder(context, store).record(page)


def _calendar(store: Store, site: str | None = None) -> Calendar:
    return Calendar.from_ical(ics(bid_events(store.announcement_histories(site), store.correction_links(),
                                             store.calendar_projects(site))))


def _events(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_a_correction_moves_the_opening_with_a_higher_sequence_and_the_same_uid(tmp_path):
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        _record(store, db, TENDER_URL, TENDER, "2025-06-27T10:00:00+00:00")
        before = _events(_calendar(store))
        opening = project_uid(PROJECT, "开标时间")
        assert before[opening].decoded("DTSTART") == datetime(2025, 7, 18, 9, 30, tzinfo=BEIJING)
        assert int(before[opening]["SEQUENCE"]) == 0

        _record(store, db, CORRECTION_URL, CORRECTION, "2025-07-08T03:00:00+00:00")
        cal = _calendar(store)
        after = _events(cal)

    assert set(after) == set(before), "the correction moves the original's events; it adds none of its own"
    assert not any("STATUS" in e for e in after.values())
    event = after[opening]
    start = event.decoded("DTSTART")
    assert start == datetime(2025, 7, 25, 9, 30, tzinfo=BEIJING) and str(start.tzinfo) == "Asia/Shanghai"
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["URL"]) == TENDER_URL
    assert str(event["SUMMARY"]) == "开标：清镇市教育局2025年中小学智慧黑板采购项目"
    assert CORRECTION_URL in str(event["DESCRIPTION"])
    alarm = event.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    submission = after[project_uid(PROJECT, "截止时间")]
    assert int(submission["SEQUENCE"]) == 0, "the correction changed only the opening time"


def test_an_edit_that_moves_a_deadline_raises_sequence_and_one_that_does_not_keeps_it(tmp_path):
    db = tmp_path / "eduwatch.db"
    moved = TENDER.replace("并于2025年07月18日 09点30分".encode(), "并于2025年07月21日 14点00分".encode())
    reworded = moved.replace("满足".encode(), "符合".encode())
    with Store(db) as store:
        _record(store, db, TENDER_URL, TENDER, "2025-06-27T10:00:00+00:00")
        _record(store, db, TENDER_URL, moved, "2025-06-30T10:00:00+00:00")
        _record(store, db, TENDER_URL, reworded, "2025-07-01T10:00:00+00:00")
        assert len(store.versions(TENDER_URL)) == 3
        events = _events(_calendar(store))
    submission = events[project_uid(PROJECT, "截止时间")]
    assert submission.decoded("DTSTART") == datetime(2025, 7, 21, 14, 0, tzinfo=BEIJING)
    assert int(submission["SEQUENCE"]) == 1
    assert int(events[project_uid(PROJECT, "开标时间")]["SEQUENCE"]) == 0


def test_a_correction_whose_original_was_never_stored_still_makes_its_project_event(tmp_path):
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        _record(store, db, CORRECTION_URL, CORRECTION, "2025-07-08T03:00:00+00:00")
        events = _events(_calendar(store))
        assert _events(_calendar(store, site="moe")) == {}
    event = events[project_uid(PROJECT, "开标时间")]
    assert event.decoded("DTSTART") == datetime(2025, 7, 25, 9, 30, tzinfo=BEIJING)
