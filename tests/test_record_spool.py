"""Pages reach the recording worker through a spool of temporary files: every page arrives, nothing is left on
disk, and a temporary directory that fills up costs no page."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from crawler.track import spool as spool_module
from crawler.track.spool import Spool, SpoolReader
from tests.conftest import (
    FAST,
    REPO,
    alive,
    run_cli,
    site_toml,
    stored_version_count,
    stored_versions,
    wait_until,
)
from tests.mounts import tmpfs
from tests.procs import descendants


def test_records_come_back_whole_and_in_order_across_segments_and_leave_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "SEGMENT_BYTES", 10_000)  # a new segment every few records
    spool = Spool(str(tmp_path))
    reader = SpoolReader(spool.dir)
    records = [pickle.dumps({"n": n, "body": bytes([n % 256]) * (n * 997 % 7_000)}) for n in range(40)]
    refs = [spool.put(record) for record in records]
    assert len({segment for segment, _, _ in refs}) > 3, "the records were spread over several segments"
    assert [pickle.loads(reader.get(ref)) for ref in refs] == [pickle.loads(r) for r in records]
    left = os.listdir(spool.dir)
    assert len(left) <= 1, f"segments the reader has moved past are gone from disk, left: {left}"
    reader.remove()
    spool.close()
    assert os.listdir(tmp_path) == []


def _site_config(tmp_path: Path, server: SiteServer) -> Path:
    config = tmp_path / "eduwatch.toml"
    config.write_text(site_toml(server, ["moe"]), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def site_server():
    with SiteServer({"moe": build_site("moe", 120, seed=11, per_page=20)}) as server:
        yield server


@pytest.mark.e2e
def test_a_crawl_leaves_no_spool_behind(tmp_path, site_server):
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    done = run_cli("crawl", "--config", str(_site_config(tmp_path, site_server)), "--db", str(tmp_path / "e.db"),
                   *FAST, env={"TMPDIR": str(spool_dir)})
    assert done.code == 0, done.err
    assert stored_version_count(tmp_path / "e.db") == 120
    assert list(spool_dir.iterdir()) == []


@pytest.mark.e2e
def test_a_crawl_killed_outright_leaves_no_spool_behind(tmp_path, site_server):
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    db = tmp_path / "e.db"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(spool_dir)}
    env.pop("EDUWATCH_DB", None)
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--config", str(_site_config(tmp_path, site_server)),
                             "--db", str(db), *FAST, "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: stored_version_count(db) >= 10 or proc.poll() is not None, "10 stored pages")
    assert proc.poll() is None, "the crawl ended before it could be killed; slow it down"
    assert list(spool_dir.iterdir()), "the crawl spools its pages in TMPDIR"
    workers = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    wait_until(lambda: not any(alive(pid) for pid in workers), "the recording worker to exit")
    assert list(spool_dir.iterdir()) == [], "the worker removes the spool when the crawl process is gone"


@pytest.mark.e2e
def test_a_full_temporary_directory_costs_no_page(tmp_path, site_server):
    """TMPDIR on a real tmpfs of 16 KB: the spool fills at once, pages go through the pipe instead."""
    spool_dir = tmp_path / "tmp"
    with tmpfs(spool_dir, "16k"):
        db = tmp_path / "e.db"
        done = run_cli("crawl", "--config", str(_site_config(tmp_path, site_server)), "--db", str(db), *FAST,
                       env={"TMPDIR": str(spool_dir)})
        assert done.code == 0, done.err
        assert stored_version_count(db) == 120, "every page was recorded"
        warnings = [line for line in done.err.splitlines() if "spool" in line]
        assert len(warnings) == 1 and "No space left" in warnings[0], done.err


def test_a_document_linked_from_many_pages_is_spooled_once_and_every_page_gets_its_bytes(tmp_path, monkeypatch):
    from crawler.model import FetchedAttachment, FetchedPage
    from crawler.track import shared_bodies
    from crawler.track.shared_bodies import HeldBodies, SentBodies

    monkeypatch.setattr(shared_bodies, "CAP_BYTES", 4 * 10_000)  # the worker holds four documents at most
    sidebar = [b"form-a" * 2_000, b"form-b" * 2_000]  # linked from every page, fetched once (the same objects)
    spool, sent, held = Spool(str(tmp_path)), SentBodies(), HeldBodies()
    reader = SpoolReader(spool.dir)
    spooled = []
    for n in range(40):
        linked = [*sidebar, f"own document {n} ".encode() * 700]
        page = FetchedPage(url=f"http://x.test/{n}", site="s", body=b"<html>page</html>",
                           attachments=[FetchedAttachment(url=f"http://x.test/f{k}", status=200, body=body)
                                        for k, body in enumerate(linked)])
        for key, body in sent.new_bodies(page):  # what RecordWorker.record sends, in the order it sends it
            held.add(key, reader.get(spool.put(body)))
            spooled.append(body)
        data = sent.dumps(page)
        dropped = sent.evict()
        received = held.loads(reader.get(spool.put(data)))
        held.forget(dropped)
        assert [a.body for a in received.attachments] == linked, "every page gets its documents' bytes"
        assert len(data) < 1_000, "the page refers to its documents instead of carrying them"
    assert spooled.count(sidebar[0]) == spooled.count(sidebar[1]) == 1, "each sidebar form went over once"
    assert len(spooled) == 2 + 40 and len(held.bodies) <= 4
    spool.close()


def test_pages_the_crawl_process_takes_back_at_the_end_are_stored_as_the_worker_would_store_them(tmp_path):
    """Once the crawl has nothing left to fetch, the crawl process extracts queued pages from the newest back
    while the worker goes on from the oldest: every page is recorded once, with the same reading."""
    import asyncio

    from crawler.config import Config
    from crawler.model import FetchedPage
    from crawler.track import record_worker
    from crawler.track.recorder import PageRecorder, RunContext
    from storage import Store

    paragraph = "<p>{t}：采购预算与时间安排，联系人与电话，附件与评分办法。</p>" * 60
    pages = [FetchedPage(url=f"http://x.test/{n}.html", site="pages", final_url=f"http://x.test/{n}.html", status=200,
                         body=f"<html><head><title>通知{n}</title></head><body><h1>通知{n}</h1><div class='TRS_Editor'>"
                              f"{paragraph.format(t=f'第{n}篇')}</div></body></html>".encode(),
                         http_charset="utf-8", fetched_at="2026-12-06T08:00:00+00:00", list_url="http://x.test/")
             for n in range(150)]
    db = tmp_path / "worker.db"
    with Store(db) as store:
        run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-12-06T08:00:00+00:00")
    context = RunContext(str(db), Config(path=None), "pages", run, False)
    here = PageRecorder(context, Store(db))
    extracted_here = []

    def extract(page):
        extracted_here.append(page.url)
        return here.extract_page(page)

    async def crawl():
        worker = record_worker.attach(context, extract=extract, idle=lambda: True)  # nothing left to fetch
        results = await asyncio.gather(*(worker.record(run, page) for page in pages))
        taken = worker.taken.get(run, 0)
        worker.close_run(run)
        return results, taken

    results, taken = asyncio.run(crawl())
    here.store.close()
    assert [r.outcome for r in results] == ["baseline"] * 150
    assert taken > 0 and len(extracted_here) == taken, "the crawl process took pages back while the worker was busy"
    assert extracted_here[0] == pages[-1].url, "it starts from the newest page, away from the worker"

    alone = tmp_path / "alone.db"
    with Store(alone) as store:
        run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-12-06T08:00:00+00:00")
        recorder = PageRecorder(RunContext(str(alone), Config(path=None), "pages", run, False), store)
        for page in pages:
            recorder.record(page)
    assert stored_versions(db) == stored_versions(alone)
