"""The failure story of cluster mode, each with the real parts: a node dies mid-crawl, a crawl process dies,
a job is cancelled, a site's job still runs, a node is down at dispatch, Redis is killed and restarted on its append-only file.
In each: nothing recorded twice, no false change, runs closed, alerts exactly once."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from crawler.cluster.consumer import Consumer
from crawler.cluster.messages import PageFetched, RunDispatched, RunFinished
from crawler.cluster.recording import StreamRecorder
from crawler.cluster.scrapyd_api import ScrapydClient
from crawler.cluster.stream import PLACEMENT, Stream
from crawler.config import ClusterConfig, Config, SiteConfig
from crawler.model import FetchedPage
from storage import Store
from tests.cluster_servers import Recorder, RedisServer
from tests.conftest import FAST, site_toml, wait_until
from tests.test_alerts_e2e import smtp_toml
from tests.test_crawl import versions_by_url

pytestmark = pytest.mark.e2e

SITES = ["moe", "ccgp"]
SLOW = [*FAST, "-s", "DOWNLOAD_TIMEOUT=120", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]


@pytest.fixture
def recorder(workspace):
    parts = Recorder(workspace.db, workspace.config, workspace.dir / "recorder.log")
    yield parts.start()
    parts.kill()


@pytest.fixture
def baselined(workspace, server, cluster, mailbox, recorder):
    """Two sites crawled once on the cluster (their baseline), a short site timeout, an SMTP inbox."""
    workspace.write_config(cluster.toml + smtp_toml(mailbox.port)
                           + site_toml(server, SITES, recipients=["bids@example.org"], extra={"timeout": "8"}))
    first = workspace.crawl()
    assert first.code == 0, first.err + recorder.log()
    return versions_by_url(workspace.db)


def runs_of(workspace, site: str) -> list[dict]:
    with Store(workspace.db) as store:
        return store.cluster_runs(site=site)


def hang_one_article(server, site: str) -> str:
    """One article answers only after 30 s: its site's job stays running while we act (a cancelled job
    still waits for it: Scrapy's graceful stop lets downloads in flight end)."""
    path = server.sites[site].article_paths()[-1]
    server.set_fault(f"/{site}{path}", "delay", seconds=30)
    return path


def dispatch_and_wait_running(workspace, site: str) -> dict:
    result = workspace.cli("crawl", "--no-wait", "--site", site, *SLOW)
    assert result.code == 0, result.err
    run = runs_of(workspace, site)[0]
    client = ScrapydClient(run["node"])
    wait_until(lambda: client.job_state(run["job"]) == "running", "the job to run")
    wait_until(lambda: _fetches(workspace, run["run_id"]) > 0, "the first pages of the run to be recorded")
    return run


def _fetches(workspace, run_id: int) -> int:
    with Store(workspace.db) as store:
        return sum(store.run_outcome_counts(run_id).values())


def assert_nothing_false(workspace, baseline: dict, mailbox) -> None:
    assert versions_by_url(workspace.db) == baseline, "no page recorded twice, no version added"
    assert workspace.cli("changes", "--json").json() == [], "no false removal, no health alert"
    assert mailbox.messages == []


def test_a_node_that_dies_mid_crawl_leaves_a_closed_run_and_its_sites_move(workspace, server, cluster, mailbox,
                                                                            recorder, baselined):
    hang_one_article(server, "moe")
    run = dispatch_and_wait_running(workspace, "moe")
    dead = next(node for node in cluster.nodes if node.url == run["node"])
    dead.kill()  # node, scrapyd and the crawl, at once: no closing message will ever come
    wait_until(lambda: runs_of(workspace, "moe")[0]["finished_at"], "the recorder to close the orphaned run", 120)
    closed = runs_of(workspace, "moe")[0]
    assert closed["status"] == "failed" and closed["stats"]["finish_reason"].startswith("abandoned: node")
    assert_nothing_false(workspace, baselined, mailbox)

    server.clear_fault()
    again = workspace.crawl("--site", "moe")
    assert again.code == 0, again.err + recorder.log()
    moved = runs_of(workspace, "moe")[0]
    assert moved["node"] != dead.url and moved["status"] == "ok"
    assert_nothing_false(workspace, baselined, mailbox)
    nodes = {n["url"]: n for n in workspace.cli("nodes", "--json").json()}
    assert nodes[dead.url]["status"] == "down" and "moe" in nodes[moved["node"]]["sites"]


def test_a_crawl_process_killed_on_a_live_node_is_closed_as_abandoned(workspace, server, cluster, mailbox,
                                                                      recorder, baselined):
    hang_one_article(server, "ccgp")
    run = dispatch_and_wait_running(workspace, "ccgp")
    client = ScrapydClient(run["node"])
    [job] = [j for j in client.list_jobs().running if j["id"] == run["job"]]
    os.kill(job["pid"], signal.SIGKILL)  # the OOM killer's way: scrapyd sees the job end, no run_finished
    wait_until(lambda: runs_of(workspace, "ccgp")[0]["finished_at"], "the recorder to close the run", 120)
    closed = runs_of(workspace, "ccgp")[0]
    assert closed["status"] == "failed" and "ended without closing its run" in closed["stats"]["finish_reason"]
    assert_nothing_false(workspace, baselined, mailbox)


def test_one_job_per_site_a_cancelled_job_and_a_node_down_at_dispatch(workspace, server, cluster, mailbox,
                                                                        recorder, baselined):
    hang_one_article(server, "moe")
    run = dispatch_and_wait_running(workspace, "moe")
    busy = workspace.cli("crawl", "--no-wait", "--site", "moe", *SLOW)
    assert busy.code == 0 and "still running; skipped" in busy.err
    assert len(runs_of(workspace, "moe")) == 2, "no second job for a site whose job runs"

    assert ScrapydClient(run["node"]).cancel(run["job"]) == "running"
    wait_until(lambda: runs_of(workspace, "moe")[0]["finished_at"], "the cancelled run to be closed", 120)
    closed = runs_of(workspace, "moe")[0]
    assert closed["status"] == "interrupted" and closed["stats"]["finish_reason"] == "shutdown"
    assert_nothing_false(workspace, baselined, mailbox)
    server.clear_fault()

    ccgp_node = runs_of(workspace, "ccgp")[0]["node"]
    down = next(node for node in cluster.nodes if node.url == ccgp_node)
    down.stop()
    result = workspace.crawl("--site", "ccgp")
    assert result.code == 0, result.err + recorder.log()
    latest = runs_of(workspace, "ccgp")[0]
    assert latest["node"] != down.url and latest["status"] == "ok"
    with Stream(cluster.redis.url) as stream:
        assert stream.redis.hget(PLACEMENT, "ccgp").decode() == latest["node"]
    assert_nothing_false(workspace, baselined, mailbox)


# --- Redis killed and restarted on its append-only file (no nodes needed) ---------------------------
GOLDEN = sorted((Path(__file__).parent / "golden").glob("*/*.html"))


def golden_pages(second: int) -> list[FetchedPage]:
    pages = []
    for path in GOLDEN:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append(FetchedPage(url=meta["url"], site="golden", final_url=meta["url"], status=200,
                                 body=path.read_bytes(), http_charset=meta.get("http_charset"),
                                 fetched_at=f"2026-11-29T12:00:{second:02d}+00:00"))
    return pages


def test_redis_killed_and_restarted_on_its_append_only_file(tmp_path, redis_server):
    config = Config(path=None, sites=[SiteConfig(name="golden", start_urls=["http://x/"])],
                    cluster=ClusterConfig(nodes=["http://127.0.0.1:1"]))
    db = tmp_path / "eduwatch.db"
    pages = golden_pages(0)
    messages = [RunDispatched(run="r1", site="golden", node="http://127.0.0.1:1", job="j", spider="generic",
                              at="2026-11-29T12:00:00+00:00")]
    messages += [PageFetched(run="r1", seq=i, page=p) for i, p in enumerate(pages, 1)]
    messages.append(RunFinished(run="r1", at="2026-11-29T12:01:00+00:00", reason="finished", pages=len(pages)))
    with Store(db) as store:
        with Stream(redis_server.url) as producer:
            producer.ensure_group()
            for message in messages:
                producer.publish(message)
        with Stream(redis_server.url, consumer="recorder") as stream:
            consumer = Consumer(stream, store, StreamRecorder(store, config, str(db)))
            entries = stream.read_new(count=len(messages))
            half = len(entries) // 2
            for entry in entries[:half]:
                consumer.handle(entry)
            consumer.handle(entries[half], ack=False)  # committed; Redis dies before the acknowledgement
        redis_server.kill()
        restarted = RedisServer(redis_server.directory, redis_server.port).start()
        try:
            with Stream(restarted.url, consumer="recorder") as stream:
                consumer = Consumer(stream, store, StreamRecorder(store, config, str(db)))
                while consumer.step(block_ms=None):
                    pass
                assert consumer.counts.replayed >= 1
                assert stream.backlog()["pending"] == 0
        finally:
            restarted.stop()
        assert {p.url: len(store.fetches(p.url)) for p in pages} == {p.url: 1 for p in pages}, "each once"
        assert max(len(store.versions(p.url)) for p in pages) == 1
        assert store.changes() == []
        [run] = store.runs()
        assert run["status"] == "ok" and run["stats"]["pages"] == len(pages)
