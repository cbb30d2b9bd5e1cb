"""Tests for storage.Store on real SQLite files: versions, crash safety, concurrency, raw, fetch size, outbox."""

import errno
import hashlib
import multiprocessing
import os
import sqlite3
import zlib

import pytest

from crawler.model import Article
from storage import NotFoundError, StorageError, Store, fatal_error

T0 = "2024-03-01T08:00:00+00:00"
T1 = "2024-03-02T08:00:00+00:00"
T2 = "2024-03-03T08:00:00+00:00"
URL = "http://www.moe.gov.cn/srcsite/A03/202403/t20240301_1.html"


def article(
    url=URL, title="教育部关于开展2024年教育装备采购的通知", body="各省教育厅：现将有关事项通知如下。", **kw
):
    return Article(url=url, title=title, body=body, **kw)


def add(store, art, at=T0, run_id=None, raw_hash=None):
    """What the pipeline does for a new or changed page."""
    store.upsert_page(art.url, "moe", at)
    return store.add_version(
        art.url,
        article=art.to_dict(),
        content_hash=art.content_hash(),
        raw_hash=raw_hash,
        seen_at=at,
        run_id=run_id,
    )


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "eduwatch.db") as s:
        yield s


def count(store, table):
    return store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# opening


def test_open_creates_parent_directories_wal_and_schema(tmp_path):
    path = tmp_path / "a" / "b" / "eduwatch.db"
    with Store(path) as s:
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert {"pages", "versions", "changes", "outbox", "alerts", "fetches", "raw"} <= set(
            s.db.table_names()
        )
    with Store(path) as again:  # migrations are idempotent: reopening keeps data and applies nothing twice
        names = [r[0] for r in again.db.execute("SELECT name FROM _sqlite_migrations")]
        assert names[:8] == ["0001_initial", "0002_readable_schema", "0003_cluster_stream", "0004_chat_channels",
                             "0005_attachments", "0006_page_validators", "0007_attachment_validators",
                             "0008_attachment_search_rowids"]
        assert "0011_database_identity" in names and "0015_projects" in names and "0018_outbox_subscriptions" in names
        assert len(names) == len(set(names))  # later ones: each branch its numbers


def test_not_a_database_gives_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is a text file, not SQLite " * 100)
    with pytest.raises(StorageError, match=r"cannot open database at .*notes\.db: .*fix: "):
        Store(path)


def test_unwritable_path_gives_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match=r"cannot open database at .*file/sub/e\.db: .*fix: "):
        Store(blocker / "sub" / "e.db")


# versions


def test_versions_only_on_content_change_and_touch_on_unchanged(store):
    first = article()
    assert add(store, first) == 1
    assert store.latest_version(URL)["content_hash"] == first.content_hash()

    # unchanged recheck: the pipeline compares hashes and only touches
    assert store.latest_version(URL)["content_hash"] == article().content_hash()
    store.touch_version(URL, T1)

    edited = article(body="各省教育厅：现将有关事项补充通知如下。")
    assert (
        store.add_version(
            URL,
            article=edited.to_dict(),
            content_hash=edited.content_hash(),
            raw_hash=None,
            seen_at=T2,
            run_id=None,
        )
        == 2
    )

    history = store.versions(URL)
    assert [v["version"] for v in history] == [1, 2]
    assert (history[0]["first_seen"], history[0]["last_seen"]) == (T0, T1)
    assert history[1]["first_seen"] == T2
    assert Article.from_dict(history[1]["article"]) == edited
    assert store.page(URL)["latest_version"] == 2
    assert store.version(URL, 1)["title"] == first.title


def test_not_found_errors_name_what_was_missing(store):
    with pytest.raises(NotFoundError, match="no stored page for URL http://nowhere/x"):
        store.versions("http://nowhere/x")
    add(store, article())
    with pytest.raises(NotFoundError, match=rf"no version 7 stored for {URL}"):
        store.version(URL, 7)
    with pytest.raises(NotFoundError, match="no change with id 99"):
        store.change(99)
    with pytest.raises(NotFoundError, match="no alert with id 5"):
        store.alert(5)
    with pytest.raises(NotFoundError, match="no raw bytes stored under hash abc"):
        store.get_raw("abc")
    assert store.page("http://nowhere/x") is None
    assert store.latest_version("http://nowhere/x") is None


def test_replace_version_article_rewrites_in_place(store):
    add(store, article())
    better = article(body="各省教育厅：正文重新提取。", fields={"项目编号": "JY-2024-01"})
    store.replace_version_article(URL, 1, better.to_dict(), better.content_hash())
    assert [v["version"] for v in store.versions(URL)] == [1]
    assert store.version(URL, 1)["article"]["body"] == "各省教育厅：正文重新提取。"
    assert count(store, "changes") == 0


def test_find_versions_by_project_code_and_other_field(store):
    original = article(url="http://a/1", fields={"项目编号": "JY-2024-01", "采购人": "某大学"})
    correction = article(url="http://a/2", title="更正公告", fields={"项目编号": "JY-2024-01"})
    other = article(url="http://a/3", fields={"项目编号": "JY-2024-99"})
    for art in (original, correction, other):
        add(store, art)
    found = store.find_versions_by_field("项目编号", "JY-2024-01", exclude_url="http://a/2")
    assert [(v["url"], v["version"]) for v in found] == [("http://a/1", 1)]
    assert [v["url"] for v in store.find_versions_by_field("采购人", "某大学")] == ["http://a/1"]
    # only LATEST versions count: once the code is edited away, the page no longer matches
    edited = article(url="http://a/1", fields={"项目编号": "JY-2024-02"})
    store.add_version(
        edited.url,
        article=edited.to_dict(),
        content_hash=edited.content_hash(),
        raw_hash=None,
        seen_at=T1,
        run_id=None,
    )
    assert [v["url"] for v in store.find_versions_by_field("项目编号", "JY-2024-01")] == ["http://a/2"]


# pages, runs, sites


def test_pages_state_and_sites_health(store):
    page = store.upsert_page(URL, "moe", T0)
    assert page["state"] == "active" and page["first_seen"] == T0 and page["latest_version"] is None
    assert store.upsert_page(URL, "moe", T1)["first_seen"] == T0
    store.set_page_state(URL, "missing", at=T1, miss_count=1, last_status=404, last_error="HTTP 404")
    page = store.page(URL)
    assert (page["state"], page["miss_count"], page["last_status"], page["last_error"]) == (
        "missing",
        1,
        404,
        "HTTP 404",
    )
    with pytest.raises(ValueError, match="page state 'gone'"):
        store.set_page_state(URL, "gone", at=T1)
    assert [p["url"] for p in store.pages(site="moe")] == [URL] and store.pages(site="ccgp") == []

    run = store.start_run(kind="crawl", sites=["moe"], started_at=T0)
    store.finish_run(run, finished_at=T1, status="ok", stats={"pages": 3})
    assert (store.runs()[0]["status"], store.runs()[0]["stats"], store.runs()[0]["sites"]) == (
        "ok",
        {"pages": 3},
        ["moe"],
    )
    assert store.site("moe") is None
    store.mark_baselined("moe", run, T1)
    assert store.site("moe")["baseline_run"] == run
    assert store.record_site_health("moe", False, None, T1)["consecutive_failures"] == 1
    assert store.record_site_health("moe", False, None, T2)["consecutive_failures"] == 2
    healthy = store.record_site_health("moe", True, 12, T2)
    assert (healthy["consecutive_failures"], healthy["last_ok_at"], healthy["last_article_count"]) == (
        0,
        T2,
        12,
    )


# raw bytes


def test_raw_is_deduplicated_and_compressed(store):
    body = ("<html><body>" + "<p>教育部关于开展教育装备采购的通知</p>" * 400 + "</body></html>").encode(
        "gb18030"
    )
    h1 = store.put_raw(body, http_charset="gbk")
    h2 = store.put_raw(body)
    assert h1 == h2 and count(store, "raw") == 1
    assert store.get_raw(h1) == body
    stored = store.db.execute("SELECT length(data), http_charset FROM raw").fetchone()
    assert stored[0] < len(body) / 5 and stored[1] == "gbk"
    assert zlib.decompress(store.db.execute("SELECT data FROM raw").fetchone()[0]) == body


def test_prune_raw_keeps_latest_versions_bytes(store):
    old = store.put_raw(b"<html>v1</html>", at=T0)
    latest = store.put_raw(b"<html>v2</html>", at=T0)
    recent = store.put_raw(b"<html>ads changed</html>", at="2024-03-30T00:00:00+00:00")
    add(store, article(body="v1"), raw_hash=old)
    v2 = article(body="v2")
    store.add_version(
        URL, article=v2.to_dict(), content_hash=v2.content_hash(), raw_hash=latest, seen_at=T1, run_id=None
    )
    assert store.prune_raw(keep_days=7, now="2024-04-01T00:00:00+00:00") == 1
    with pytest.raises(NotFoundError, match="pruned"):
        store.get_raw(old)
    assert store.get_raw(latest) == b"<html>v2</html>" and store.get_raw(recent)
    assert list(store.raw_versions()) == [(URL, 2, latest, None)]


# fetch log


def test_fetch_log_round_trip(store):
    store.upsert_page(URL, "moe", T0)
    raw = store.put_raw(b"<html></html>")
    run = store.start_run(sites=["moe"], started_at=T0)
    store.log_fetch(
        run, URL, at=T0, status=200, nbytes=13, duration_ms=120, error=None, raw_hash=raw, outcome="new"
    )
    store.log_fetch(
        run,
        URL,
        at=T1,
        status=None,
        nbytes=0,
        duration_ms=30000,
        error="timeout",
        raw_hash=None,
        outcome="error",
    )
    newest, oldest = store.fetches(URL)
    assert (newest["outcome"], newest["error"], newest["at"]) == ("error", "timeout", T1)
    assert (oldest["outcome"], oldest["status"], oldest["raw_hash"], oldest["run_id"]) == (
        "new",
        200,
        raw,
        run,
    )
    assert store.page(URL)["last_checked"] == T1
    with pytest.raises(ValueError, match="fetch outcome 'weird'"):
        store.log_fetch(
            run, URL, at=T1, status=200, nbytes=1, duration_ms=1, error=None, raw_hash=None, outcome="weird"
        )


def test_unchanged_recheck_costs_at_most_200_bytes(tmp_path):
    path = tmp_path / "size.db"
    pages, rounds = 100, 20
    with Store(path) as s:
        raw = s.put_raw(b"<html>same</html>")
        for i in range(pages):
            add(s, article(url=f"http://www.moe.gov.cn/jyb/202403/t20240301_{i}.html"), raw_hash=raw)
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = path.stat().st_size
        for r in range(rounds):
            at = f"2024-03-{2 + r:02d}T08:00:00+00:00"
            with s.transaction():
                for i in range(pages):
                    url = f"http://www.moe.gov.cn/jyb/202403/t20240301_{i}.html"
                    s.log_fetch(
                        1,
                        url,
                        at=at,
                        status=200,
                        nbytes=48213,
                        duration_ms=187,
                        error=None,
                        raw_hash=raw,
                        outcome="unchanged",
                    )
                    s.touch_version(url, at)
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        growth = path.stat().st_size - before
        fetch_bytes = s.db.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN ('fetches', 'fetches_page')"
        ).fetchone()[0]
    checks = pages * rounds
    print(
        f"file growth {growth / checks:.1f} B/recheck; fetch table+index {fetch_bytes / checks:.1f} B/recheck"
    )
    assert growth / checks <= 200
    assert fetch_bytes / checks <= 200


# transactions and crash safety


def test_exception_inside_transaction_leaves_nothing(store):
    add(store, article(url="http://a/keep"))
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        add(store, article())
        change = store.add_change(
            url=URL,
            site="moe",
            kind="new",
            detected_at=T0,
            title="t",
            version=1,
            previous_version=None,
            diff_text=None,
            diff_html=None,
            summary=None,
            run_id=None,
        )
        store.enqueue_alert(change, "ops@example.org", None)
        raise RuntimeError("boom")
    assert store.page(URL) is None
    assert (count(store, "versions"), count(store, "changes"), count(store, "outbox")) == (1, 0, 0)
    assert store.search("教育装备") and all(hit["url"] == "http://a/keep" for hit in store.search("教育装备"))
    add(store, article())  # the connection is usable afterwards
    assert store.page(URL)["latest_version"] == 1


def test_nested_transaction_is_one_unit(store):
    with pytest.raises(KeyError), store.transaction():
        with store.transaction():
            add(store, article())
        assert store.page(URL) is not None
        raise KeyError("outer fails after inner block finished")
    assert store.page(URL) is None


def _die_mid_transaction(path, n):
    s = Store(path)
    with s.transaction():
        for i in range(n):
            art = article(url=f"http://crash/{i}", body="崩溃前写入的正文。" * 50)
            add(s, art)
            c = s.add_change(
                url=art.url,
                site="moe",
                kind="new",
                detected_at=T1,
                title=art.title,
                version=1,
                previous_version=None,
                diff_text=None,
                diff_html=None,
                summary=None,
                run_id=None,
            )
            s.enqueue_alert(c, "ops@example.org", None)
        os._exit(1)  # killed before COMMIT: no Python cleanup, no rollback


@pytest.mark.e2e
def test_killed_process_mid_transaction_leaves_consistent_db(tmp_path):
    path = tmp_path / "crash.db"
    with Store(path) as s:
        add(s, article())
    proc = multiprocessing.get_context("spawn").Process(target=_die_mid_transaction, args=(str(path), 300))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 1
    with Store(path) as s:
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (count(s, "pages"), count(s, "versions"), count(s, "changes"), count(s, "outbox")) == (
            1,
            1,
            0,
            0,
        )
        assert s.latest_version(URL)["version"] == 1
        s.db.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")  # raises if out of sync


def _writer(path, prefix, n, errors):
    try:
        with Store(path) as s:
            run = s.start_run(sites=["moe"], started_at=T0)
            for i in range(n):
                with s.transaction():
                    art = article(url=f"http://{prefix}/{i}", body=f"第{i}条正文。")
                    # the pipeline reads before it writes: the pattern that breaks deferred BEGIN
                    assert s.latest_version(art.url) is None and len(s.changes(limit=5)) == 0
                    add(s, art, run_id=run)
                    s.log_fetch(
                        run,
                        art.url,
                        at=T0,
                        status=200,
                        nbytes=10,
                        duration_ms=5,
                        error=None,
                        raw_hash=None,
                        outcome="new",
                    )
            s.finish_run(run, finished_at=T1, status="ok", stats={"n": n})
    except Exception as exc:  # reported to the parent, which fails the test with the message
        errors.put(f"{prefix}: {type(exc).__name__}: {exc}")
        raise


@pytest.mark.e2e
def test_two_writer_processes_both_succeed(tmp_path):
    path = str(tmp_path / "two.db")  # a fresh file: both processes also race to create the schema
    ctx = multiprocessing.get_context("spawn")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(path, p, 200, errors)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    messages = []
    while not errors.empty():
        messages.append(errors.get())
    assert messages == [] and [p.exitcode for p in procs] == [0, 0]
    with Store(path) as s:
        assert count(s, "versions") == 400 and count(s, "fetches") == 400
        assert [r["status"] for r in s.runs()] == ["ok", "ok"]


@pytest.mark.e2e
def test_second_store_opens_and_reads_while_a_writer_holds_a_transaction(tmp_path):
    path = tmp_path / "busy.db"
    with Store(path) as writer:
        add(writer, article())
        with writer.transaction():
            add(writer, article(url="http://a/uncommitted"))
            with Store(path) as cli:  # e.g. `eduwatch changes` during a crawl: must not wait for the lock
                assert [p["url"] for p in cli.pages()] == [URL]


@pytest.mark.e2e
def test_reader_sees_committed_data_while_writer_holds_transaction(tmp_path):
    path = tmp_path / "wal.db"
    with Store(path) as writer:
        add(writer, article())
        with writer.transaction():
            add(writer, article(url="http://a/uncommitted"))
            reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # what Datasette does
            assert reader.execute("SELECT count(*) FROM pages").fetchone()[0] == 1
            reader.close()


# changes


def test_changes_newest_first_with_filters(store):
    ids = []
    for at, site, kind in [(T0, "moe", "new"), (T1, "ccgp", "new"), (T2, "moe", "changed")]:
        ids.append(
            store.add_change(
                url=URL,
                site=site,
                kind=kind,
                detected_at=at,
                title="标题",
                version=1,
                previous_version=None,
                diff_text="-旧\n+新",
                diff_html="<del>旧</del>",
                summary="正文修改",
                run_id=None,
                details={"fields": ["预算金额"]},
                related_url="http://a/1",
            )
        )
    assert [c["id"] for c in store.changes()] == ids[::-1]
    assert [c["id"] for c in store.changes(since=T1)] == [ids[2], ids[1]]
    assert [c["id"] for c in store.changes(since="2024-03-02T16:00:00+08:00")] == [ids[2], ids[1]]  # = T1
    assert [c["id"] for c in store.changes(since="2024-03-03")] == [ids[2]]
    assert [c["id"] for c in store.changes(site="moe", kind="new")] == [ids[0]]
    assert [c["id"] for c in store.changes(limit=1)] == [ids[2]]
    change = store.change(ids[2])
    assert change["diff"] == "-旧\n+新" and change["details"] == {"fields": ["预算金额"]}
    assert {
        "url",
        "kind",
        "detected_at",
        "title",
        "version",
        "previous_version",
        "diff",
        "related_url",
    } <= set(change)


# outbox and alerts


def _change(store, n, run_id):
    return store.add_change(
        url=f"http://a/{n}",
        site="moe",
        kind="new",
        detected_at=T0,
        title=f"t{n}",
        version=1,
        previous_version=None,
        diff_text=None,
        diff_html=None,
        summary=None,
        run_id=run_id,
    )


def test_outbox_grouping_and_alert_lifecycle(store):
    run1, run2 = store.start_run(started_at=T0), store.start_run(started_at=T1)
    c1, c2, c3 = _change(store, 1, run1), _change(store, 2, run1), _change(store, 3, run2)
    store.enqueue_alert(c1, "a@example.org", run1, matched_keywords=["采购"])
    store.enqueue_alert(c2, "a@example.org", run1)
    store.enqueue_alert(c2, "a@example.org", run1)  # a repeat does not duplicate
    store.enqueue_alert(c1, "b@example.org", run1)
    store.enqueue_alert(c3, "a@example.org", run2)
    with pytest.raises(StorageError, match="not an email address"):
        store.enqueue_alert(c3, "nobody", run2)
    with pytest.raises(NotFoundError, match="no change with id 404"):
        store.enqueue_alert(404, "a@example.org", run2)

    digests = store.pending_digests()
    assert [(d["run_id"], d["recipient"], d["change_ids"]) for d in digests] == [
        (run1, "a@example.org", [c1, c2]),
        (run1, "b@example.org", [c1]),
        (run2, "a@example.org", [c3]),
    ]
    assert digests[0]["matched"] == {c1: ["采购"], c2: []}

    args = dict(
        run_id=run1,
        recipients=["a@example.org"],
        change_ids=[c1, c2],
        subject="2 changes",
        message_id="<run1.a@eduwatch>",
        created_at=T1,
    )
    alert_id = store.create_alert(**args)
    assert store.create_alert(**args) == alert_id and len(store.alerts()) == 1
    assert [(d["run_id"], d["recipient"]) for d in store.pending_digests()] == [
        (run1, "b@example.org"),
        (run2, "a@example.org"),
    ]
    alert = store.alert(alert_id)
    assert (alert["status"], alert["recipients"], alert["change_ids"], alert["attempts"]) == (
        "pending",
        ["a@example.org"],
        [c1, c2],
        0,
    )
    assert [a["id"] for a in store.due_alerts(T1)] == [alert_id]

    store.mark_alert_retry(alert_id, "421 try later", "2024-03-02T09:00:00+00:00")
    assert store.due_alerts("2024-03-02T08:30:00+00:00") == []
    assert [a["id"] for a in store.due_alerts("2024-03-02T09:00:00+00:00")] == [alert_id]
    assert (store.alert(alert_id)["attempts"], store.alert(alert_id)["status"]) == (1, "pending")

    store.mark_alert_sent(alert_id, T2)
    sent = store.alert(alert_id)
    assert (sent["status"], sent["sent_at"], sent["error"], sent["attempts"]) == ("sent", T2, None, 2)
    assert store.due_alerts(T2) == [] and store.alerts(status="sent") == [sent]

    other = store.create_alert(
        run_id=run2,
        recipients=["a@example.org"],
        change_ids=[c3],
        subject="1 change",
        message_id="<run2.a@eduwatch>",
        created_at=T2,
    )
    store.mark_alert_failed(other, "550 no such user", T2)
    failed = store.alert(other)
    assert (failed["status"], failed["error"]) == ("failed", "550 no such user")
    assert store.due_alerts("2099-01-01T00:00:00+00:00") == []
    with pytest.raises(NotFoundError, match="no alert with id 999"):
        store.mark_alert_sent(999, T2)


def test_bad_timestamp_is_refused_with_a_clear_error(store):
    store.upsert_page(URL, "moe", T0)
    with pytest.raises(StorageError, match="bad timestamp 'yesterday': expected ISO 8601"):
        store.log_fetch(
            None,
            URL,
            at="yesterday",
            status=200,
            nbytes=1,
            duration_ms=1,
            error=None,
            raw_hash=None,
            outcome="unchanged",
        )


def test_readers_open_read_only_and_never_change_the_file(tmp_path):
    """changes/history/diff/search and the web view open the file read-only: no journal-mode switch, no writes."""
    path = tmp_path / "eduwatch.db"
    with Store(path) as writer:
        writer.upsert_page("http://www.moe.gov.cn/a.html", "moe", "2026-11-01T00:00:00+00:00")
        writer.db.conn.execute("PRAGMA journal_mode = DELETE")
    before = path.read_bytes()
    with Store(path, readonly=True) as reader:
        assert reader.page("http://www.moe.gov.cn/a.html")["site"] == "moe"
        with pytest.raises(sqlite3.OperationalError):
            reader.db.execute("DELETE FROM pages")
    assert path.read_bytes() == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_reader_asks_for_a_writer_when_the_database_needs_an_upgrade(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as writer:
        writer.db.execute("DELETE FROM _sqlite_migrations")  # as if written before the newest migration
    with pytest.raises(StorageError, match=r"needs an upgrade.*eduwatch crawl"):
        Store(path, readonly=True)
    with pytest.raises(StorageError, match="no database at"):
        Store(tmp_path / "absent.db", readonly=True)


# --- attachment search rows ------------------------------------------------------------------------------

def _with_attachments(store, url: str, *names: str) -> None:
    """A new latest version of the page whose attachments (read, with text) are `names`."""
    attachments = []
    for name in names:
        sha = hashlib.sha256(name.encode()).hexdigest()
        store.put_attachment(sha, name.encode(), {"kind": "pdf", "parts": [{"label": "第1页", "text": f"{name}的招标内容"}]},
                             "2026-11-01T00:00:00+00:00")
        attachments.append({"title": name, "url": f"http://www.ccgp.gov.cn/{name}.pdf", "sha256": sha})
    if store.page(url) is None:
        store.upsert_page(url, "ccgp", "2026-11-01T00:00:00+00:00")
    article = {"title": url.rsplit("/", 1)[-1], "body": "正文", "attachments": attachments}
    store.add_version(url, article=article, content_hash=hashlib.sha256(repr(names).encode()).hexdigest(),
                      raw_hash=None, seen_at="2026-11-01T00:00:00+00:00", run_id=None)


def _found(store, term: str) -> list[tuple[str, str]]:
    return sorted((hit["url"], hit["attachment"]["title"]) for hit in store.search_attachments([term]))


def test_a_new_version_replaces_its_pages_attachment_search_rows_and_no_others(store):
    a, b = "http://www.ccgp.gov.cn/a.htm", "http://www.ccgp.gov.cn/b.htm"
    _with_attachments(store, a, "甲方案", "乙报价")
    _with_attachments(store, b, "丙清单")
    assert _found(store, "招标内容") == [(a, "乙报价"), (a, "甲方案"), (b, "丙清单")]
    _with_attachments(store, a, "丁更正")  # the page now links one other file
    assert _found(store, "招标内容") == [(a, "丁更正"), (b, "丙清单")]
    _with_attachments(store, b)  # and this one none
    assert _found(store, "招标内容") == [(a, "丁更正")]


def test_a_file_linked_from_many_pages_is_indexed_once_and_found_from_each(store):
    pages = [f"http://www.ccgp.gov.cn/{n}.htm" for n in range(5)]
    for url in pages:  # a sidebar's form on every page
        _with_attachments(store, url, "报名表")
    assert store.db.execute("SELECT count(*) FROM attachment_text_fts").fetchone()[0] == 1
    assert _found(store, "招标内容") == [(url, "报名表") for url in pages]
    assert _found(store, "报名表") == [(url, "报名表") for url in pages]  # by its link title too
    assert _found(store, "内容") == [(url, "报名表") for url in pages]  # shorter than a trigram: scanned


def test_every_term_is_found_in_the_files_text_or_its_link_title(store):
    a = "http://www.ccgp.gov.cn/a.htm"
    _with_attachments(store, a, "甲方案")
    assert [hit["url"] for hit in store.search_attachments(["甲方案", "招标内容"])] == [a]  # title, text
    assert store.search_attachments(["甲方案", "评分细则"]) == []


def test_a_file_read_again_is_found_by_its_new_text(store):
    a = "http://www.ccgp.gov.cn/a.htm"
    _with_attachments(store, a, "甲方案")
    sha = hashlib.sha256("甲方案".encode()).hexdigest()
    store.replace_attachment_document(sha, {"kind": "pdf", "parts": [{"label": "第1页", "text": "评分细则已更新"}]})
    assert _found(store, "评分细则") == [(a, "甲方案")]
    assert _found(store, "招标内容") == []


def test_attachment_search_rows_written_per_page_before_0019_move_to_the_file_index(tmp_path):
    path = tmp_path / "eduwatch.db"
    a, b = "http://www.ccgp.gov.cn/a.htm", "http://www.ccgp.gov.cn/b.htm"
    with Store(path) as store:
        _with_attachments(store, a, "甲方案", "乙报价")
        _with_attachments(store, b, "甲方案", "丙清单")
        for table in ("attachment_texts", "attachment_text_fts", "page_attachments", "attachment_title_fts"):
            store.db.execute(f"DROP TABLE {table}")
        store.db.execute("CREATE VIRTUAL TABLE attachment_fts USING fts5 ("
                         "title, text, url UNINDEXED, page_id UNINDEXED, tokenize = 'trigram')")
        for page in (a, b):  # as 0005 wrote them: a row per page and attachment, rowids in insertion order
            for name in (("甲方案", "乙报价") if page == a else ("甲方案", "丙清单")):
                store.db.execute("INSERT INTO attachment_fts (title, text, url, page_id) VALUES (?, ?, ?, ?)",
                                 [name, f"{name}的招标内容", f"http://www.ccgp.gov.cn/{name}.pdf", store.page(page)["id"]])
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name IN "
                         "('0008_attachment_search_rowids', '0019_attachment_search_by_file')")
    with Store(path) as store:
        assert _found(store, "招标内容") == [(a, "乙报价"), (a, "甲方案"), (b, "丙清单"), (b, "甲方案")]
        assert store.db.execute("SELECT count(*) FROM attachment_text_fts").fetchone()[0] == 3
        assert not store.db.execute("SELECT name FROM sqlite_master WHERE name = 'attachment_fts'").fetchall()
        _with_attachments(store, a, "丁更正")
        assert _found(store, "招标内容") == [(a, "丁更正"), (b, "丙清单"), (b, "甲方案")]


def test_migrations_apply_in_the_order_of_their_numbers():
    from sqlite_utils import Database

    from storage.schema import migrations

    names = [m.name for m in migrations.pending(Database(memory=True))]
    assert names == sorted(names) and len(set(n[:4] for n in names)) == len(names)


@pytest.mark.parametrize(("error", "named"), [
    (sqlite3.OperationalError("database or disk is full"), "DiskFull"),
    (OSError(errno.ENOSPC, "No space left on device"), "DiskFull"),
    (sqlite3.DatabaseError("database disk image is malformed"), "DatabaseDamaged"),
    (sqlite3.DatabaseError("file is not a database"), None),  # a wrong --db, told by the open error
    (sqlite3.OperationalError("database is locked"), None),
    (ValueError("bad input"), None),
], ids=["sqlite-full", "enospc", "malformed", "not-a-database", "locked", "other"])
def test_fatal_storage_errors_are_named_and_never_carry_page_bytes(error, named):
    fatal = fatal_error(error, "/data/e.db")
    assert (type(fatal).__name__ if fatal else None) == named
    if fatal:
        assert "/data/e.db" in str(fatal) and "\n" not in str(fatal)
