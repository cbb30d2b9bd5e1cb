"""Schema 0002: an old file migrates (epoch fetch times → ISO, changes gain page_id) and the views read well."""

import sqlite3

from sqlite_utils import Database

from crawler.model import Article
from storage import Store
from storage.schema import migrations

URL = "http://www.ccgp.gov.cn/cggg/dfgg/gkzb/202506/t20250627_1.htm"
T0 = "2025-06-27T09:30:00+00:00"


def _old_file(path) -> None:
    """A database as the previous release left it: schema 0001 only, one page, one epoch fetch, one change."""
    db = Database(sqlite3.connect(str(path), isolation_level=None))
    migrations.apply(db, stop_before="0002_readable_schema")
    db.execute("INSERT INTO pages (id, url, site, first_seen) VALUES (7, ?, 'ccgp', ?)", [URL, T0])
    db.execute("INSERT INTO fetches (page_id, at, status, outcome) VALUES (7, 1751016600, 200, 0)")
    db.execute("INSERT INTO changes (url, site, kind, detected_at, title) VALUES (?, 'ccgp', 'new', ?, '招标公告')",
               [URL, T0])
    db.conn.close()


def test_old_file_migrates_to_iso_fetch_times_and_page_links(tmp_path):
    path = tmp_path / "old.db"
    _old_file(path)
    with Store(path) as store:
        assert store.fetches(URL)[0]["at"] == "2025-06-27T09:30:00+00:00"
        assert store.db.execute("SELECT page_id FROM changes").fetchone()[0] == 7
        foreign = {(r[2], r[3]) for t in ("fetches", "changes")
                   for r in store.db.execute(f"PRAGMA foreign_key_list({t})")}
        assert ("pages", "page_id") in foreign
        row = store.db.execute("SELECT at_beijing, outcome, url FROM fetch_log").fetchone()
        assert row == ("2025-06-27 17:30", "new", URL)


def test_views_show_titles_sites_beijing_times_and_links(tmp_path):
    art = Article(url=URL, title="某大学实验室设备采购招标公告", body="一、项目编号：HN-1",
                  fields={"项目名称": "实验室设备采购", "开标时间": "2099年7月8日 09:30", "项目编号": "HN-1"})
    with Store(tmp_path / "e.db") as store:
        store.upsert_page(URL, "ccgp", T0)
        store.add_version(URL, article=art.to_dict(), content_hash=art.content_hash(), raw_hash=None,
                          seen_at=T0, run_id=None)
        change = store.add_change(url=URL, site="ccgp", kind="new", detected_at=T0, title=art.title, version=1,
                                  previous_version=None, diff_text="+", diff_html=None, summary="新文章", run_id=None)
        page_id = store.page(URL)["id"]
        assert store.db.execute("SELECT page_id FROM changes WHERE id = ?", [change]).fetchone()[0] == page_id
        latest = store.db.execute(
            "SELECT title, site, url, first_seen_beijing, project_name, bid_opening FROM latest_articles").fetchone()
        assert latest == (art.title, "ccgp", URL, "2025-06-27 17:30", "实验室设备采购", "2099年7月8日 09:30")
        log = store.db.execute("SELECT detected_beijing, site, kind, title, url FROM change_log").fetchone()
        assert log == ("2025-06-27 17:30", "ccgp", "new", art.title, URL)
        assert store.db.execute("SELECT page_id, url FROM search_index").fetchone() == (page_id, URL)
        deadline = store.db.execute("SELECT deadline_day, kind, project FROM bid_deadlines").fetchone()
        assert deadline == ("2099-07-08", "开标时间", "实验室设备采购")
        store.put_raw(b"<html>x</html>")
        assert "data" not in [r[1] for r in store.db.execute("PRAGMA table_info(raw_info)")]
