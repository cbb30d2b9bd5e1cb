"""The `eduwatch` command line's grammar: every command, option, help text and example (README's table mirrors it)."""

from __future__ import annotations

import argparse

from crawler.cli.cluster import add_cluster_parsers
from crawler.model import ChangeKind

EPILOG_EXAMPLES = {
    "probe": "example: eduwatch probe http://jyt.zj.gov.cn/col/col1532973/index.html --name zjjyt >> eduwatch.toml",
    "extract": "example: eduwatch extract --json page1.html page2.html   |   eduwatch extract --url http://www.moe.gov.cn/x.html saved.html",
    "crawl": "example: eduwatch crawl --site moe   |   eduwatch crawl --url http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202402/t20240208_1114758.html",
    "changes": "example: eduwatch changes --since 2d --json",
    "history": "example: eduwatch history http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202402/t20240208_1114758.html --json",
    "diff": "example: eduwatch diff URL --from 1 --to 2",
    "search": "example: eduwatch search 实验室 --site ccgp --since 2026-01-01   |   eduwatch search 实验室 --limit 20 --offset 20",
    "alerts": "example: eduwatch alerts --send   |   eduwatch alerts --retry-failed --channel bids-dingtalk",
    "schedule": "example: eduwatch schedule --config eduwatch.toml",
    "demo": "example: eduwatch demo   |   eduwatch demo --serve --keep ./demo   (then: eduwatch crawl --config ./demo/eduwatch.toml)",
    "reextract": "example: eduwatch reextract --site moe",
    "serve": "example: eduwatch serve --port 8080   (then open http://127.0.0.1:8080/)",
    "feed": "example: eduwatch feed --site ccgp --keyword 实验室 > ccgp.atom",
    "calendar": "example: eduwatch calendar --site ccgp > bids.ics",
    "subscriptions": "example: eduwatch subscriptions   |   eduwatch subscriptions test lab-zj --since 30d",
    "projects": "example: eduwatch projects --status awarded --region 浙江 --since 30d --json",
    "project": "example: eduwatch project ZJ-2024-001   |   eduwatch project http://www.ccgp.gov.cn/cggg/dfgg/gkzb/202406/t20240601_1.htm",
    "node": "example: eduwatch node --host 0.0.0.0 --port 6800 --dir /var/lib/eduwatch-node",
    "record": "example: eduwatch record   |   eduwatch record --once",
    "nodes": "example: eduwatch nodes --json",
}


def installed_version() -> str:
    """The installed distribution's version (pyproject.toml's), for `eduwatch --version` and bug reports."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eduwatch")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e . in the checkout)"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="snapshot database (default: $EDUWATCH_DB, the config's database.path, or ./eduwatch.db)")
    common.add_argument("--config", help="configuration file (default: ./eduwatch.toml when present)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more on stderr")
    no_db = argparse.ArgumentParser(add_help=False)  # for commands that open no database (`node`)
    no_db.add_argument("--config", help="configuration file (default: ./eduwatch.toml when present)")
    no_db.add_argument("-v", "--verbose", action="store_true", help="log more on stderr")
    parser = argparse.ArgumentParser(
        prog="eduwatch", description="Track Chinese education-procurement and government news sites: "
        "crawl, keep every version, detect changes, alert by email and chat (WeCom, DingTalk, Feishu, webhooks).")
    parser.add_argument("--version", action="version", version=f"eduwatch {installed_version()}",
                        help="print eduwatch's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, db: bool = True) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common if db else no_db], help=help_text, description=help_text,
                              epilog=EPILOG_EXAMPLES[name])

    p = command("probe", "fetch a list page, recognise its shape (HTML, Hanweb, script list, JSON) and print a "
                "ready [[sites]] block plus the first three articles it would record")
    p.add_argument("url", help="the list page's address (a column, a search result page, a JSON list)")
    p.add_argument("--name", help="the site's name in the block (default: guessed from the host)")
    p.add_argument("--json", action="store_true", help='print {"shape", "challenge", "site", "articles"} as JSON')

    p = command("extract", "run the extractor on pages (files, URLs, or - for stdin) and print the records")
    p.add_argument("inputs", nargs="+", metavar="FILE|URL|-", help="saved HTML files, http(s) URLs, or - for stdin")
    p.add_argument("--url", help="the page's address, when extracting a saved file (resolves links, picks the profile)")
    p.add_argument("--charset", help="the charset the server declared for the saved file, if known")
    p.add_argument("--json", action="store_true", help="print JSON (one object per line for several inputs)")
    p.add_argument("--generic", action="store_true", help="skip the site profiles; use the generic path only")

    p = command("crawl", "crawl once: configured sites (list → articles) or given article URLs; store and detect changes")
    p.add_argument("--site", action="append", default=[], metavar="NAME", help="only this configured site (repeatable)")
    p.add_argument("--url", action="append", default=[], metavar="URL", help="crawl just this article URL (repeatable)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                   help="override a Scrapy setting for this run, e.g. -s DOWNLOAD_DELAY=0")
    p.add_argument("--local", action="store_true", help="with [cluster]: crawl in this process, not on the nodes")
    p.add_argument("--no-wait", action="store_true", help="with [cluster]: return once the jobs are dispatched")

    p = command("changes", "the detected changes, newest first")
    p.add_argument("--since", metavar="WHEN", help="ISO date/time, or an age such as 90m, 12h, 3d")
    p.add_argument("--site", help="only this site")
    p.add_argument("--kind", choices=[str(k) for k in ChangeKind], help="only this kind of change")
    p.add_argument("--limit", type=int, default=None, help="at most this many changes")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = command("history", "the stored versions of one page, oldest first")
    p.add_argument("url", help="the page's URL, as crawled")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = command("diff", "the difference between two stored versions of a page (default: the last two)")
    p.add_argument("url", help="the page's URL, as crawled")
    p.add_argument("--from", dest="from_version", type=_version, metavar="V", help="the older version (default: the one before --to)")
    p.add_argument("--to", dest="to_version", type=_version, metavar="V", help="the newer version (default: the latest)")
    p.add_argument("--html", action="store_true", help="print a standalone HTML document (meta charset, styles) to open in a browser or mail on")

    p = command("search", "full-text search over the stored articles (Chinese of any length)")
    p.add_argument("query", help="words to find (Chinese of any length); every word must match")
    p.add_argument("--site", help="only this site")
    p.add_argument("--since", metavar="WHEN", help="published on or after: ISO date/time, or an age such as 3d")
    p.add_argument("--until", metavar="WHEN", help="published on or before: ISO date/time, or an age")
    p.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip this many results first: the next page (default 0)")
    p.add_argument("--json", action="store_true", help="print a JSON list (the total goes to stderr)")

    p = command("alerts", "list pending, sent and failed alerts (emails and chat messages); --send delivers pending "
                "ones now, --retry-failed sends failed ones again once their cause is fixed")
    p.add_argument("--send", action="store_true", help="deliver pending alerts now (retries included), then list")
    p.add_argument("--retry-failed", action="store_true",
                   help="put failed alerts back in the queue and deliver them now (after fixing a secret or channel)")
    p.add_argument("--channel", metavar="NAME", help="only this channel's alerts ([[channels]] name, or email)")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    command("schedule", "run the scheduler in the foreground until SIGINT/SIGTERM")
    p = command("demo", "the whole pipeline offline: local sample sites, crawl, edit, crawl again, show the change")
    p.add_argument("--keep", metavar="DIR", help="keep the demo's database and config in DIR")
    p.add_argument("--serve", action="store_true", help="keep the sample sites and an SMTP inbox up until Ctrl-C and "
                   "write a config pointing at them (in --keep DIR, default ./eduwatch-demo) to crawl or schedule")
    p.add_argument("--port", type=int, help="with --serve: the sample sites' port (default: the kept config's, or any)")
    p = command("reextract", "rebuild stored versions from the raw pages after the extractor improved (no alerts)")
    p.add_argument("--site", help="only this site's versions")
    p = command("serve", "a read-only web view of the archive: changes, page histories, diffs, search, alerts")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p = command("feed", "an Atom 1.0 feed of the detected changes, newest first, for feed readers")
    p.add_argument("--site", help="only this site")
    p.add_argument("--kind", choices=[str(k) for k in ChangeKind], help="only this kind of change")
    p.add_argument("--keyword", metavar="WORD", help="only changes whose title, summary or diff contains WORD")
    p.add_argument("--limit", type=int, default=100, help="at most this many entries (default 100)")
    p.add_argument("--subscription", metavar="NAME", help="only changes this [[subscriptions]] entry matches")
    p = command("calendar", "an iCalendar file of bid deadlines (开标, 投标截止 …) with a reminder a day before")
    p.add_argument("--site", help="only this site's announcements")
    p.add_argument("--subscription", metavar="NAME", help="only notices this [[subscriptions]] entry follows")
    p = command("subscriptions", "the [[subscriptions]]; `test NAME` prints what one would have received (no mail sent)")
    p.add_argument("action", nargs="?", choices=["list", "test"], default="list",
                   help="list (default): the subscriptions; test: replay stored changes through subscription NAME")
    p.add_argument("name", nargs="?", help="with test: the subscription's name")
    p.add_argument("--since", metavar="AGE", default="30d", help="with test: changes detected since (default 30d)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = command("projects", "procurement projects (a tender's notices across sites): status, deadlines, budget, awards")
    p.add_argument("--status", choices=["open", "corrected", "awarded", "failed", "cancelled"], help="only this status")
    p.add_argument("--keyword", metavar="K", help="only projects whose name, buyer, number, notices or winners contain K")
    p.add_argument("--region", metavar="R", help="only this province or city (浙江 holds 杭州市)")
    p.add_argument("--since", metavar="AGE", help="updated on or after: ISO date/time, or an age such as 30d")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = command("project", "one project's timeline: each notice, what it changed, copies on other sites, the awards")
    p.add_argument("key", help="the project's number (项目编号, any width or case) or the URL of one of its notices")
    p.add_argument("--json", action="store_true", help="print the project as one JSON object")
    add_cluster_parsers(command)
    return parser


def _version(text: str) -> int:
    """A version number as `history` lists them: 1, 2, 3 … (0 used to mean "the default")."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a version number; versions count from 1 (see eduwatch history URL)")
    return number
