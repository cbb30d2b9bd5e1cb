"""Crash safety: kill -9 mid-crawl or mid-send loses nothing and duplicates nothing; concurrent writers queue."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from crawler.demo.mailbox import free_port
from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from crawler.model import Article
from storage import Store
from tests.conftest import FAST, REPO, alive, run_cli, stored_version_count, wait_until
from tests.procs import descendants

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses


def _config(server: SiteServer, names: list[str], *, recipients: list[str] = (), smtp_port: int | None = None) -> str:
    lines = []
    if smtp_port:
        lines += ["[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'sender = "eduwatch@example.org"',
                  "timeout = 60", ""]
    for name in names:
        site = server.sites[name]
        lines += ["[[sites]]", f'name = "{name}"', f'start_urls = ["{server.url_for(name, site.spec.list_path)}"]',
                  f'spider = "{site.spec.template}"', f"max_list_pages = {len(site.list_paths()) + 2}"]
        if recipients:
            lines.append("recipients = [" + ", ".join(f'"{r}"' for r in recipients) + "]")
        lines.append("")
    return "\n".join(lines)


def _spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("EDUWATCH_DB", None)
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


# --- kill -9 during a crawl ----------------------------------------------------------------------------------
def test_kill_9_mid_crawl_leaves_a_sound_db_and_the_next_crawl_completes_without_duplicates(tmp_path):
    site = build_site("moe", 240, seed=5, per_page=20)
    with SiteServer({"moe": site}) as server:
        config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
        config.write_text(_config(server, ["moe"]), encoding="utf-8")
        proc = _spawn("crawl", "--config", str(config), "--db", str(db), *FAST, "-s", "DOWNLOAD_DELAY=0.02",
                      "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        wait_until(lambda: stored_version_count(db) >= 30 or proc.poll() is not None, "30 stored pages")
        assert proc.poll() is None, "the crawl ended before it could be killed; make the site larger"
        helpers = descendants(proc.pid)  # the recording worker (and multiprocessing's resource tracker)
        _kill(proc)
        killed_at = stored_version_count(db)
        wait_until(lambda: not any(alive(pid) for pid in helpers), "the crawl's helper processes to exit")
        assert 30 <= killed_at < 240

        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        _assert_versions_complete(db)

        again = run_cli("crawl", "--config", str(config), "--db", str(db), *FAST, timeout=180)
        assert again.code == 0, again.err
        urls = {server.url_for("moe", p) for p in site.article_paths()}
        with Store(db) as store:
            stored = {p["url"]: store.versions(p["url"]) for p in store.pages(site="moe")}
            changes = store.changes(limit=None)
        assert set(stored) == urls, "every article is stored after the second crawl"
        assert all(len(v) == 1 for v in stored.values()), "no duplicate versions from the interrupted run"
        assert changes == [], "the interrupted first crawl was no baseline; finishing it alerts nothing"
        _assert_versions_complete(db)
        with Store(db) as store:  # the killed crawl's run is closed by the next crawl, not left running for ever
            assert [(r["status"], r["stats"]["finish_reason"]) for r in reversed(store.runs())] == [
                ("interrupted", "process gone"), ("ok", "finished")]


def _assert_versions_complete(db: Path) -> None:
    with Store(db) as store:
        for page in store.pages():
            for version in store.versions(page["url"]):
                article = store.version(page["url"], version["version"])["article"]
                assert isinstance(article, dict) and article["url"] == page["url"]
                assert Article.from_dict(article).content_hash() == version["content_hash"], page["url"]


# --- kill -9 during alert sending --------------------------------------------------------------------------------
class GatedInbox:
    """A real SMTP server whose DATA step holds until released, so a sender can be killed mid-send."""

    def __init__(self):
        self.port = free_port()
        self.received: list[email.message.EmailMessage] = []
        self.arrived = threading.Event()
        self.gate = threading.Event()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.arrived.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.02)
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.gate.set()
        self.controller.stop()


def test_kill_9_mid_send_resends_the_same_message_id_never_a_different_email(tmp_path):
    site = build_site("moe", 12, seed=9, per_page=20)
    recipients = ["a@example.org", "b@example.org"]
    with SiteServer({"moe": site}) as server, GatedInbox() as inbox:
        config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
        config.write_text(_config(server, ["moe"], recipients=recipients), encoding="utf-8")  # no [smtp]: queue only
        assert run_cli("crawl", "--config", str(config), "--db", str(db), *FAST).code == 0
        path = site.article_paths()[0]
        sentence = site.article(path).paragraphs[0].split("。")[0]
        site.edit_sentence(path, sentence, sentence + "（修订）")
        assert run_cli("crawl", "--config", str(config), "--db", str(db), *FAST).code == 0
        with Store(db) as store:
            digests = {a["message_id"] for a in store.alerts()}
        assert len(digests) == 2 and all(a for a in digests), "one pending digest per recipient"

        config.write_text(_config(server, ["moe"], recipients=recipients, smtp_port=inbox.port), encoding="utf-8")
        sender = _spawn("alerts", "--send", "--config", str(config), "--db", str(db))
        wait_until(lambda: inbox.arrived.is_set() or sender.poll() is not None, "the first digest's DATA")
        assert sender.poll() is None
        _kill(sender)
        inbox.gate.set()  # the server finishes receiving what the dead sender had already transmitted

        again = run_cli("alerts", "--send", "--config", str(config), "--db", str(db))
        assert again.code == 0, again.err
        with Store(db) as store:
            alerts = store.alerts()
        wait_until(lambda: len({m["Message-ID"] for m in inbox.received}) >= 2, "both digests received")

    assert {a["status"] for a in alerts} == {"sent"} and {a["message_id"] for a in alerts} == digests
    by_id: dict[str, list] = {}
    for message in inbox.received:
        by_id.setdefault(message["Message-ID"], []).append(message)
    assert set(by_id) == digests, "only the stored digests' Message-IDs ever reach the inbox"
    for message_id, copies in by_id.items():
        assert len(copies) <= 2, f"{message_id}: at most one resend, from the kill window"
        bodies = {(c["Subject"], c["To"], c.get_body(("plain",)).get_content()) for c in copies}
        assert len(bodies) == 1, f"{message_id}: a resend must be the same email, not a different one"


# --- concurrent writers -------------------------------------------------------------------------------------------
OTHER_RUN_MISCOUNTED = ("eduwatch: error: 1 crawl run(s) did not finish; what was fetched is stored, "
                        "run the crawl again to complete it")


@pytest.mark.parametrize("second", ["crawl_other_site", "reextract"])
def test_two_writer_processes_at_once_never_fail_with_database_is_locked(tmp_path, second):
    sites = {"moe": build_site("moe", 80, seed=2, per_page=20), "ccgp": build_site("ccgp", 80, seed=2, per_page=20)}
    with SiteServer(sites) as server:
        config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
        config.write_text(_config(server, ["moe", "ccgp"]), encoding="utf-8")
        common = ["--config", str(config), "--db", str(db)]
        if second == "reextract":
            assert run_cli("crawl", *common, "--site", "ccgp", *FAST).code == 0
            other = ["reextract", *common]
        else:
            other = ["crawl", *common, "--site", "ccgp", *FAST]
        first = _spawn("crawl", *common, "--site", "moe", *FAST)
        parallel = _spawn(*other)
        outputs = [(p, p.communicate(timeout=180)[1].decode("utf-8", "replace")) for p in (first, parallel)]
        for proc, err in outputs:
            assert "database is locked" not in err and "Traceback" not in err, err
            # Known bug (issue 16, item 2): the crawl command counts every run started after it, so a crawl that ends while
            # the other process's run is still going reports that run as "did not finish" and exits 1.
            assert proc.returncode == 0 or err.strip() == OTHER_RUN_MISCOUNTED, err
        with Store(db) as store:
            counts = {name: len(store.pages(site=name)) for name in sites}
            assert {r["status"] for r in store.runs(limit=20)} == {"ok"}, "every run finished"
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert counts == {"moe": 80, "ccgp": 80}
