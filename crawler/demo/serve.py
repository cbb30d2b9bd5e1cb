"""`eduwatch demo --serve`: keep the sample sites and SMTP inbox up until Ctrl-C, with a config pointing at them."""

from __future__ import annotations

import logging
import signal
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo.browser_sites import add_challenge_site
from crawler.demo.mailbox import LocalMailbox
from crawler.demo.reach_sites import add_shape_sites
from crawler.demo.run import make_edits, write_config
from crawler.demo.server import SiteServer
from crawler.demo.sites import default_sites
from crawler.errors import EduwatchError

log = logging.getLogger(__name__)
DEFAULT_DIR = "eduwatch-demo"
SCHEDULE = "10m"  # written into each [[sites]] so `eduwatch schedule` has something to run


def previous_ports(config: Path) -> tuple[int, int | None]:
    """The site and SMTP ports a kept demo config points at (0 / None when there is none), so its database's
    URLs stay the same when the sites come back up."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        site_port = urlsplit(data["sites"][0]["start_urls"][0]).port or 0
        return site_port, data.get("smtp", {}).get("port")
    except (OSError, tomllib.TOMLDecodeError, KeyError, IndexError, TypeError, ValueError):
        return 0, None


def serve_demo(keep: str | None, port: int | None = None, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C / SIGTERM (or `stop` is set); print each alert email as it arrives."""
    workdir = Path(keep or DEFAULT_DIR).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    db, config = workdir / "demo.db", workdir / "eduwatch.toml"
    old_port, old_smtp = previous_ports(config)
    sites = default_sites()
    add_challenge_site(sites)  # behind a JavaScript challenge: mounted when a Chromium is installed
    add_shape_sites(sites)  # a Hanweb 教育厅, a 政采云-style JSON portal, a date-window search
    make_edits(sites)  # as `eduwatch demo` leaves them, so its kept database sees no change it did not make
    stop = stop or threading.Event()
    try:
        server, mailbox = SiteServer(sites, port=port if port is not None else old_port), LocalMailbox(old_smtp)
        server.start()
    except OSError as exc:
        raise EduwatchError(f"cannot serve the sample sites on port {port or old_port}: {exc}; "
                            "choose another with --port") from None
    try:
        mailbox.start()
    except (OSError, RuntimeError) as exc:
        server.stop()
        raise EduwatchError(f"cannot start the local SMTP inbox on port {old_smtp}: {exc}") from None
    _stop_on_sigterm(stop)
    try:
        write_config(config, server, mailbox.port, db, schedule=SCHEDULE)
        print(f"sample sites on {server.url} ({len(sites)} sites); SMTP inbox on 127.0.0.1:{mailbox.port}\n"
              f"config: {config}\n"
              f"in another terminal:\n"
              f"  eduwatch crawl --config {config}        # crawl once (the first crawl of a site is its baseline)\n"
              f"  eduwatch schedule --config {config}     # crawl every {SCHEDULE}, mail alerts to this inbox\n"
              f"  eduwatch serve --config {config}        # browse changes, diffs and alerts\n"
              "Ctrl-C stops the sites and the inbox.", flush=True)
        _watch_inbox(mailbox, stop)
    except KeyboardInterrupt:
        pass
    finally:
        mailbox.stop()
        server.stop()
    print(f"stopped; the config and database stay in {workdir}", flush=True)
    return 0


def _watch_inbox(mailbox: LocalMailbox, stop: threading.Event) -> None:
    seen = 0
    while not stop.wait(0.2):
        with mailbox.lock:
            arrived = mailbox.messages[seen:]
            to = mailbox.envelopes[seen:]
        for message, (_, recipients) in zip(arrived, to, strict=True):
            print(f"mail to {', '.join(recipients)}: {message['subject']}", flush=True)
        seen += len(arrived)


def _stop_on_sigterm(stop: threading.Event) -> None:
    """SIGTERM and Ctrl-C both end the watch loop at its next tick, so shutdown runs in the normal flow (a
    KeyboardInterrupt raised at an arbitrary point could leave the inbox or the sites half stopped)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
