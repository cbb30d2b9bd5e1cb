"""The `eduwatch` command: argument parsing and output only; the work happens in the stages it calls."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from crawler.clock import parse_when
from crawler.config import DEFAULT_DB, Config, load_config
from crawler.errors import EduwatchError, UsageError
from crawler.model import ChangeKind
from storage.errors import StorageError

EPILOG_EXAMPLES = {
    "extract": "example: eduwatch extract --json page1.html page2.html   |   eduwatch extract --url http://www.moe.gov.cn/x.html saved.html",
    "crawl": "example: eduwatch crawl --site moe   |   eduwatch crawl --url http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202402/t20240208_1114758.html",
    "changes": "example: eduwatch changes --since 2d --json",
    "history": "example: eduwatch history http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202402/t20240208_1114758.html --json",
    "diff": "example: eduwatch diff URL --from 1 --to 2",
    "search": "example: eduwatch search 实验室 --site ccgp --since 2026-01-01",
    "alerts": "example: eduwatch alerts --send",
    "schedule": "example: eduwatch schedule --config eduwatch.toml",
    "demo": "example: eduwatch demo   |   eduwatch demo --serve --keep ./demo   (then: eduwatch crawl --config ./demo/eduwatch.toml)",
    "reextract": "example: eduwatch reextract --site moe",
    "serve": "example: eduwatch serve --port 8080   (then open http://127.0.0.1:8080/)",
    "feed": "example: eduwatch feed --site ccgp --keyword 实验室 > ccgp.atom",
    "calendar": "example: eduwatch calendar --site ccgp > bids.ics",
}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="snapshot database (default: $EDUWATCH_DB, the config's database.path, or ./eduwatch.db)")
    common.add_argument("--config", help="configuration file (default: ./eduwatch.toml when present)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more on stderr")
    parser = argparse.ArgumentParser(
        prog="eduwatch", description="Track Chinese education-procurement and government news sites: "
        "crawl, keep every version, detect changes, alert by email.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text,
                              epilog=EPILOG_EXAMPLES[name])

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
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = command("alerts", "list pending, sent and failed alert emails; --send delivers pending ones now")
    p.add_argument("--send", action="store_true", help="deliver pending alerts now (retries included), then list")
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
    p = command("calendar", "an iCalendar file of bid deadlines (开标, 投标截止 …) with a reminder a day before")
    p.add_argument("--site", help="only this site's announcements")
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


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # here, so a reader that went away is noticed inside the handler below
        return code
    except BrokenPipeError:
        return _reader_gone()
    except UsageError as exc:
        return _fail(str(exc), code=2)
    except (EduwatchError, StorageError) as exc:  # the two roots of user-facing errors (storage sits below crawler/)
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")


def _reader_gone() -> int:
    """stdout's reader left (`eduwatch changes | head -1`): stop quietly, as Unix tools do, with the status a
    shell shows for them (128 + SIGPIPE); stdout goes to /dev/null so the exit flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE


def _fail(message: str, code: int = 1) -> int:
    print(f"eduwatch: error: {message}", file=sys.stderr)
    return code


# --- shared helpers ------------------------------------------------------------------------
def _config(args) -> Config:
    return load_config(args.config)


def _db_path(args, config: Config) -> str:
    return args.db or os.environ.get("EDUWATCH_DB") or (config.database if config.path else DEFAULT_DB)


def _open_store(args, config: Config | None = None, *, must_exist: bool = True, readonly: bool = False):
    """The database: readers (changes, history, diff, search) open it read-only, so they never migrate it,
    switch its journal mode or take a write lock while a crawl writes."""
    from storage import Store

    config = config or _config(args)
    path = _db_path(args, config)
    if must_exist and not os.path.exists(path):
        raise EduwatchError(f"no database at {path}; run `eduwatch crawl` first, or point --db / EDUWATCH_DB at it")
    return Store(path, readonly=readonly)


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# --- commands ---------------------------------------------------------------------------------
def cmd_extract(args) -> int:
    from crawler.cli.extract import extract_inputs

    return extract_inputs(args.inputs, url=args.url, charset=args.charset, as_json=args.json,
                          use_profiles=not args.generic)


def cmd_crawl(args) -> int:
    from crawler.cli.crawl import crawl

    config = _config(args)
    overrides = {}
    for item in args.settings:
        if "=" not in item:
            raise EduwatchError(f"-s {item!r}: write NAME=VALUE, e.g. -s DOWNLOAD_DELAY=0")
        name, value = item.split("=", 1)
        overrides[name.strip()] = value
    return crawl(config, _db_path(args, config), sites=args.site, urls=args.url, overrides=overrides,
                 verbose=args.verbose)


def _known_site(store, config: Config, name: str | None) -> None:
    """`--site` names a site the database or the config knows; a typo must not read as "no changes"."""
    if name is None or any(s.name == name for s in config.sites) or store.site(name) or store.pages(site=name):
        return
    known = sorted({s.name for s in config.sites} | {p["site"] for p in store.pages() if p["site"]})
    raise EduwatchError(f"unknown site {name!r} (known: {', '.join(known) or 'none yet'}); check the name, "
                        "or crawl the site first")


def cmd_changes(args) -> int:
    config = _config(args)
    with _open_store(args, config, readonly=True) as store:
        _known_site(store, config, args.site)
        rows = store.changes(since=parse_when(args.since), site=args.site, kind=args.kind, limit=args.limit)
    if args.json:
        _print_json([_change_json(r) for r in rows])
        return 0
    if not rows:
        print("no changes recorded" + (f" since {args.since}" if args.since else ""))
    for row in rows:
        versions = f"v{row['previous_version']}→v{row['version']}" if row.get("previous_version") else f"v{row.get('version') or '-'}"
        print(f"{row['detected_at']}  {row['kind']:<8} {versions:<8} {row.get('title') or ''}\n    {row['url']}")
        if row.get("summary"):
            print(f"    {row['summary']}")
    return 0


def _change_json(row: dict) -> dict:
    keys = ("url", "site", "kind", "detected_at", "title", "version", "previous_version", "summary", "related_url")
    out = {key: row.get(key) for key in keys}
    out["diff"] = row.get("diff_text")
    out["details"] = row.get("details")
    return out


def _stored_versions(store, url: str) -> list[dict]:
    from storage import NotFoundError

    try:
        versions = store.versions(url)
    except NotFoundError:
        versions = []
    if not versions:
        raise EduwatchError(f"no stored versions of {url}; crawl it first: eduwatch crawl --url {url}")
    return versions


def cmd_history(args) -> int:
    with _open_store(args, readonly=True) as store:
        page = store.page(args.url)
        fetches = store.fetches(args.url) if page and not page.get("latest_version") else []
        if fetches:  # crawled, but never with content: its failures are its history
            return _print_failures(args, page, fetches)
        versions = _stored_versions(store, args.url)
    if args.json:
        _print_json([{"version": v["version"], "first_seen": v["first_seen"], "last_seen": v["last_seen"],
                      "content_hash": v["content_hash"], "title": v["title"],
                      "attachments": [{"title": a.get("title"), "url": a.get("url"), "sha256": a.get("sha256"),
                                       "text_chars": a.get("text_chars")}
                                      for a in v["article"].get("attachments") or []]} for v in versions])
        return 0
    state = f" (state: {page['state']})" if page else ""
    print(f"{args.url}{state}")
    for v in versions:
        print(f"  v{v['version']}  {v['first_seen']} … {v['last_seen']}  {v['content_hash'][:12]}  {v['title']}")
    return 0


def _print_failures(args, page: dict, fetches: list[dict]) -> int:
    if args.json:
        _print_json([])
        print(f"{args.url}: no stored versions; {len(fetches)} failed check(s), see `eduwatch history URL`",
              file=sys.stderr)
        return 0
    print(f"{args.url} (state: {page['state']}): never stored; {len(fetches)} check(s), newest first:")
    for fetch in fetches:
        status = f"HTTP {fetch['status']}" if fetch.get("status") else "no response"
        error = fetch.get("error") if fetch.get("error") != status else ""
        print(f"  {fetch['at']}  {fetch['outcome']:<8} {status}  {error or ''}".rstrip())
    return 0


def cmd_diff(args) -> int:
    from crawler.track.compare import compare_versions

    with _open_store(args, readonly=True) as store:
        versions = _stored_versions(store, args.url)
        result = compare_versions(args.url, versions, args.from_version, args.to_version, store.attachment_document)
    from_v, to_v = result.from_version, result.to_version
    if result.same:
        print(f"v{from_v} and v{to_v} of {args.url} have the same content")
        return 0
    text, html, summary = result.rendered()
    if args.html:
        from crawler.clock import now_iso
        from crawler.web.widgets import standalone_diff

        title = result.new.get("title") or args.url
        print(standalone_diff(args.url, title, from_v, to_v, summary, html, now_iso()), end="")
        return 0
    print(f"{args.url}: v{from_v} → v{to_v}\n{summary}")
    print(text)
    return 0


def cmd_search(args) -> int:
    with _open_store(args, readonly=True) as store:
        hits = store.search(args.query, site=args.site, since=parse_when(args.since), until=parse_when(args.until),
                            limit=args.limit)
    if args.json:
        _print_json([{k: h.get(k) for k in ("url", "title", "published", "site", "snippet", "attachment")}
                     for h in hits])
        return 0
    if not hits:
        print(f"nothing found for {args.query!r}")
    for hit in hits:
        where = f"\n    附件《{hit['attachment']['title']}》 {hit['attachment']['url']}" if hit.get("attachment") else ""
        print(f"{hit.get('published') or '':<25} {hit['title']}\n    {hit['url']}{where}\n    {hit['snippet']}")
    return 0


def cmd_alerts(args) -> int:
    from crawler.cli.alerts import alerts

    config = _config(args)
    with _open_store(args, config, must_exist=False) as store:
        return alerts(store, config, send=args.send, as_json=args.json)


def cmd_schedule(args) -> int:
    from crawler.scheduler import run_scheduler

    config = _config(args)
    return run_scheduler(config, _db_path(args, config), config_path=args.config)


def cmd_demo(args) -> int:
    if args.serve:
        from crawler.demo.serve import serve_demo

        return serve_demo(args.keep, args.port)
    if args.port is not None:
        raise UsageError("--port goes with --serve: eduwatch demo --serve --port 8800")
    from crawler.demo.run import run_demo

    return run_demo(keep=args.keep)


def cmd_reextract(args) -> int:
    from crawler.track.reextract import reextract

    config = _config(args)
    with _open_store(args, config) as store:
        _known_site(store, config, args.site)
        report = reextract(store, site=args.site)
    print(f"re-extracted {report.versions} versions: {report.rewritten} rewritten, {report.unchanged} unchanged, "
          f"{report.missing_raw} without a stored raw page; {report.attachments_reread} attachment files re-read")
    return 0


def cmd_serve(args) -> int:
    from crawler.web.server import serve

    config = _config(args)
    return serve(_db_path(args, config), args.host, args.port, config)


def cmd_feed(args) -> int:
    from crawler.cli.feeds import feed
    from crawler.web.feed import FeedFilter

    config = _config(args)
    with _open_store(args, config, readonly=True) as store:
        return feed(store, config, FeedFilter(site=args.site, kind=args.kind, keyword=args.keyword), args.limit)


def cmd_calendar(args) -> int:
    from crawler.cli.feeds import calendar

    with _open_store(args, readonly=True) as store:
        return calendar(store, args.site)


COMMANDS = {
    "extract": cmd_extract, "crawl": cmd_crawl, "changes": cmd_changes, "history": cmd_history, "diff": cmd_diff,
    "search": cmd_search, "alerts": cmd_alerts, "schedule": cmd_schedule, "demo": cmd_demo, "reextract": cmd_reextract,
    "serve": cmd_serve, "feed": cmd_feed, "calendar": cmd_calendar,
}
