"""Project deadlines follow `[display] timezone` as publication times do: a deadline a page states in Beijing
wall-clock time is that instant, shown in the reader's zone by `projects`, `project`, the web view, the alert and
the calendar alike, while the calendar's events stay at the right absolute moment."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from crawler.cli.main import main
from crawler.config import Config
from crawler.config_notify import DisplayConfig
from crawler.model import FetchedPage
from crawler.track.recorder import PageRecorder, RunContext
from crawler.web.calendar import bid_events, ics, project_uid
from crawler.web.server import App
from storage import Store
from tests import project_story as story
from tests.test_projects import CONFIG, T1_CORRECTION, T1_TENDER

BERLIN = "Europe/Berlin"
# the story's 开标 is 2024-06-12 09:30 Beijing (01:30 UTC, 03:30 in Berlin's summer); the tender was published
# 2024-05-20 10:00 Beijing (04:00 in Berlin); the correction moved 投标截止 from 2024-06-05 09:30 Beijing
OPENING_BERLIN, PUBLISHED_BERLIN = "2024-06-12 03:30", "2024-05-20 04:00"
MOVED_BERLIN = "投标截止 2024-06-05 03:30 → 2024-06-12 03:30"


def story_in(tmp_path, zone: str):
    """The tender and its correction recorded under `[display] timezone = zone`; the config file and database."""
    config = Config(None, sites=CONFIG.sites, display=DisplayConfig(timezone=zone))
    path, db = tmp_path / "eduwatch.toml", tmp_path / "e.db"
    path.write_text(f'[display]\ntimezone = "{zone}"\n', encoding="utf-8")
    with Store(db) as store:
        for url, at in ((T1_TENDER, "2024-05-21T02:00:00+00:00"), (T1_CORRECTION, "2024-05-28T10:00:00+00:00")):
            site, page = story.PAGES[url]
            run = store.start_run(kind="crawl", sites=[site], started_at=at)
            PageRecorder(RunContext(str(db), config, site, run, baselined=True), store).record(FetchedPage(
                url=url, site=site, final_url=url, status=200, body=page(), http_charset="utf-8", fetched_at=at,
                list_url=f"{story.ZJ}/list/"))
    return config, path, db


def cli(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_project_deadlines_are_shown_in_the_display_zone_everywhere(tmp_path, capsys):
    config, path, db = story_in(tmp_path, BERLIN)
    listed = cli(capsys, "projects", "--db", str(db), "--config", str(path))
    assert f"开标 {OPENING_BERLIN}" in listed and "09:30" not in listed
    timeline = cli(capsys, "project", story.T1, "--db", str(db), "--config", str(path))
    assert f"开标: {OPENING_BERLIN}" in timeline and PUBLISHED_BERLIN in timeline, "deadline and publication agree"
    assert MOVED_BERLIN in timeline and "09:30" not in timeline
    with Store(db) as store:
        [correction] = [c for c in store.changes() if c["url"] == T1_CORRECTION]
    assert correction["summary"].startswith(f"更正公告：{MOVED_BERLIN}"), "the alert line speaks the display zone"

    app = App(db, config)
    assert f"开标 {OPENING_BERLIN}" in app.handle("/projects").body
    page = app.handle(f"/project?key={story.T1}").body
    assert f"开标：{OPENING_BERLIN}" in page and PUBLISHED_BERLIN in page and MOVED_BERLIN in page

    for text in (app.handle("/bids.ics").body, cli(capsys, "calendar", "--db", str(db), "--config", str(path))):
        events = {str(e["UID"]): e for e in Calendar.from_ical(text).walk("VEVENT")}
        opening = events[project_uid(story.T1, "开标时间")]
        assert f"开标：{OPENING_BERLIN}\n" in str(opening["DESCRIPTION"])
        assert opening.decoded("DTSTART") == datetime(2024, 6, 12, 1, 30, tzinfo=UTC)  # the absolute moment


def test_the_default_zone_shows_beijing_time_as_before(tmp_path, capsys):
    _, path, db = story_in(tmp_path, "Asia/Shanghai")
    assert "开标: 2024-06-12 09:30" in cli(capsys, "project", story.T1, "--db", str(db), "--config", str(path))
    assert "更正公告：投标截止 2024-06-05 09:30 → 2024-06-12 09:30" in cli(capsys, "project", story.T1, "--db", str(db))


def test_an_announcement_outside_any_project_keeps_its_wording_and_adds_the_display_zone_time():
    article = {"url": "http://a.test/1.html", "title": "某校设备采购公告", "fields": {"开标时间": "2024年06月12日 09点30分"}, "published": "2024-05-20"}
    history = {"url": "http://a.test/1.html", "site": "a",
               "versions": [{"first_seen": "2024-05-21T02:00:00+00:00", "article": article}]}
    [event] = bid_events([history], {})

    def description(zone: str) -> str:
        return str(next(iter(Calendar.from_ical(ics([event], zone=zone)).walk("VEVENT")))["DESCRIPTION"])

    assert description("Asia/Shanghai").startswith("开标：2024年06月12日 09点30分\n")
    assert description(BERLIN).startswith(f"开标：2024年06月12日 09点30分（{BERLIN} {OPENING_BERLIN}）\n")
