"""`eduwatch node`: a real scrapyd serving eduwatch's spiders, in the foreground until SIGTERM/SIGINT.

scrapyd runs a project without an egg when its working directory holds a scrapy.cfg naming the
project's settings module, so the node gets its own directory with one; its jobs' pages go to the
Redis stream (EDUWATCH_STREAM in their environment) instead of a database.
"""

from __future__ import annotations

import ctypes
import ipaddress
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from crawler.cluster.scrapyd_api import PROJECT, USERNAME, ScrapydClient
from crawler.config import ClusterConfig
from crawler.errors import NodeError, NodeStartError

logger = logging.getLogger(__name__)

STOP_GRACE_S = 30.0  # running jobs get this long to close their runs after SIGTERM
START_TIMEOUT_S = 60.0
PID_FILE = "scrapyd.pid"  # in the node directory: the scrapyd this node started, to name an orphan
_PR_SET_PDEATHSIG = 1  # linux/prctl.h



def node_config(settings_module: str, host: str, port: int) -> str:
    """The node directory's scrapy.cfg: the project for scrapyd, and scrapyd's own options."""
    return f"""# written by `eduwatch node`; rewritten at each start
[settings]
{PROJECT} = {settings_module}

[scrapyd]
bind_address = {host}
http_port = {port}
jobstorage = scrapyd.jobstorage.SqliteJobStorage
eggs_dir = eggs
logs_dir = logs
dbs_dir = dbs
items_dir =
poll_interval = 1.0
finished_to_keep = 1000
"""


def run_node(cluster: ClusterConfig, *, host: str, port: int, directory: Path) -> int:
    """Start scrapyd, wait for SIGTERM/SIGINT, stop its running jobs gracefully, then stop it."""
    from crawler.fetch import settings as settings_module
    from crawler.logsetup import ensure_stderr_logging

    ensure_stderr_logging()

    password = cluster.password()
    if cluster.password_env and not password:
        raise NodeStartError(f"[cluster] password_env names {cluster.password_env}, which is empty; set it to the "
                             "nodes' password, or remove password_env to run without basic auth")
    if not password and not _loopback(host):
        logger.warning("node bound to %s without a password: anyone who reaches it can start crawls; set "
                       "[cluster] password_env", host)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "scrapy.cfg").write_text(node_config(settings_module.__name__, host, port), encoding="utf-8")
    env = {**os.environ, "SCRAPYD_BIND_ADDRESS": host, "SCRAPYD_HTTP_PORT": str(port),
           "EDUWATCH_STREAM": cluster.redis, "PYTHONPATH": _pythonpath()}
    if password:
        env.update(SCRAPYD_USERNAME=USERNAME, SCRAPYD_PASSWORD=password)
    _refuse_a_taken_port(host, port, directory)
    process = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile="], cwd=directory, env=env,
                               preexec_fn=_die_with_parent)
    (directory / PID_FILE).write_text(f"{process.pid}\n", encoding="utf-8")
    client = ScrapydClient(f"http://{_connect_host(host)}:{port}", password=password)
    stop = _StopFlag()
    try:
        _wait_up(process, client, stop)
        logger.info("scrapyd listening on http://%s:%s (directory %s)", host, port, directory)
        while not stop.set and process.poll() is None:
            time.sleep(0.2)
        if process.poll() is not None:
            raise NodeStartError(f"scrapyd exited with status {process.returncode}; see its log above")
        _stop_jobs(client)
    finally:
        stop.restore()
        _stop(process)
        (directory / PID_FILE).unlink(missing_ok=True)
    return 0


def _die_with_parent() -> None:
    """In the scrapyd child: SIGTERM when the node dies, even by kill -9 (Linux), so no orphan keeps the port."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the orphan is named at the next start instead
        pass


def _refuse_a_taken_port(host: str, port: int, directory: Path) -> None:
    """Before starting scrapyd: a port already in use is one clear line (naming the orphan scrapyd of an
    earlier node in this directory when that is what holds it), not scrapyd's traceback."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
        return
    except OSError as exc:
        reason = exc.strerror or str(exc)
    orphan = _earlier_scrapyd(directory)
    if orphan:
        raise NodeStartError(f"port {port} is held by the scrapyd (pid {orphan}) of an earlier `eduwatch node` "
                             f"in {directory} that was killed without stopping it; stop it (kill {orphan}) and "
                             "start the node again")
    raise NodeStartError(f"cannot listen on {host}:{port} ({reason}); is another node or program using it? "
                         "choose another with --port")


def _earlier_scrapyd(directory: Path) -> int | None:
    """The pid in the directory's pid file when that process is alive and is scrapyd."""
    try:
        pid = int((directory / PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"scrapyd" in cmdline else None


class _StopFlag:
    def __init__(self):
        self.set = False
        self.previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _handle(self, signum, frame) -> None:
        self.set = True

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def _wait_up(process: subprocess.Popen, client: ScrapydClient, stop: _StopFlag) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not client.daemon_status().up:
        if process.poll() is not None:
            raise NodeStartError(f"scrapyd exited with status {process.returncode} at start; is port "
                                 f"{client.url.rsplit(':', 1)[1]} free? choose another with --port")
        if stop.set or time.monotonic() > deadline:
            raise NodeStartError(f"scrapyd did not answer on {client.url} within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.1)


def _stop_jobs(client: ScrapydClient) -> None:
    """Cancel what runs (Scrapy closes gracefully on SIGINT, so each run is closed as interrupted)."""
    try:
        jobs = client.list_jobs()
        for job in jobs.pending + jobs.running:
            client.cancel(job["id"])
        deadline = time.monotonic() + STOP_GRACE_S
        while client.daemon_status().running and time.monotonic() < deadline:
            time.sleep(0.2)
    except NodeError as exc:
        logger.warning("could not stop the node's jobs cleanly: %s", exc)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)


def _pythonpath() -> str:
    """eduwatch's own root first, so the crawls scrapyd starts import this very eduwatch."""
    root = str(Path(__file__).resolve().parents[2])
    rest = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{rest}" if rest else root
