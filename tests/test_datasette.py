"""Datasette opens a live eduwatch database with datasette.yml: canned search finds short and long Chinese words."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.config import Config
from crawler.model import FetchedPage
from crawler.track.recorder import PageRecorder, RunContext
from storage import Store
from tests import project_story
from tests.test_calendar import CORRECTION, CORRECTION_URL, TENDER, TENDER_URL, _record

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parent.parent
STARTUP_S = 60


@pytest.fixture
def datasette(tmp_path):
    """A real `datasette eduwatch.db -m datasette.yml` on a free port, over a database the recorder wrote."""
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        _record(store, db, TENDER_URL, TENDER, "2025-06-27T10:00:00+00:00")
        _record(store, db, CORRECTION_URL, CORRECTION, "2025-07-08T03:00:00+00:00")
    yield from _serve(db)


@pytest.fixture
def demo_datasette(tmp_path):
    """The same archive in a file not named eduwatch.db, as `eduwatch demo --keep` writes it, beside a file
    that is no eduwatch archive."""
    db, other = tmp_path / "demo.db", tmp_path / "notes.db"
    with Store(db) as store:
        _record(store, db, TENDER_URL, TENDER, "2025-06-27T10:00:00+00:00")
        _record(store, db, CORRECTION_URL, CORRECTION, "2025-07-08T03:00:00+00:00")
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    yield from _serve(db, other)


@pytest.fixture
def story_datasette(tmp_path):
    """The projects story (tests/project_story.py) moved to 2031, its correction found before its tender."""
    db = tmp_path / "eduwatch.db"
    pages = {url: (site, lambda make=make: _in_2031(make()))
             for url, (site, make) in project_story.PAGES.items()}
    order = [u for u in pages if "correction" in u] + [u for u in pages if "correction" not in u]
    with Store(db) as store:
        for url in order:
            site, make = pages[url]
            run = store.start_run(kind="crawl", sites=[site], started_at="2031-06-01T02:00:00+00:00")
            PageRecorder(RunContext(str(db), Config(path=None), site, run, baselined=False), store).record(
                FetchedPage(url=url, site=site, final_url=url, status=200, body=make(), http_charset="utf-8",
                            fetched_at="2031-06-01T02:00:00+00:00", list_url=f"{url.rsplit('/', 2)[0]}/list/"))
    yield from _serve(db)


def _in_2031(page: bytes) -> bytes:
    return page.replace(b"2024", b"2031").replace("２０２４".encode(), "２０３１".encode())


def _serve(db: Path, *more: Path):
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(db), *map(str, more), "-m", str(REPO / "datasette.yml"),
                             "--plugins-dir", str(REPO / "datasette_plugins"), "-p", "0", "-h", "127.0.0.1"],
                            stderr=subprocess.PIPE, text=True)
    try:
        yield f"http://127.0.0.1:{_port(proc)}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


def _port(proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise AssertionError(f"datasette exited with {proc.returncode}")
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError("datasette did not say which port it listens on")


def _get(base: str, path: str, **params) -> list[dict]:
    url = f"{base}{path}?{urllib.parse.urlencode({**params, '_shape': 'array'})}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def _search(base: str, q: str) -> set[str]:
    return {row["url"] for row in _get(base, "/eduwatch/search.json", q=q)}


def test_canned_search_finds_two_character_and_longer_chinese_words(datasette):
    assert _search(datasette, "投标") == {TENDER_URL}  # 2 characters: below the trigram index
    assert _search(datasette, "招标") == {TENDER_URL, CORRECTION_URL}  # the correction's 招标代理 field too
    assert _search(datasette, "更正") == {CORRECTION_URL}
    assert _search(datasette, "智慧黑板采购") == {TENDER_URL, CORRECTION_URL}  # the trigram index
    assert _search(datasette, "更正公告") == {CORRECTION_URL}
    assert _search(datasette, "不存在的词语") == set()
    assert _search(datasette, "") == set()


def test_metadata_views_and_other_canned_queries_load(datasette):
    recent = _get(datasette, "/eduwatch/recent_changes.json")
    assert [r["url"] for r in recent] == [CORRECTION_URL, TENDER_URL]
    assert recent[0]["detected_beijing"] == "2025-07-08 11:00" and recent[0]["corrects_url"] == TENDER_URL
    history = _get(datasette, "/eduwatch/page_history.json", url=TENDER_URL)
    assert [(h["version"], h["change"]) for h in history] == [(1, "new")]
    titles = {r["url"]: r["title"] for r in _get(datasette, "/eduwatch/latest_articles.json")}
    assert titles[TENDER_URL].startswith("清镇市教育局")
    assert _get(datasette, "/eduwatch/upcoming_deadlines.json") == [], "2025's deadlines are past"
    with urllib.request.urlopen(f"{datasette}/-/metadata.json", timeout=30) as answer:
        metadata = json.loads(answer.read())
    assert "zlib-compressed" in metadata["databases"]["eduwatch"]["tables"]["raw"]["description"]


def test_projects_awards_and_their_canned_queries(story_datasette):
    upcoming = _get(story_datasette, "/eduwatch/upcoming_deadlines.json")
    t1 = [(r["deadline_day"], r["kind"], r["stated"]) for r in upcoming if r["project"] == project_story.T1_NAME]
    assert t1 == [("2031-06-12", "开标", "2031-06-12 09:30"), ("2031-06-12", "投标截止", "2031-06-12 09:30")], \
        "the corrected time only, though the correction was found first"
    assert project_story.T2_NAME not in {r["project"] for r in upcoming}, "a 废标 project has no upcoming deadline"
    projects = {r["name"]: r for r in _get(story_datasette, "/eduwatch/projects.json")}
    t1, t2 = projects[project_story.T1_NAME], projects[project_story.T2_NAME]
    assert (t1["key"], t1["status"], t1["budget"], t1["notices"]) == ("ZJ-2031-001", "awarded", 1000000.0, 4)
    assert t1["region"] == "浙江 杭州市" and t2["status"] == "failed"
    awards = _get(story_datasette, "/eduwatch/awards.json")
    assert sorted((a["lot"], a["amount"]) for a in awards) == [("包1", 958000.0), ("包2", 345000.0)]
    wins = _get(story_datasette, "/eduwatch/wins_by_supplier.json", supplier="杭州某某")
    assert [(w["supplier"], w["lots"], w["total_yuan"]) for w in wins] == [("杭州某某科技有限公司", 1, 958000.0)]
    spend = _get(story_datasette, "/eduwatch/spend_by_buyer.json", buyer="")
    assert [(s["buyer"], s["projects"], s["total_yuan"]) for s in spend] == [(project_story.BUYER, 1, 1303000.0)]


def test_canned_queries_work_on_a_file_of_any_name(demo_datasette):
    found = {row["url"] for row in _get(demo_datasette, "/demo/search.json", q="招标")}
    assert found == {TENDER_URL, CORRECTION_URL}
    assert [r["url"] for r in _get(demo_datasette, "/demo/recent_changes.json")] == [CORRECTION_URL, TENDER_URL]
    with pytest.raises(urllib.error.HTTPError):
        _get(demo_datasette, "/notes/search.json", q="招标")  # not an archive: no eduwatch queries there
