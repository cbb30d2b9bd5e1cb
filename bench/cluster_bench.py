"""Measure cluster mode against the same local mirror: local vs one node vs two nodes, the recorder's cost
and ceiling, the stream's lag, and Redis memory per 1,000 pages in flight.

Run: .venv/bin/python bench/cluster_bench.py [--pages 2000] [--templates moe,ccgp,caigou,ceiea]
Needs `pip install -e '.[cluster]'` and Debian's redis-server. Prints a Markdown table (see docs/SCALE.md).
Everything runs on this machine: nodes, recorder, Redis and the mirror share its cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import SPEED, MirrorProcess, build_mirror, config_text  # noqa: E402
from crawler.cluster.scrapyd_api import ScrapydClient  # noqa: E402
from crawler.cluster.stream import Stream  # noqa: E402
from storage import Store  # noqa: E402
from tests.cluster_servers import Node, Recorder, RedisServer, free_port  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    label: str
    pages: int
    wall_s: float
    recorder_cpu_s: float | None = None
    max_lag: int | None = None

    @property
    def rate(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0


def cpu_s(pid: int) -> float:
    """user + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def cli(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EDUWATCH_DB", None)
    done = subprocess.run([sys.executable, "-m", "crawler", *args, "--db", str(workdir / "eduwatch.db"),
                           "--config", str(workdir / "eduwatch.toml")], cwd=workdir, env=env, capture_output=True,
                          text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"eduwatch {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def pages_recorded(workdir: Path) -> int:
    with Store(workdir / "eduwatch.db") as store:
        return store.db.execute("SELECT count(*) FROM fetches").fetchone()[0]


def fresh(base: Path, label: str, toml: str) -> Path:
    workdir = base / label
    workdir.mkdir()
    (workdir / "eduwatch.toml").write_text(toml, encoding="utf-8")
    return workdir


class LagSampler(threading.Thread):
    """Samples the entries waiting in the stream (never delivered + delivered but unacknowledged)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.stream = Stream(url)
        self.max_lag = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            try:
                backlog = self.stream.backlog()
            except redis.RedisError:
                continue
            self.max_lag = max(self.max_lag, (backlog["waiting"] or 0) + backlog["pending"])


def local_row(base: Path, sites_toml: str) -> Row:
    workdir = fresh(base, "local", sites_toml)
    start = time.monotonic()
    cli(workdir, "crawl", *SPEED)
    return Row("local (one process, as today)", pages_recorded(workdir), time.monotonic() - start)


def cluster_row(base: Path, label: str, redis: RedisServer, nodes: list[Node], sites_toml: str) -> Row:
    redis_flush(redis)
    urls = ", ".join(f'"{n.url}"' for n in nodes)
    workdir = fresh(base, label, f'[cluster]\nredis = "{redis.url}"\nnodes = [{urls}]\n\n{sites_toml}')
    recorder = Recorder(workdir / "eduwatch.db", workdir / "eduwatch.toml", workdir / "recorder.log").start()
    time.sleep(1.0)  # let it open the database and the group before the clock starts
    sampler = LagSampler(redis.url)
    sampler.start()
    before = cpu_s(recorder.process.pid)
    start = time.monotonic()
    cli(workdir, "crawl", *SPEED)
    wall = time.monotonic() - start
    used = cpu_s(recorder.process.pid) - before
    sampler.done.set()
    recorder.stop()
    return Row(label, pages_recorded(workdir), wall, used, sampler.max_lag)


def drain_rows(base: Path, redis: RedisServer, nodes: list[Node], sites_toml: str) -> tuple[Row, float]:
    """Crawl with no recorder (pages pile up in Redis), measure Redis memory, then time one recorder draining."""
    redis_flush(redis)
    client = Stream(redis.url).redis
    empty = int(client.info("memory")["used_memory"])
    urls = ", ".join(f'"{n.url}"' for n in nodes)
    workdir = fresh(base, "drain", f'[cluster]\nredis = "{redis.url}"\nnodes = [{urls}]\n\n{sites_toml}')
    cli(workdir, "crawl", "--no-wait", *SPEED)
    while any(ScrapydClient(n.url).daemon_status().running or ScrapydClient(n.url).daemon_status().pending
              for n in nodes):
        time.sleep(0.5)
    entries = Stream(redis.url).length()
    per_1000_mb = (int(client.info("memory")["used_memory"]) - empty) / entries * 1000 / 2**20
    bodies = [len(fields.get(b"body", b"")) for _id, fields in client.xrange("eduwatch:pages")]
    print(f"stream: {entries} entries, mean page body {sum(bodies) / max(1, len(bodies)) / 1024:.1f} KiB",
          file=sys.stderr)
    recorder = subprocess.Popen([sys.executable, "-m", "crawler", "record", "--once", "--db",
                                 str(workdir / "eduwatch.db"), "--config", str(workdir / "eduwatch.toml")],
                                cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stderr=subprocess.DEVNULL)
    start = time.monotonic()
    _pid, _status, usage = os.wait4(recorder.pid, 0)
    wall = time.monotonic() - start
    return Row("one recorder draining a backlog (its ceiling)", pages_recorded(workdir), wall,
               usage.ru_utime + usage.ru_stime), per_1000_mb


def redis_flush(redis: RedisServer) -> None:
    with Stream(redis.url) as stream:
        stream.redis.flushall()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="articles in the mirror")
    parser.add_argument("--templates", default="moe,ccgp,caigou,ceiea", help="site templates, comma-separated")
    args = parser.parse_args(argv)
    templates = args.templates.split(",")
    mirror = MirrorProcess(templates, args.pages)
    base = Path(tempfile.mkdtemp(prefix="eduwatch-cluster-bench-"))
    sites_toml = config_text(mirror.url, build_mirror(templates, args.pages))
    redis = RedisServer(base / "redis").start()
    node_toml = base / "node.toml"
    node_toml.write_text(f'[cluster]\nredis = "{redis.url}"\nnodes = ["http://127.0.0.1:1"]\n', encoding="utf-8")
    nodes = [Node(base / f"node{i}", node_toml, free_port()) for i in range(2)]
    try:
        for node in nodes:
            node.start()
        rows = [local_row(base, sites_toml),
                cluster_row(base, "one node + recorder", redis, nodes[:1], sites_toml),
                cluster_row(base, "two nodes + recorder", redis, nodes, sites_toml)]
        drain, per_1000_mb = drain_rows(base, redis, nodes, sites_toml)
    finally:
        for node in nodes:
            node.stop()
        redis.stop()
        mirror.close()
        shutil.rmtree(base, ignore_errors=True)
    print(f"\n{args.pages} articles over {len(templates)} sites ({', '.join(templates)}); "
          f"{platform.python_version()}, {os.cpu_count()} cores, all parts on this machine\n")
    print("| mode | pages | wall s | pages/s | recorder CPU ms/page | max stream lag |")
    print("|---|---|---|---|---|---|")
    for row in [*rows, drain]:
        cpu = f"{row.recorder_cpu_s / row.pages * 1000:.2f}" if row.recorder_cpu_s is not None else "–"
        lag = str(row.max_lag) if row.max_lag is not None else "–"
        print(f"| {row.label} | {row.pages} | {row.wall_s:.1f} | {row.rate:.0f} | {cpu} | {lag} |")
    ceiling = 1000 / (drain.recorder_cpu_s / drain.pages * 1000)
    print(f"\nrecorder ceiling: {drain.rate:.0f} pages/s measured draining; {ceiling:.0f} pages/s per core of CPU")
    print(f"Redis memory: {per_1000_mb:.1f} MiB per 1,000 pages in flight (bodies included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
