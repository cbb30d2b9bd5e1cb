"""`eduwatch node`, `eduwatch record` and `eduwatch nodes`: the commands of cluster mode ([cluster])."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.config import Config
from crawler.errors import ConfigError


def _need_cluster(config: Config, command: str) -> None:
    if config.cluster is None:
        raise ConfigError(f"{config.path or 'no configuration file'}: `eduwatch {command}` needs a [cluster] table "
                          "(redis = \"redis://HOST:6379/0\", nodes = [\"http://HOST:6800\"]); see README, "
                          "Many machines, and pass --config")


def node(config: Config, *, host: str, port: int, directory: str) -> int:
    from crawler.cluster.node import run_node

    _need_cluster(config, "node")
    return run_node(config.cluster, host=host, port=port, directory=Path(directory))


def record(config: Config, db_path: str, *, once: bool) -> int:
    from crawler.cluster.record import run_recorder

    _need_cluster(config, "record")
    return run_recorder(config, db_path, once=once)


def nodes(config: Config, *, as_json: bool) -> int:
    from crawler.cluster.nodes_view import nodes_report

    _need_cluster(config, "nodes")
    report = nodes_report(config)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for item in report:
        sites = ", ".join(item["sites"]) or "-"
        print(f"{item['url']}  {item['status']:<4}  {item['running']} running, {item['pending']} pending  "
              f"sites: {sites}")
    return 0
