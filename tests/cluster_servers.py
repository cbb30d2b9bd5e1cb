"""Real cluster parts for tests: redis-server and `eduwatch node` processes on free loopback ports.

Each is started in its own process group and stopped by PID (its group), never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.cluster.scrapyd_api import ScrapydClient

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition, what: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            raise RuntimeError(f"{what}: exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


def _stop_group(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30) -> None:
    """Signal the process group we started (by its PID), then make sure nothing of it is left."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # leftovers of the group (crawl children of scrapyd)
    except ProcessLookupError:
        pass
    process.wait()


class RedisServer:
    """redis-server with an append-only file (everysec) in `directory`, on a free port."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "redis.log"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
             "--logfile", str(log)], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        log.touch()
        _wait(self._answers, f"redis-server on port {self.port}", self.process, log)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9: what the append-only file holds is all that survives."""
        _stop_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)


class Node:
    """`eduwatch node` (a real scrapyd) on a free port, with its own directory."""

    def __init__(self, directory: Path, config: Path, port: int | None = None, env: dict | None = None):
        self.directory = directory
        self.config = config
        self.port = port or free_port()
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Node:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "node.log"
        env = {**os.environ, "PYTHONPATH": str(REPO), **self.env}
        env.pop("EDUWATCH_DB", None)
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "crawler", "node", "--config", str(self.config), "--port", str(self.port),
                 "--dir", str(self.directory / "scrapyd")], cwd=self.directory, env=env,
                start_new_session=True, stdout=out, stderr=subprocess.STDOUT)
        client = ScrapydClient(self.url, password=self.env.get("EDUWATCH_SCRAPYD_PASSWORD"))
        _wait(lambda: client.daemon_status().up, f"eduwatch node on port {self.port}", self.process, log)
        return self

    def stop(self) -> None:
        """SIGTERM to the node: it cancels its jobs, then stops scrapyd."""
        if self.process is not None:
            _stop_group(self.process)

    def kill(self) -> None:
        """The machine dies: node, scrapyd and its crawls killed at once."""
        _stop_group(self.process, signal.SIGKILL)

    def log(self) -> str:
        return (self.directory / "node.log").read_text(errors="replace")


def need_redis() -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)")


@pytest.fixture
def redis_server(tmp_path):
    need_redis()
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


class Recorder:
    """`eduwatch record` in the background, as a real deployment runs it."""

    def __init__(self, db: Path, config: Path, log: Path):
        self.db, self.config, self.log_path = db, config, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Recorder:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("EDUWATCH_DB", None)
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "crawler", "record", "--db", str(self.db), "--config", str(self.config)],
                cwd=self.db.parent, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> int:
        """SIGTERM: the recorder finishes its entry and exits 0."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        os.kill(self.process.pid, signal.SIGTERM)
        code = self.process.wait(timeout=60)
        _stop_group(self.process)
        return code

    def kill(self) -> None:
        _stop_group(self.process, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Cluster:
    """Redis and two `eduwatch node` processes on loopback, with the [cluster] table that names them."""

    def __init__(self, directory: Path, redis_server: RedisServer, n_nodes: int = 2):
        self.directory = directory
        self.redis = redis_server
        ports = [free_port() for _ in range(n_nodes)]
        directory.mkdir(parents=True, exist_ok=True)
        self.node_config = directory / "node.toml"
        self.node_config.write_text(self.toml_for(ports), encoding="utf-8")
        self.nodes = [Node(directory / f"node{i}", self.node_config, port) for i, port in enumerate(ports)]

    def toml_for(self, ports: list[int]) -> str:
        nodes = ", ".join(f'"http://127.0.0.1:{port}"' for port in ports)
        return f'[cluster]\nredis = "{self.redis.url}"\nnodes = [{nodes}]\n\n'

    @property
    def toml(self) -> str:
        return self.toml_for([node.port for node in self.nodes])

    def start(self) -> Cluster:
        for node in self.nodes:
            node.start()
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


@pytest.fixture
def cluster(tmp_path, redis_server):
    parts = Cluster(tmp_path / "cluster", redis_server)
    try:
        yield parts.start()
    finally:
        parts.stop()
