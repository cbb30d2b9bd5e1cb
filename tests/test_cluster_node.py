"""`eduwatch node`: a real scrapyd serving eduwatch's spiders, basic auth from the environment, clean stop."""

from __future__ import annotations

import signal

import pytest

from crawler.cluster.scrapyd_api import ScrapydClient
from crawler.config import KNOWN_SPIDERS
from crawler.errors import NodeError
from tests.cluster_servers import Node, free_port
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e
PASSWORD_ENV = "EDUWATCH_SCRAPYD_PASSWORD"


def cluster_toml(tmp_path, port: int, password: bool) -> str:
    path = tmp_path / "node.toml"
    extra = f'password_env = "{PASSWORD_ENV}"\n' if password else ""
    path.write_text(f'[cluster]\nredis = "redis://127.0.0.1:1/0"\nnodes = ["http://127.0.0.1:{port}"]\n{extra}',
                    encoding="utf-8")
    return path


def test_a_node_with_a_password_serves_eduwatchs_spiders_and_stops_cleanly(tmp_path):
    port = free_port()
    node = Node(tmp_path / "node", cluster_toml(tmp_path, port, True), port, env={PASSWORD_ENV: "s3cret"})
    node.start()
    try:
        with pytest.raises(NodeError, match="401"):
            ScrapydClient(node.url).list_jobs()
        client = ScrapydClient(node.url, password="s3cret")
        assert client.daemon_status().up
        spiders = client._call("listspiders.json", {"project": "eduwatch"})["spiders"]
        assert sorted(spiders) == sorted(KNOWN_SPIDERS)
        cfg = (tmp_path / "node" / "scrapyd" / "scrapy.cfg").read_text()
        assert "jobstorage = scrapyd.jobstorage.SqliteJobStorage" in cfg and "s3cret" not in cfg
        node.process.send_signal(signal.SIGTERM)
        assert node.process.wait(timeout=60) == 0
        assert not client.daemon_status().up
    finally:
        node.stop()


def test_a_node_whose_password_variable_is_empty_refuses_to_start(tmp_path):
    result = run_cli("node", "--config", str(cluster_toml(tmp_path, free_port(), True)), "--dir", str(tmp_path / "n"),
                     env={PASSWORD_ENV: ""})
    assert result.code == 1
    assert f"password_env names {PASSWORD_ENV}, which is empty" in result.err


def test_node_and_record_need_a_cluster_table(tmp_path):
    config = tmp_path / "eduwatch.toml"
    config.write_text("", encoding="utf-8")
    for command in ("node", "record", "nodes"):
        db = ["--db", str(tmp_path / "e.db")] if command != "node" else []  # a node opens no database
        result = run_cli(command, "--config", str(config), *db)
        assert result.code == 1 and "needs a [cluster] table" in result.err, command


def test_crawl_local_with_a_cluster_table_crawls_in_process_as_before(workspace, server):
    from tests.conftest import site_toml
    from tests.test_crawl import public_articles, versions_by_url

    nowhere = f"http://127.0.0.1:{free_port()}"  # no node, no Redis: --local needs neither
    workspace.write_config(f'[cluster]\nredis = "redis://127.0.0.1:{free_port()}/0"\nnodes = ["{nowhere}"]\n\n'
                           + site_toml(server, ["moe"]))
    result = workspace.crawl("--local")
    assert result.code == 0, result.err
    assert sorted(versions_by_url(workspace.db)) == sorted(public_articles(server, "moe"))
    dispatched = workspace.crawl()  # without --local: dispatching needs Redis, and says so in one line
    assert dispatched.code == 1
    assert "start redis-server there or fix [cluster] redis" in dispatched.err and "Traceback" not in dispatched.err
