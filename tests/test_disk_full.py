"""A full disk stops the crawl in one line and costs no alert: the database sits on a real small filesystem
(a tmpfs mounted for the test; it needs root, as CI has, and skips with the reason otherwise)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.cluster.messages import PageFetched, RunDispatched
from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from crawler.model import FetchedPage
from storage import Store
from tests.conftest import FAST, run_cli, site_toml
from tests.mounts import tmpfs

pytestmark = pytest.mark.e2e  # starts crawls, servers and mounts a filesystem

SMALL, LARGE = "1m", "64m"  # the small size fills a few dozen pages into the first crawl of 120


@pytest.fixture
def disk(tmp_path):
    """A directory on its own tmpfs of SMALL bytes; remount(size) grows it, as freeing space would."""
    where = tmp_path / "disk"
    with tmpfs(where, SMALL) as remount:
        yield where, lambda size: remount(f"size={size}")


@pytest.fixture(scope="module")
def site_server():
    with SiteServer({"moe": build_site("moe", 120, seed=5, per_page=20)}) as server:
        yield server


def crawl(server: SiteServer, db: Path, config: Path, *extra: str):
    return run_cli("crawl", "--db", str(db), "--config", str(config), *FAST, *extra, timeout=180)


@pytest.mark.parametrize("worker", ["true", "false"], ids=["record-worker", "in-process"])
def test_a_full_disk_stops_the_crawl_in_one_line_and_raises_nothing_once_space_is_freed(disk, site_server, worker,
                                                                                         tmp_path):
    where, remount = disk
    db, config = where / "eduwatch.db", tmp_path / "eduwatch.toml"
    config.write_text(site_toml(site_server, ["moe"], recipients=["ops@example.org"]), encoding="utf-8")
    full = crawl(site_server, db, config, "-s", f"EDUWATCH_RECORD_WORKER={worker}")
    assert full.code == 1, full.err
    assert "disk full" in full.err and "free some space" in full.err, full.err
    assert "Traceback" not in full.err and len(full.err.splitlines()) <= 3, full.err
    with Store(db, readonly=True) as store:
        stored = sum(1 for p in store.pages(site="moe") if p.get("latest_version"))
        assert stored < 120, "the disk should fill during the crawl"
        # in-process, pages are committed one by one: some are in before the disk fills. The worker takes every
        # page waiting into one transaction, and on this 1 MB disk its first one alone may not fit (none stored)
        assert stored > 0 or worker == "true", "the disk should fill part-way through the crawl"
        assert not (store.site("moe") or {}).get("baseline_run"), "a run that lost pages sets no baseline"

    remount(LARGE)  # space is freed
    again = crawl(site_server, db, config)
    assert again.code == 0, again.err
    with Store(db, readonly=True) as store:
        assert store.changes() == [], "pages the full disk lost are no news: the complete crawl is the baseline"
        runs = store.runs()
        assert [r["status"] for r in runs if r["finished_at"] is None] == [], runs
        assert runs[-1]["status"] in ("failed", "interrupted") and runs[0]["status"] == "ok"
        assert sum(1 for p in store.pages(site="moe") if p.get("latest_version")) == 120


def test_the_cluster_recorder_stops_on_a_full_disk_and_loses_no_entry(disk, redis_server):
    """`eduwatch record`: the entry whose write failed stays pending (not set aside as dead after 5 tries), so a
    recorder restarted once space is freed records every page exactly once."""
    from crawler.cluster.consumer import Consumer
    from crawler.cluster.recording import StreamRecorder
    from crawler.cluster.stream import DEAD, Stream
    from storage import DiskFull
    from tests.test_cluster_stream import AT, GOLDEN, URL, config

    where, remount = disk
    db = where / "eduwatch.db"
    producer = Stream(redis_server.url)
    producer.ensure_group()
    producer.publish(RunDispatched(run="r1", site="moe", node="http://127.0.0.1:1", job="r1", spider="moe",
                                   at=AT.format(0)))
    pages = 150
    for n in range(pages):  # incompressible bytes per page fill the small disk part-way
        body = GOLDEN.read_bytes().replace(b"</body>", f"<!-- {os.urandom(6000).hex()} --></body>".encode())
        producer.publish(PageFetched(run="r1", seq=n + 1, page=FetchedPage(
            url=f"{URL}?n={n}", site="moe", final_url=f"{URL}?n={n}", status=200, body=body, fetched_at=AT.format(1))))

    def recorder() -> tuple[Consumer, Store]:
        store = Store(db)
        stream = Stream(redis_server.url, consumer="recorder")
        stream.ensure_group()
        return Consumer(stream, store, StreamRecorder(store, config(), str(db))), store

    first, store = recorder()
    with pytest.raises(DiskFull, match="disk full"):
        while first.step(block_ms=None):
            pass
    store.close()
    assert producer.redis.xlen(DEAD) == 0, "no page was set aside as unrecordable"
    assert 0 < first.counts.recorded < pages + 1

    remount(LARGE)
    second, store = recorder()
    while second.step(block_ms=None):
        pass
    assert producer.redis.xlen(DEAD) == 0
    assert sum(1 for p in store.pages(site="moe") if p.get("latest_version")) == pages
    store.close()
    producer.close()
