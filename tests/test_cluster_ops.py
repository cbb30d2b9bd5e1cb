"""Operating a cluster, with the real parts (redis-server, `eduwatch record`, `eduwatch node`): one recorder at
a time, a crawl given a database the recorder does not write, a dead node's runs closed within a minute or two."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from crawler.cluster.abandon import find_abandoned
from crawler.config import ClusterConfig, Config, SiteConfig
from storage import Store
from tests.cluster_servers import REPO, Recorder, free_port
from tests.conftest import FAST, run_cli, site_toml, wait_until


def cluster_toml(redis_url: str, nodes: list[str], extra: str = "") -> str:
    listed = ", ".join(f'"{n}"' for n in nodes)
    return f'[cluster]\nredis = "{redis_url}"\nnodes = [{listed}]\n{extra}\n'


def start_recorder(tmp_path, db, config, name="recorder.log") -> Recorder:
    recorder = Recorder(db, config, tmp_path / name).start()
    wait_until(lambda: "recording into" in recorder.log(), "the recorder to say it started", 60)
    return recorder


def test_a_second_recorder_is_refused_and_a_restarted_one_takes_over(tmp_path, redis_server):
    config = tmp_path / "eduwatch.toml"
    config.write_text(cluster_toml(redis_server.url, ["http://127.0.0.1:9"]), encoding="utf-8")
    db = tmp_path / "eduwatch.db"
    first = start_recorder(tmp_path, db, config)
    try:
        assert str(db) in first.log(), "the start line names the database it writes"
        second = run_cli("record", "--db", str(db), "--config", str(config), timeout=60)
        assert second.code == 1
        assert "another `eduwatch record` is running" in second.err and f"pid {first.process.pid}" in second.err
        assert "Traceback" not in second.err
        first.kill()  # kill -9: its lease stays in Redis, held by a process that is gone
        again = start_recorder(tmp_path, db, config, "again.log")
        assert again.stop() == 0
    finally:
        first.kill()
    after_stop = start_recorder(tmp_path, db, config, "third.log")  # a clean stop lets go of the lease at once
    assert after_stop.stop() == 0


def test_a_crawl_with_another_database_than_the_recorders_is_refused(tmp_path, redis_server):
    config = tmp_path / "eduwatch.toml"
    config.write_text(cluster_toml(redis_server.url, ["http://127.0.0.1:9"])
                      + '[[sites]]\nname = "moe"\nstart_urls = ["http://127.0.0.1:9/list.html"]\nschedule = "30m"\n', encoding="utf-8")
    recorder = start_recorder(tmp_path, tmp_path / "eduwatch.db", config)
    try:
        other = tmp_path / "copy" / "eduwatch.db"
        for command in (["crawl"], ["schedule"]):
            result = run_cli(*command, "--db", str(other), "--config", str(config), timeout=60)
            assert result.code == 1, result.err
            assert "writes another database" in result.err and f"--db {tmp_path / 'eduwatch.db'}" in result.err
            assert "Traceback" not in result.err
    finally:
        recorder.stop()


def test_a_node_that_stops_answering_has_its_runs_closed_after_node_down_after():
    """The site's timeout (30 min) is not what a dead node's runs wait for: [cluster] node_down_after is."""
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused, as after kill -9
    config = Config(path=None, cluster=ClusterConfig(redis="redis://127.0.0.1:1/0", nodes=[dead], node_down_after=60.0),
                    sites=[SiteConfig(name="moe", start_urls=["http://127.0.0.1:9/"], timeout=1800.0)])
    start = datetime.now(UTC)
    run = {"token": "t", "run_id": 1, "site": "moe", "node": dead, "job": "t",
           "dispatched_at": (start - timedelta(seconds=5)).isoformat()}
    down_since: dict = {}
    assert find_abandoned([run], config, start, down_since) == [], "one miss is not a dead node"
    assert find_abandoned([run], config, start + timedelta(seconds=30), down_since) == []
    [gone] = find_abandoned([run], config, start + timedelta(seconds=61), down_since)
    assert gone.reason.startswith(f"abandoned: node {dead} is down")


def test_a_killed_node_is_named_and_its_run_closed_long_before_the_site_timeout(workspace, server, cluster, mailbox):
    workspace.write_config(cluster.toml.replace("\n\n", "\nnode_down_after = 3\n\n", 1)
                           + site_toml(server, ["moe"], extra={"timeout": "1800"}))
    recorder = start_recorder(workspace.dir, workspace.db, workspace.config)
    try:
        path = server.sites["moe"].article_paths()[-1]
        server.set_fault(f"/moe{path}", "delay", seconds=60)  # the job stays running while the node dies
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("EDUWATCH_DB", None)
        crawl = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--db", str(workspace.db), "--config",
                                  str(workspace.config), *FAST], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True)
        try:
            def running():
                with Store(workspace.db) as store:
                    runs = store.cluster_runs(site="moe")
                    return runs and runs[0]["started_at"] and sum(store.run_outcome_counts(runs[0]["run_id"]).values())
            wait_until(running, "the moe run to record its first pages", 120)
            with Store(workspace.db) as store:
                node = store.cluster_runs(site="moe")[0]["node"]
            next(n for n in cluster.nodes if n.url == node).kill()
            out, err = crawl.communicate(timeout=180)  # far below the site's 1,800 s timeout
        finally:
            if crawl.poll() is None:
                os.killpg(crawl.pid, signal.SIGKILL)
                crawl.wait()
        out, err = out.decode(), err.decode()
        assert crawl.returncode == 1
        assert f"node {node} is down" in err, err
        assert "run" in out and "failed" in out and f"abandoned: node {node} is down" in out, out
    finally:
        recorder.stop()
    assert "Traceback" not in recorder.log()


def test_nodes_with_redis_down_says_so_and_fails(tmp_path):
    config = tmp_path / "eduwatch.toml"
    node = f"http://127.0.0.1:{free_port()}"
    config.write_text(cluster_toml(f"redis://127.0.0.1:{free_port()}/0", [node]), encoding="utf-8")
    for args in (["nodes", "--json"], ["nodes"]):
        result = run_cli(*args, "--config", str(config), timeout=60)
        assert result.code == 1
        assert result.err.startswith("eduwatch: error: Redis at redis://127.0.0.1:") and "does not answer" in result.err
        assert "Traceback" not in result.err
    listed = run_cli("nodes", "--json", "--config", str(config), timeout=60).json()
    assert [(n["url"], n["status"], n["sites"]) for n in listed] == [(node, "down", None)], "unknown, not empty"


def test_node_help_offers_no_database_option():
    result = run_cli("node", "--help")
    assert result.code == 0 and "--config" in result.out and "--db" not in result.out
    assert "--db" in run_cli("record", "--help").out


def test_a_node_killed_alone_takes_its_scrapyd_with_it_and_starts_again(tmp_path):
    from tests.cluster_servers import Node
    from tests.conftest import alive
    from tests.procs import descendants

    port = free_port()
    config = tmp_path / "node.toml"
    config.write_text(cluster_toml("redis://127.0.0.1:1/0", [f"http://127.0.0.1:{port}"]), encoding="utf-8")
    node = Node(tmp_path / "node", config, port).start()
    try:
        children = descendants(node.process.pid)
        assert children, "scrapyd runs as the node's child"
        os.kill(node.process.pid, signal.SIGKILL)  # the node alone, not its process group
        node.process.wait()
        wait_until(lambda: not any(alive(pid) for pid in children), "scrapyd to stop with its node", 60)
        again = Node(tmp_path / "node", config, port).start()  # the port is free: no orphan holds it
        again.stop()
    finally:
        node.kill()


def test_a_node_on_a_taken_port_says_so_in_one_line(tmp_path):
    import socket

    config = tmp_path / "node.toml"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        config.write_text(cluster_toml("redis://127.0.0.1:1/0", [f"http://127.0.0.1:{port}"]), encoding="utf-8")
        result = run_cli("node", "--config", str(config), "--port", str(port), "--dir", str(tmp_path / "n"),
                         timeout=60)
    assert result.code == 1 and f"cannot listen on 127.0.0.1:{port}" in result.err
    assert "Traceback" not in result.err
