"""Projects from notices across two sites (tests/project_story.py), recorded in-process into a real SQLite file:
one project per tender, status, deadlines, budget, awards, one alert for a doubly published tender, correction
lines naming the move, and links that hold whatever the order of discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icalendar import Calendar

from crawler.cli.main import main
from crawler.config import Config, SiteConfig
from crawler.model import FetchedAttachment, FetchedPage
from crawler.track.project_record import ensure_built
from crawler.track.recorder import PageRecorder, RunContext
from crawler.web.calendar import bid_events, ics, project_uid
from crawler.web.server import App
from storage import Store
from tests import project_story as story

CONFIG = Config(None, sites=[
    SiteConfig("zj", [f"{story.ZJ}/list/"], recipients=["bids@example.org"]),
    SiteConfig("edu", [f"{story.EDU}/list/"], recipients=["bids@example.org"]),
])
T1_TENDER, T1_COPY = f"{story.ZJ}/notice/t1.html", f"{story.EDU}/news/2024052001.shtml"
T1_CORRECTION, T1_RESULT = f"{story.ZJ}/notice/t1-correction.html", f"{story.ZJ}/notice/t1-result.html"
T2_TENDER, T2_FAILED = f"{story.EDU}/news/2024052102.shtml", f"{story.EDU}/news/2024061101.shtml"
OTHER = f"{story.ZJ}/notice/other.html"


def record(store: Store, db: Path, urls: list[str], at: str, *, baselined: bool = True) -> None:
    for url in urls:
        site, page = story.PAGES[url]
        run = store.start_run(kind="crawl", sites=[site], started_at=at)
        recorder = PageRecorder(RunContext(str(db), CONFIG, site, run, baselined=baselined), store)
        recorder.record(FetchedPage(url=url, site=site, final_url=url, status=200, body=page(), http_charset="utf-8",
                                    fetched_at=at, list_url=f"{url.rsplit('/', 2)[0]}/list/"))


def alerted(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute(
        "SELECT c.url FROM outbox o JOIN changes c ON c.id = o.change_id ORDER BY c.id")]


def test_the_story_gives_one_project_per_tender_with_its_status_deadlines_budget_and_awards(tmp_path):
    db = tmp_path / "e.db"
    with Store(db) as store:
        record(store, db, [T1_TENDER, T1_COPY, T2_TENDER, OTHER], "2024-05-21T02:00:00+00:00")
        record(store, db, [T1_CORRECTION], "2024-05-28T10:00:00+00:00")
        record(store, db, [T1_RESULT, T2_FAILED], "2024-06-20T02:00:00+00:00")
        projects = {p["key"]: p for p in store.projects()}
        assert set(projects) == {story.T1, story.T2, story.OTHER}, "the 二期 notice shares words, not the number"
        t1 = projects[story.T1]
        assert (t1["status"], t1["budget"], t1["buyer"], t1["province"], t1["city"]) == (
            "awarded", 1000000.0, story.BUYER, "浙江", "杭州市")
        assert t1["deadlines"] == {"开标": "2024-06-12T09:30:00+08:00", "投标截止": "2024-06-12T09:30:00+08:00"}
        assert [(a["lot"], a["supplier"], a["amount"]) for a in store.project_awards(story.T1)] == [
            ("包1", "杭州某某科技有限公司", 958000.0), ("包2", "宁波某某教育设备有限公司", 345000.0)]
        assert projects[story.T2]["status"] == "failed" and projects[story.OTHER]["status"] == "open"
        assert [n["url"] for n in store.project_notices(story.T1)] == [T1_TENDER, T1_COPY, T1_CORRECTION, T1_RESULT]

        assert alerted(store).count(T1_TENDER) == 1 and T1_COPY not in alerted(store), "one alert for two copies"
        assert store.copies(T1_COPY) == (T1_TENDER, []) and store.copies(T1_TENDER) == (None, [T1_COPY])
        changes = {c["url"]: c for c in store.changes()}
        assert changes[T1_COPY]["details"]["copy_of"] == T1_TENDER
        correction = changes[T1_CORRECTION]
        assert correction["summary"].startswith("更正公告：投标截止 2024-06-05 09:30 → 2024-06-12 09:30")
        assert "预算金额 ¥1,200,000.00 → ¥1,000,000.00" in correction["summary"]
        assert correction["diff"].startswith("投标截止 2024-06-05 09:30 → 2024-06-12 09:30")
        result = changes[T1_RESULT]["summary"]
        assert "包1 杭州某某科技有限公司 ¥958,000.00" in result and "包2 宁波某某教育设备有限公司 ¥345,000.00" in result
        assert changes[T2_FAILED]["summary"].startswith("项目废标")

        events = {(e["project_key"], e["kind"]): e for e in store.project_deadline_events()}
        assert len([k for k in events if k[0] == story.T1]) == 2, "one event per deadline kind, not per notice"
        assert events[(story.T1, "开标")]["sequence"] == 1 and events[(story.T1, "开标")]["url"] == T1_TENDER
        assert events[(story.T2, "投标截止")]["cancelled"] == 1 and events[(story.OTHER, "开标")]["cancelled"] == 0
        vevents = calendar(store)
    assert [u for u in vevents if u.startswith(project_uid(story.T1, "开标时间")[:24])] == [
        project_uid(story.T1, "开标时间"), project_uid(story.T1, "截止时间")], "the 投标截止 stated only in the body too"
    assert int(vevents[project_uid(story.T1, "开标时间")]["SEQUENCE"]) == 1
    assert str(vevents[project_uid(story.T2, "截止时间")]["STATUS"]) == "CANCELLED"
    assert "STATUS" not in vevents[project_uid(story.OTHER, "开标时间")]


def calendar(store: Store) -> dict:
    cal = Calendar.from_ical(ics(bid_events(store.announcement_histories(), store.correction_links(),
                                            store.calendar_projects())))
    return {str(e["UID"]): e for e in sorted(cal.walk("VEVENT"), key=lambda e: str(e["UID"]))}


def test_a_correction_found_before_its_tender_in_the_same_crawl_still_wins(tmp_path):
    db = tmp_path / "e.db"
    with Store(db) as store:
        record(store, db, [T1_CORRECTION, T1_TENDER], "2024-05-29T02:00:00+00:00", baselined=False)
        [event] = [e for e in store.project_deadline_events() if e["kind"] == "开标"]
        assert (event["at"], event["sequence"], event["corrected_by"]) == (
            "2024-06-12T09:30:00+08:00", 1, T1_CORRECTION)
        assert store.project_state(story.T1)["status"] == "corrected"
        assert store.changes() == [] and alerted(store) == [], "a baseline raises nothing"
        assert len(calendar(store)) == 2, "one event per kind, none for the superseded time"


def test_a_removed_tender_cancels_its_events(tmp_path):
    db = tmp_path / "e.db"
    with Store(db) as store:
        record(store, db, [OTHER], "2024-05-29T02:00:00+00:00")
        run = store.start_run(kind="crawl", sites=["zj"], started_at="2024-05-30T02:00:00+00:00")
        config = Config(None, sites=CONFIG.sites)
        config.crawl.removal_confirmations = 1
        recorder = PageRecorder(RunContext(str(db), config, "zj", run, baselined=True), store)
        gone = recorder.record(FetchedPage(url=OTHER, site="zj", final_url=OTHER, status=404, body=b"Not found",
                                           fetched_at="2024-05-30T02:00:00+00:00", list_url=f"{story.ZJ}/list/"))
        assert gone.outcome == "removed"
        assert [e["cancelled"] for e in store.project_deadline_events()] == [1]
        assert [str(e["STATUS"]) for e in calendar(store).values()] == ["CANCELLED"]


def test_an_archive_recorded_before_projects_is_built_without_alerts(tmp_path):
    db = tmp_path / "e.db"
    with Store(db) as store:
        record(store, db, [T1_TENDER, T1_CORRECTION], "2024-05-29T02:00:00+00:00")
        alerts_before = alerted(store)
        with store.transaction():
            for table in ("project_notices", "project_readings", "project_state", "project_deadlines"):
                store.db.execute(f"DELETE FROM {table}")
            store.db.execute("UPDATE project_meta SET value = '0'")
        assert store.projects() == []
        assert ensure_built(store) == 2
        assert store.project_state(story.T1)["deadlines"]["开标"] == "2024-06-12T09:30:00+08:00"
        assert alerted(store) == alerts_before and ensure_built(store) == 0


def test_a_first_crawls_batch_of_notices_writes_the_search_index_once_at_commit(tmp_path):
    """The record worker writes a batch in one transaction so FTS5 flushes its pending rows once, at COMMIT. A project
    write that needs a statement journal (INSERT OR REPLACE or an upsert on a table with a foreign key) opens a
    savepoint, which makes FTS5 flush mid-batch: a new index segment per notice, the most costly write of a page.
    (A change row still does: the changes_page_id trigger needs one.)"""
    db = tmp_path / "e.db"
    with Store(db) as store:
        segments: list[str] = []
        store.db.conn.set_trace_callback(lambda sql: segments.append(sql) if "_fts_data'" in sql else None)
        with store.transaction():
            record(store, db, [T1_TENDER, T1_COPY, T2_TENDER, T1_CORRECTION], "2024-05-21T02:00:00+00:00",
                   baselined=False)
            record(store, db, [T1_TENDER], "2024-05-22T02:00:00+00:00", baselined=False)  # its rows are updated
            assert segments == [], "the search index was flushed before the batch's COMMIT"
        store.db.conn.set_trace_callback(None)
        assert segments, "COMMIT writes the index"
        assert store.copies(T1_TENDER) == (None, [T1_COPY])
        assert [n["url"] for n in store.project_notices(story.T1)] == [T1_TENDER, T1_COPY, T1_CORRECTION]
        assert T1_TENDER in [hit["url"] for hit in store.search("理化生实验室")], "the index holds the batch's pages"


def test_a_notice_rewritten_keeps_its_first_sighting_and_follows_a_moved_original(tmp_path):
    with Store(tmp_path / "e.db") as store, store.transaction():
        ids = [store.upsert_page(url, "zj", "2024-05-21T02:00:00+00:00")["id"] for url in (T1_TENDER, T1_COPY, OTHER)]
        notice = {"project_key": story.T1, "kind": "tender", "title": "t", "published": None, "reading": {"a": 1}}
        store.put_notice(ids[1], **notice, first_seen="2024-05-21T02:00:00+00:00", copy_of=ids[0])
        store.set_notice_removed(ids[1], True)
        store.put_notice(ids[1], **{**notice, "title": "t2"}, first_seen="2024-06-01T00:00:00+00:00", copy_of=ids[2])
        found = store.notice(ids[1])
        assert (found["title"], found["first_seen"], found["removed"], found["copy_of_url"]) == (
            "t2", "2024-05-21T02:00:00+00:00", 0, OTHER)
        store.put_notice(ids[1], **notice, first_seen="2024-06-02T00:00:00+00:00", copy_of=None)
        assert store.notice(ids[1])["copy_of"] is None


def story_db(tmp_path) -> Path:
    db = tmp_path / "e.db"
    with Store(db) as store:
        record(store, db, [T1_TENDER, T1_COPY, T2_TENDER, OTHER], "2024-05-21T02:00:00+00:00")
        record(store, db, [T1_CORRECTION], "2024-05-28T10:00:00+00:00")
        record(store, db, [T1_RESULT, T2_FAILED], "2024-06-20T02:00:00+00:00")
    return db


def test_projects_json_has_the_interface_shape(tmp_path, capsys):
    db = story_db(tmp_path)
    assert main(["projects", "--json", "--db", str(db)]) == 0
    projects = {p["key"]: p for p in json.loads(capsys.readouterr().out)}
    t1 = projects[story.T1]
    assert set(t1) == {"key", "number", "name", "buyer", "region", "budget", "status", "deadlines", "notices", "awards"}
    assert (t1["number"], t1["name"], t1["region"], t1["budget"]) == (story.T1, story.T1_NAME, "浙江 杭州市", 1000000.0)
    assert t1["deadlines"]["投标截止"] == "2024-06-12T09:30:00+08:00"
    assert [(n["kind"], n["url"], n["also_on"]) for n in t1["notices"]] == [
        ("tender", T1_TENDER, [T1_COPY]), ("correction", T1_CORRECTION, []), ("award", T1_RESULT, [])]
    assert t1["notices"][0]["published"] == "2024-05-20T10:00:00+08:00" and t1["notices"][0]["site"] == "zj"
    assert t1["awards"] == [{"lot": "包1", "supplier": "杭州某某科技有限公司", "amount": 958000.0},
                            {"lot": "包2", "supplier": "宁波某某教育设备有限公司", "amount": 345000.0}]


@pytest.mark.parametrize("argv, keys", [
    (["--status", "failed"], {story.T2}),
    (["--region", "宁波市"], {story.T2}),
    (["--region", "浙江"], {story.T1, story.T2, story.OTHER}),
    (["--region", "江苏"], set()),
    (["--keyword", "二期"], {story.OTHER}),
    (["--keyword", "宁波某某教育设备"], {story.T1}),
    (["--since", "2024-06-19"], {story.T1, story.T2}),
])
def test_projects_filters(tmp_path, capsys, argv, keys):
    db = story_db(tmp_path)
    assert main(["projects", *argv, "--json", "--db", str(db)]) == 0
    assert {p["key"] for p in json.loads(capsys.readouterr().out)} == keys


def test_project_timeline_by_number_or_url_and_clear_errors(tmp_path, capsys):
    db = story_db(tmp_path)
    assert main(["project", "ｚｊ－２０２４－００１", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "更正公告：投标截止 2024-06-05 09:30 → 2024-06-12 09:30" in out and f"也见于: {T1_COPY}" in out and "also on" not in out
    assert "包2 宁波某某教育设备有限公司 ¥345,000.00" in out and "[已中标]" in out
    assert main(["project", T1_COPY, "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out)["key"] == story.T1
    assert main(["project", "NOPE-1", "--db", str(db)]) == 1
    assert "no project 'NOPE-1'" in capsys.readouterr().err
    assert main(["projects", "--region", "火星", "--db", str(db)]) == 1
    assert "--region '火星'" in capsys.readouterr().err


def test_changes_json_names_the_copy_and_the_copies(tmp_path, capsys):
    db = story_db(tmp_path)
    assert main(["changes", "--json", "--db", str(db)]) == 0
    rows = {c["url"]: c for c in json.loads(capsys.readouterr().out)}
    assert rows[T1_COPY]["copy_of"] == T1_TENDER and rows[T1_TENDER]["also_on"] == [T1_COPY]
    assert rows[T2_TENDER]["copy_of"] is None and rows[T2_TENDER]["also_on"] == []


def test_web_view_projects_page_filters_and_timeline(tmp_path):
    db = story_db(tmp_path)
    app = App(db)
    page = app.handle("/projects?status=awarded")
    assert page.status == 200 and story.T1_NAME in page.body and story.T2_NAME not in page.body
    assert "包1 杭州某某科技有限公司 ¥958,000.00" in page.body
    assert story.T2_NAME in app.handle("/projects?region=宁波市").body
    assert app.handle("/projects?region=火星").status == 400 and app.handle("/projects?status=bogus").status == 400
    timeline = app.handle(f"/project?key={story.T1}").body
    assert "投标截止 2024-06-05 09:30 → 2024-06-12 09:30" in timeline and "也见于: <a href=" in timeline and "also on" not in timeline
    assert timeline.index("招标") < timeline.index("更正") < timeline.index("宁波某某教育设备有限公司")
    assert app.handle("/project?key=NOPE").status == 404


def test_the_alert_page_names_the_copies_of_its_notice(tmp_path):
    db = story_db(tmp_path)
    with Store(db) as store:
        change_id = next(c["id"] for c in store.changes() if c["url"] == T1_TENDER)
        alert_id = store.create_alert(run_id=None, recipients=["bids@example.org"], change_ids=[change_id],
                                      subject="s", message_id="<m@x>", created_at="2024-05-21T02:00:00+00:00")
    page = App(db).handle(f"/alert?id={alert_id}")
    assert page.status == 200 and f"也见于: {T1_COPY}" in page.body


def test_a_deadline_stated_only_in_an_attachment_reaches_the_calendar(tmp_path):
    """issue 23 #10: the page names its 招标文件; the 开标时间 is only inside that document."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("第一章 招标公告")
    document.add_paragraph("开标时间：2024年07月08日 14:30（北京时间）")
    data = io.BytesIO()
    document.save(data)
    db, url, file_url = tmp_path / "e.db", f"{story.ZJ}/notice/attached.html", f"{story.ZJ}/files/zbwj.docx"
    page = story.zj_page("某中学录播教室采购项目公开招标公告", {
        "采购项目名称": "某中学录播教室采购项目", "项目编号": "ZJ-2024-300", "采购单位": "杭州市某中学"},
        ["详见招标文件。", f'<a href="{file_url}">招标文件.docx</a>'], "2024-06-01 10:00")
    with Store(db) as store:
        run = store.start_run(kind="crawl", sites=["zj"], started_at="2024-06-01T02:00:00+00:00")
        recorder = PageRecorder(RunContext(str(db), CONFIG, "zj", run, baselined=True), store)
        recorder.record(FetchedPage(
            url=url, site="zj", final_url=url, status=200, body=page, http_charset="utf-8",
            fetched_at="2024-06-01T02:00:00+00:00", list_url=f"{story.ZJ}/list/",
            attachments=[FetchedAttachment(file_url, status=200, body=data.getvalue(), filename="招标文件.docx")]))
        assert store.project_state("ZJ-2024-300")["deadlines"] == {"开标": "2024-07-08T14:30:00+08:00"}
        events = calendar(store)
        assert list(events) == [project_uid("ZJ-2024-300", "开标时间")]
        # the event says the time as `projects` shows it (one display rule for both)
        assert "开标：2024-07-08 14:30\n" in str(events[project_uid("ZJ-2024-300", "开标时间")]["DESCRIPTION"])


def test_chat_and_feeds_carry_the_project_lines(tmp_path):
    from crawler.notify.chat import summary_of
    from crawler.web.feed import atom_feed

    db = story_db(tmp_path)
    with Store(db) as store:
        changes = {c["url"]: c for c in store.changes()}
    moved = "投标截止 2024-06-05 09:30 → 2024-06-12 09:30"
    assert moved in summary_of(changes[T1_CORRECTION])
    assert "包1 杭州某某科技有限公司 ¥958,000.00" in summary_of(changes[T1_RESULT])
    assert moved in atom_feed([changes[T1_CORRECTION]]).decode()


def test_reextract_rebuilds_projects_from_the_new_readings_without_alerts(tmp_path):
    from crawler.model import Article
    from crawler.track.reextract import reextract

    db = story_db(tmp_path)
    with Store(db) as store:
        stored = store.latest_version(T1_RESULT)
        damaged = dict(stored["article"], body="（旧的抽取结果）")
        with store.transaction():
            store.replace_version_article(T1_RESULT, 1, damaged, Article.from_dict(damaged).content_hash())
            store.forget_projects()
        ensure_built(store)
        assert store.project_awards(story.T1) == [], "the damaged reading names no winner"
        outbox = alerted(store)
        assert reextract(store).rewritten == 1
        assert [a["supplier"] for a in store.project_awards(story.T1)] == ["杭州某某科技有限公司", "宁波某某教育设备有限公司"]
        assert alerted(store) == outbox


def test_projects_on_an_archive_whose_projects_are_not_built_builds_them_once(tmp_path, capsys):
    db = story_db(tmp_path)
    with Store(db) as store:
        store.forget_projects()
        outbox = alerted(store)
    assert main(["projects", "--json", "--db", str(db)]) == 0
    assert story.T1 in {p["key"] for p in json.loads(capsys.readouterr().out)}
    with Store(db) as store:
        assert store.projects_built() and alerted(store) == outbox
