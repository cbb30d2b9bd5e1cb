"""Many machines, end to end with the real parts on loopback: redis-server, two scrapyd nodes
(`eduwatch node`), the recorder (`eduwatch record`), fixture sites and a real SMTP inbox."""

from __future__ import annotations

import pytest

from crawler.cluster.stream import Stream
from storage import Store
from tests.cluster_servers import Recorder
from tests.conftest import FAST, site_toml, stored_version_count, wait_until
from tests.test_alerts_e2e import edit_first_moe_sentence, smtp_toml
from tests.test_crawl import public_articles, versions_by_url

pytestmark = pytest.mark.e2e

SIX = ["caigou", "moe", "ccgp", "ceiea", "zj", "gd"]


@pytest.fixture
def recorder(workspace):
    parts = Recorder(workspace.db, workspace.config, workspace.dir / "recorder.log")
    yield parts
    parts.kill()


def test_six_sites_on_two_nodes_exactly_once(workspace, server, cluster, mailbox, recorder):
    workspace.write_config(cluster.toml + smtp_toml(mailbox.port)
                           + site_toml(server, SIX, recipients=["bids@example.org"]))
    recorder.start()
    first = workspace.crawl()
    assert first.code == 0, first.out + first.err + recorder.log()
    stored = versions_by_url(workspace.db)
    expected = [url for name in SIX for url in public_articles(server, name)]
    assert sorted(stored) == sorted(expected)
    assert set(stored.values()) == {1}, "every article has exactly one version"
    with Store(workspace.db) as store:
        runs = store.cluster_runs()
    assert sorted(r["site"] for r in runs) == sorted(SIX)
    assert {r["status"] for r in runs} == {"ok"}
    per_node = {n.url: sorted(r["site"] for r in runs if r["node"] == n.url) for n in cluster.nodes}
    assert sorted(len(sites) for sites in per_node.values()) == [3, 3], per_node

    wait_until(lambda: all(n["running"] == 0 for n in workspace.cli("nodes", "--json").json()),
               "the crawl processes to exit after closing their runs")
    nodes = workspace.cli("nodes", "--json").json()
    assert [(n["url"], n["status"], n["running"], n["sites"]) for n in nodes] == \
        [(n.url, "up", 0, per_node[n.url]) for n in cluster.nodes]

    old, new = edit_first_moe_sentence(server)
    second = workspace.crawl()
    assert second.code == 0, second.err + recorder.log()
    changes = workspace.cli("changes", "--json").json()
    assert [(c["kind"], c["site"]) for c in changes] == [("changed", "moe")]
    assert old in changes[0]["diff"] and new in changes[0]["diff"]
    assert versions_by_url(workspace.db) == {**stored, changes[0]["url"]: 2}
    with Store(workspace.db) as store:
        runs = store.cluster_runs()
    assert {r["site"]: r["node"] for r in runs[:6]} == {r["site"]: r["node"] for r in runs[6:]}, \
        "each site stays on its node"
    wait_until(lambda: mailbox.messages, "the recorder to send the digest of the run it closed")
    assert [m["subject"] for m in mailbox.messages] == ["[eduwatch] moe：1 篇更新"]

    down = cluster.nodes[0]
    down.stop()
    third = workspace.crawl()
    assert third.code == 0, third.err + recorder.log()
    with Store(workspace.db) as store:
        latest = store.cluster_runs()[:6]
    assert {r["node"] for r in latest} == {cluster.nodes[1].url}, "the stopped node's sites moved"
    assert workspace.cli("changes", "--json").json() == changes, "moving sites raises no change"
    assert len(mailbox.messages) == 1, "alerts exactly once"
    nodes = workspace.cli("nodes", "--json").json()
    assert [(n["status"], len(n["sites"])) for n in nodes] == [("down", 0), ("up", 6)]
    assert recorder.stop() == 0


def test_a_recorder_killed_mid_stream_and_restarted_leaves_no_duplicate(workspace, server, cluster):
    workspace.write_config(cluster.toml + site_toml(server, ["moe", "ccgp"]))
    dispatched = workspace.cli("crawl", "--no-wait", *FAST)
    assert dispatched.code == 0, dispatched.err
    assert dispatched.out.count("dispatched to") == 2
    with Stream(cluster.redis.url) as stream:  # the pages wait in Redis while no recorder runs
        wait_until(lambda: all(n["running"] == 0 and n["pending"] == 0
                               for n in workspace.cli("nodes", "--json").json()), "both jobs to end")
        total = stream.backlog()["waiting"]
    assert total > 6, "pages wait in the stream"

    killed = Recorder(workspace.db, workspace.config, workspace.dir / "recorder.log").start()
    wait_until(lambda: stored_version_count(workspace.db) >= 3, "the recorder to record a few pages")
    killed.kill()  # kill -9, wherever it is: possibly between a commit and its acknowledgement

    once = workspace.cli("record", "--once")
    assert once.code == 0, once.err
    stored = versions_by_url(workspace.db)
    assert sorted(stored) == sorted(public_articles(server, "moe") + public_articles(server, "ccgp"))
    assert set(stored.values()) == {1}
    assert workspace.cli("changes", "--json").json() == []
    with Store(workspace.db) as store:
        assert [r["status"] for r in store.cluster_runs()] == ["ok", "ok"]
        fetched = sum(sum(store.run_outcome_counts(r["run_id"]).values()) for r in store.cluster_runs())
    assert fetched == total - 6, "every page once: the stream's entries but each run's dispatch, start and end"
