"""`eduwatch node`, `eduwatch record` and `eduwatch nodes`: the commands of cluster mode ([cluster])."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crawler.config import Config
from crawler.errors import ConfigError


def add_cluster_parsers(command) -> None:
    """The three commands' arguments; `command(name, help)` is main's sub-parser factory."""
    p = command("node", "run a crawl node: a scrapyd serving eduwatch's spiders, until SIGTERM (needs [cluster]; "
                "it opens no database: its crawls send their pages to Redis)", db=False)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=6800, help="port to listen on (default 6800)")
    p.add_argument("--dir", default="eduwatch-node", help="the node's own directory: scrapy.cfg, job logs, queue")
    p = command("record", "record the pages crawl nodes send (the one database writer in cluster mode)")
    p.add_argument("--once", action="store_true", help="return when the stream is drained and no run is open")
    p = command("nodes", "the [cluster] crawl nodes: up or down, jobs running and pending, the sites placed on each")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per node")


def run_cluster_command(args, config: Config, db_path: str) -> int:
    if args.command == "node":
        return node(config, host=args.host, port=args.port, directory=args.dir)
    if args.command == "record":
        return record(config, db_path, once=args.once)
    return nodes(config, as_json=args.json)


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
    report, redis_error = nodes_report(config)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    for item in [] if as_json else report:
        sites = "unknown" if item["sites"] is None else ", ".join(item["sites"]) or "-"
        print(f"{item['url']}  {item['status']:<4}  {item['running']} running, {item['pending']} pending  "
              f"sites: {sites}")
    if redis_error:
        print(f"eduwatch: error: {redis_error}", file=sys.stderr)
        return 1
    return 0
