"""`eduwatch demo`: the whole pipeline offline in under a minute.

Serves the bundled sample sites on 127.0.0.1, starts a local SMTP server, crawls a baseline, edits
pages (a sentence, a budget) and adds pure noise (a view counter), crawls again, then prints the
detected changes and the alert email that arrived. Exits 1 if no change or no email came through.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from crawler.demo.browser_sites import (
    CHALLENGE_LABEL,
    CHALLENGE_SITE,
    add_challenge_site,
    edit_challenge_site,
)
from crawler.demo.mailbox import LocalMailbox
from crawler.demo.reach_sites import LABELS as SHAPE_LABELS
from crawler.demo.reach_sites import add_shape_sites, edit_shape_sites, shape_entry
from crawler.demo.server import SiteServer
from crawler.demo.sites import default_sites
from storage import Store

# Navigation for the templates that have no dedicated spider: a [[sites]] entry's follow/pagination.
GENERIC_RULES = {
    "zj": (r"/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$", r"/col/col\d+/index_\d+\.html$"),
    "gd": (r"/zxzx/tzgg/content/post_\d+\.html$", r"/zxzx/tzgg/index_\d+\.html$"),
    "portal": (r"/a/\d{8}/\d+\.html$", r"/news/index_\d+\.html$"),
}
GENERIC_RULES[CHALLENGE_SITE] = GENERIC_RULES["gd"]  # the site behind a 412 challenge is drawn like gd
SPIDERS = {"caigou": "caigou", "moe": "moe", "moe_old": "moe", "ccgp": "ccgp", "ceiea": "ceiea"}
LABELS = {"caigou": "中国教育装备采购网", "moe": "教育部", "moe_old": "教育部（旧版）", "ccgp": "中国政府采购网",
          "ceiea": "中国教育装备网", "zj": "浙江省教育厅", "gd": "广东省教育厅", "portal": "教育新闻门户",
          CHALLENGE_SITE: CHALLENGE_LABEL, **SHAPE_LABELS}
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "EDUWATCH_PROGRESS_INTERVAL=0"]


KEPT_NOTE = ("# The sample sites and SMTP inbox this file points at stopped with `eduwatch demo`.\n"
             "# `eduwatch demo --serve --keep {dir}` brings them back on the same ports (until Ctrl-C)\n"
             "# and rewrites this file; then crawl or schedule it from another terminal (see README).\n")


def write_config(path: Path, server: SiteServer, smtp_port: int, db: Path, *, schedule: str | None = None,
                 note: str = "") -> None:
    lines = [f'{note}[database]\npath = "{db.as_posix()}"\n',
             f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsender = "eduwatch@demo.local"\n']
    for name, site in server.sites.items():
        lines.append("[[sites]]")
        lines.append(f'name = "{name}"\nlabel = "{LABELS.get(name, name)}"')
        shape = shape_entry(name, server.url_for(name, ""))  # Hanweb, JSON API and search sites (reach_sites.py)
        if shape is None:
            lines.append(f'start_urls = ["{server.url_for(name, site.spec.list_path)}"]')
        if shape is not None:
            lines += shape[0]
        elif name in SPIDERS:
            lines.append(f'spider = "{SPIDERS[name]}"')
        else:
            follow, pagination = GENERIC_RULES[name]
            lines.append(f"follow = '{follow}'\npagination = '{pagination}'")
        if schedule:
            lines.append(f'schedule = "{schedule}"')
        lines.append('recipients = ["analyst@demo.local"]\n' + (shape[1] if shape else ""))
    # written beside and moved into place: a crawl or scheduler reading the file while `demo --serve` rewrites it
    # sees the old config or the new one, never an empty or half-written file
    part = path.with_name(path.name + ".part")
    part.write_text("\n".join(lines), encoding="utf-8")
    part.replace(path)


def crawl(config: Path, db: Path) -> int:
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db), *FAST]
    return subprocess.run(command, check=False).returncode


def make_edits(sites) -> list[str]:
    """A reworded sentence on 教育部, a raised budget on 中国政府采购网, and noise only on caigou."""
    moe = sites["moe"]
    path = moe.article_paths()[0]
    sentence = moe.article(path).paragraphs[0].split("。")[0]
    moe.edit_sentence(path, sentence, sentence + "，并将于年底前完成验收")
    ccgp = sites["ccgp"]
    tender = next(p for p in ccgp.article_paths() if "预算金额" in ccgp.article(p).fields)
    ccgp.set_field(tender, "预算金额", "1,350,000.00元")
    caigou = sites["caigou"]
    caigou.set_noise(caigou.article_paths()[0], views=99999)
    return [f"moe{path}", f"ccgp{tender}", *edit_challenge_site(sites), *edit_shape_sites(sites)]


def run_demo(keep: str | None = None) -> int:
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="eduwatch-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db, config = workdir / "demo.db", workdir / "eduwatch.toml"
    for stale in workdir.glob("demo.db*"):
        stale.unlink() if stale.is_file() else None
    sites = default_sites()
    add_challenge_site(sites)  # behind a JavaScript challenge: mounted when a Chromium is installed
    add_shape_sites(sites)  # a Hanweb 教育厅, a 政采云-style JSON portal, a date-window search
    with SiteServer(sites) as server, LocalMailbox() as mailbox:
        write_config(config, server, mailbox.port, db, note=KEPT_NOTE.format(dir=workdir) if keep else "")
        print(f"== sample sites on {server.url} ({len(sites)} templates); SMTP on 127.0.0.1:{mailbox.port}")
        print("== 1. baseline crawl (first crawl of a site raises no alerts)")
        crawl(config, db)
        edited = make_edits(sites)
        print(f"== 2. edited {', '.join(edited)}; bumped a view counter on caigou (noise: must raise nothing)")
        print("== 3. second crawl")
        crawl(config, db)
        found = show_changes(db)
        mails = list(mailbox.messages)
    print(f"== 5. {len(mails)} alert email(s) received by the local SMTP server")
    for message in mails:
        show_email(message)
    print(f"(database and config kept in {workdir}" + (f"; `eduwatch demo --serve --keep {workdir}` brings the "
          "sample sites and inbox back up to go on crawling them)" if keep else ")"))
    return 0 if found and mails else 1


def show_changes(db: Path) -> int:
    with Store(db) as store:
        changes = [c for c in store.changes() if c["kind"] != "health"]
    print(f"== 4. {len(changes)} change(s) detected")
    for change in changes:
        print(f"-- [{change['kind']}] {change['title']}\n   {change['url']}\n   {change.get('summary') or ''}")
        print("   " + (change.get("diff_text") or "").replace("\n", "\n   "))
    return len(changes)


def show_email(message) -> None:
    print(f"   Subject: {message['subject']}\n   To: {message['to']}\n   Message-ID: {message['message-id']}")
    text = message.get_body(preferencelist=("plain",))
    if text is not None:
        print("   " + text.get_content()[:1500].replace("\n", "\n   "))
