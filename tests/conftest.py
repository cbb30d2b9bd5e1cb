"""Shared fixtures: a real fixture-site server, a real SMTP inbox, and the real `eduwatch` CLI in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demo.mailbox import LocalMailbox
from crawler.demo.run import FAST as DEMO_FAST
from crawler.demo.run import GENERIC_RULES
from crawler.demo.run import SPIDERS as SPIDER_OF
from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site, default_sites
from storage import Store

REPO = Path(__file__).resolve().parent.parent

# Fixtures that start a server, a crawl or a subprocess: a test using any of them is in the e2e tier.
E2E_FIXTURES = {"server", "workspace", "mailbox", "big_site", "smtp", "faulty", "site_url", "silent_url",
                "slow_site", "start", "archive", "baselined", "run", "redis_server", "cluster", "recorder"}
pytest_plugins = ["tests.cluster_servers"]  # redis_server and cluster fixtures for the cluster tests


def pytest_collection_modifyitems(items):
    """`pytest -m "not e2e"` is the fast tier: pure rules, extraction, storage, rendering."""
    for item in items:
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
FAST = [*DEMO_FAST, "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_TIMEOUT=5"]  # the demo's settings, failing faster


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 180,
            stdin: bytes | None = None) -> CliResult:
    """Run `python -m crawler ARGS` as a user would, in its own process (Scrapy's reactor runs once per process)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO)}
    full_env.pop("EDUWATCH_DB", None)  # tests say which database they use
    full_env.update(env or {})
    done = subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, timeout=timeout, input=stdin)
    return CliResult(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


def alive(pid: int) -> bool:
    """Running (a zombie nobody has reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def wait_until(condition, what: str, seconds: float = 90) -> None:
    """Poll until condition() holds: an upper bound for reaching a state, never a timing assertion."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def stored_versions(db: Path) -> dict[str, list[str]]:
    """Each stored page's version content hashes, oldest first: what two ways of recording must agree on."""
    with Store(db) as store:
        return {p["url"]: [v["content_hash"] for v in store.versions(p["url"])] for p in store.pages()}


def stored_version_count(db: Path) -> int:
    """Versions in the database, read-only, while a crawl may be writing it (0 before the schema exists)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def site_toml(server: SiteServer, names: list[str], *, recipients: list[str] | None = None,
              extra: dict[str, str] | None = None) -> str:
    """[[sites]] entries for the fixture sites mounted on `server`."""
    lines = []
    for name in names:
        site = server.sites[name]
        lines += ["[[sites]]", f'name = "{name}"', f'start_urls = ["{server.url_for(name, site.spec.list_path)}"]']
        if name in SPIDER_OF:
            lines.append(f'spider = "{SPIDER_OF[name]}"')
        else:
            follow, pagination = GENERIC_RULES[name]
            lines += [f"follow = '{follow}'", f"pagination = '{pagination}'"]
        lines.append("max_list_pages = 20")
        if recipients:
            lines.append("recipients = [" + ", ".join(f'"{r}"' for r in recipients) + "]")
        for key, value in (extra or {}).items():
            lines.append(f"{key} = {value}")
        lines.append("")
    return "\n".join(lines)


@dataclass
class Workspace:
    """A user's working folder: a config file, a database, and the CLI pointed at both."""

    dir: Path
    server: SiteServer

    @property
    def db(self) -> Path:
        return self.dir / "eduwatch.db"

    @property
    def config(self) -> Path:
        return self.dir / "eduwatch.toml"

    def write_config(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    def cli(self, *args: str, **kwargs) -> CliResult:
        return run_cli(*args, "--db", str(self.db), "--config", str(self.config), **kwargs)

    def crawl(self, *args: str) -> CliResult:
        result = self.cli("crawl", *args, *FAST)
        return result


@pytest.fixture
def sites():
    return default_sites()


@pytest.fixture
def server(sites):
    with SiteServer(sites) as srv:
        yield srv


@pytest.fixture
def workspace(tmp_path, server) -> Workspace:
    return Workspace(tmp_path, server)


@pytest.fixture
def mailbox():
    with LocalMailbox() as box:
        yield box


@pytest.fixture
def big_site():
    """A moe-template site with several list pages, for pagination."""
    return build_site("moe", 45, seed=3, per_page=20)
