"""The [cluster] table: read once, and every bad value named with its key and the fix."""

from __future__ import annotations

import pytest

from crawler.config import load_config
from crawler.errors import ConfigError

GOOD = '[cluster]\nredis = "redis://10.0.0.2:6379/0"\nnodes = ["http://10.0.0.5:6800/", "http://10.0.0.6:6800"]\n'

CASES = {
    "unknown_key": ('[cluster]\nnodes = ["http://a:6800"]\nnode = "x"\n', "cluster.node", "allowed here"),
    "no_nodes": ('[cluster]\nredis = "redis://a:6379/0"\n', "cluster.nodes", "at least one scrapyd node"),
    "redis_not_a_url": ('[cluster]\nredis = "10.0.0.2:6379"\nnodes = ["http://a:6800"]\n', "cluster.redis",
                        "redis://127.0.0.1:6379/0"),
    "node_not_a_url": ('[cluster]\nnodes = ["10.0.0.5:6800"]\n', "cluster.nodes", "http://10.0.0.5:6800"),
    "node_twice": ('[cluster]\nnodes = ["http://a:6800", "http://a:6800/"]\n', "cluster.nodes", "each scrapyd address once"),
}


def test_a_cluster_table_is_read_with_node_urls_normalised(tmp_path):
    path = tmp_path / "eduwatch.toml"
    path.write_text(GOOD + 'password_env = "EDUWATCH_SCRAPYD_PASSWORD"\n', encoding="utf-8")
    cluster = load_config(path).cluster
    assert cluster.redis == "redis://10.0.0.2:6379/0"
    assert cluster.nodes == ["http://10.0.0.5:6800", "http://10.0.0.6:6800"]
    assert cluster.password_env == "EDUWATCH_SCRAPYD_PASSWORD"


def test_no_cluster_table_is_single_machine_mode(tmp_path):
    path = tmp_path / "eduwatch.toml"
    path.write_text("", encoding="utf-8")
    assert load_config(path).cluster is None


@pytest.mark.parametrize(("text", "key", "fix"), list(CASES.values()), ids=list(CASES))
def test_bad_cluster_values_name_the_key_and_the_fix(tmp_path, text, key, fix):
    path = tmp_path / "eduwatch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and key in str(error.value) and fix in str(error.value)
