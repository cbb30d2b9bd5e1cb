"""Recording in a worker process: same results as in-process, one bad page fails alone, a dead worker loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from crawler.config import Config
from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from crawler.model import FetchedPage
from crawler.track.record_process import RecordError, record_batch
from crawler.track.record_worker import RecordWorker
from crawler.track.recorder import PageRecorder, Recorded, RunContext
from storage import DatabaseDamaged, Store
from storage.errors import StorageError
from tests.conftest import FAST, REPO, run_cli, site_toml, stored_version_count, stored_versions, wait_until
from tests.procs import descendants
from tests.test_damaged_db import damage

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses

ARTICLE = ("<html><head><title>{t}</title></head><body><h1>{t}</h1>"
           "<div class='TRS_Editor'><p>{t}的正文第一段，说明经费与时间安排。</p><p>第二段写明联系人与电话。</p></div>"
           "</body></html>")


def _page(url: str, title: str, site: str | None = "pages") -> FetchedPage:
    return FetchedPage(url=url, site=site, final_url=url, status=200, body=ARTICLE.format(t=title).encode(),
                       http_charset="utf-8", fetched_at="2026-11-23T08:00:00+00:00", list_url="http://x.test/list")


def test_one_failing_page_rolls_back_alone_and_the_rest_of_the_batch_is_committed(tmp_path):
    with Store(tmp_path / "eduwatch.db") as store:
        run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-11-23T08:00:00+00:00")
        recorder = PageRecorder(RunContext(str(tmp_path / "eduwatch.db"), Config(path=None), "pages", run, False), store)
        batch = [_page("http://x.test/a.html", "第一篇通知"),
                 _page("http://x.test/b.html", "第二篇通知", site=None),  # pages.site is NOT NULL: no page row
                 _page("http://x.test/c.html", "第三篇通知")]
        results = record_batch(store, [(recorder, page, None) for page in batch])

        assert [type(r) for r in results] == [Recorded, RecordError, Recorded]
        assert str(results[1]).startswith("recording http://x.test/b.html failed:") and "Traceback" in str(results[1])
        assert {p["url"] for p in store.pages()} == {"http://x.test/a.html", "http://x.test/c.html"}
        assert [len(store.versions(u)) for u in ("http://x.test/a.html", "http://x.test/c.html")] == [1, 1]
    with sqlite3.connect(tmp_path / "eduwatch.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_page_the_crawl_process_extracted_is_written_with_that_reading(tmp_path):
    """When the worker is behind, the crawl process extracts pages itself and sends the reading along."""
    with Store(tmp_path / "eduwatch.db") as store:
        run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-11-23T08:00:00+00:00")
        recorder = PageRecorder(RunContext(str(tmp_path / "eduwatch.db"), Config(path=None), "pages", run, False), store)
        ahead, plain = _page("http://x.test/a.html", "第一篇通知"), _page("http://x.test/b.html", "第二篇通知")
        extraction = recorder.extract_page(ahead)

        results = record_batch(store, [(recorder, ahead, extraction), (recorder, plain, None)])

        assert [r.outcome for r in results] == ["baseline", "baseline"]
        assert store.latest_version(ahead.url)["content_hash"] == extraction.article.content_hash()
        assert store.latest_version(plain.url)["article"]["title"] == "第二篇通知"


def test_a_savepoint_outside_a_transaction_is_refused_with_the_fix(tmp_path):
    with Store(tmp_path / "eduwatch.db") as store, pytest.raises(StorageError, match="store.transaction"):
        with store.savepoint():
            pass


def test_worker_and_in_process_recording_store_the_same_versions(tmp_path, server):
    config = tmp_path / "eduwatch.toml"
    config.write_text(site_toml(server, ["moe", "ccgp", "caigou"]), encoding="utf-8")
    stored = {}
    for mode in ("true", "false"):
        db = tmp_path / f"{mode}.db"
        done = run_cli("crawl", "--config", str(config), "--db", str(db), *FAST, "-s", f"EDUWATCH_RECORD_WORKER={mode}")
        assert done.code == 0, done.err
        stored[mode] = stored_versions(db)
    assert len(stored["true"]) >= 3 * 5
    assert stored["true"] == stored["false"]


def _recording_worker(crawl_pid: int) -> int | None:
    """The worker is the crawl's child started by multiprocessing's spawn."""
    for child in descendants(crawl_pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                if b"spawn_main" in f.read():
                    return child
        except OSError:
            continue
    return None


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the worker process through /proc")
def test_the_crawl_finishes_every_page_when_its_recording_worker_is_killed(tmp_path):
    site = build_site("moe", 200, seed=9, per_page=20)
    with SiteServer({"moe": site}) as server:
        config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
        config.write_text(site_toml(server, ["moe"]), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("EDUWATCH_DB", None)
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db),
                                 *FAST, "-s", "DOWNLOAD_DELAY=0.02", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wait_until(lambda: stored_version_count(db) >= 20 or proc.poll() is not None, "20 stored pages")
        worker = _recording_worker(proc.pid)
        assert proc.poll() is None and worker, "the crawl ended before its worker could be killed; enlarge the site"
        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: not os.path.exists(f"/proc/{worker}") or proc.poll() is not None, "the worker reaped")
        assert not os.path.exists(f"/proc/{worker}"), "the dead worker is reaped at once, not left a zombie"
        out, err = proc.communicate(timeout=180)

        assert proc.returncode == 0, err.decode()
        assert "recording process" in err.decode(), "the switch to in-process recording is logged"
        stored = stored_versions(db)
        assert set(stored) == {server.url_for("moe", p) for p in site.article_paths()}
        assert all(len(hashes) == 1 for hashes in stored.values()), "no page recorded twice"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_page_sent_after_the_worker_stopped_on_a_damaged_file_hears_why_it_stopped(tmp_path):
    """The worker sends its fatal error and exits. A page handed over before the crawl process has read that reply
    finds the pipe closed: it must still hear "the database file is damaged" (the crawl stops in one line), not
    "the worker vanished" (each page would then be recorded in-process, failing and logging one by one)."""
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-11-23T08:00:00+00:00")
        recorder = PageRecorder(RunContext(str(db), Config(path=None), "pages", run, False), store)
        recorder.record(_page("http://x.test/a.html", "第一篇通知"))
    damage(db, ("versions", "raw", "search_fts_data"))
    worker = RecordWorker(str(db))

    async def crawl():
        worker.open_run(RunContext(str(db), Config(path=None), "pages", run, True))
        first = asyncio.ensure_future(worker.record(run, _page("http://x.test/b.html", "第二篇通知")))
        await asyncio.sleep(0)  # the first page is handed over
        worker.process.join(30)  # the worker writes it, fails, replies and exits, while this loop is busy
        assert worker.process.exitcode is not None, "the worker should stop at the damaged file"
        with pytest.raises(DatabaseDamaged, match="damaged"):
            await worker.record(run, _page("http://x.test/c.html", "第三篇通知"))
        with pytest.raises(DatabaseDamaged):
            await first

    try:
        asyncio.run(crawl())
    finally:
        worker.close()
