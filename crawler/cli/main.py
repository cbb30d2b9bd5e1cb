"""The `eduwatch` command: argument parsing and output only; the work happens in the stages it calls."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
from typing import NoReturn

from crawler.cli.cluster import run_cluster_command
from crawler.cli.fast_exit import exit_now
from crawler.cli.parser import EPILOG_EXAMPLES, build_parser  # noqa: F401 (EPILOG_EXAMPLES: tests read it here)
from crawler.clock import display_time, parse_when, zoned_iso
from crawler.config import DEFAULT_DB, Config, load_config
from crawler.errors import EduwatchError, UsageError
from storage.errors import StorageError, fatal_error


def main(argv: list[str] | None = None) -> int:
    args = None
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
    except (sqlite3.DatabaseError, OSError) as exc:  # a full disk or a damaged file, met anywhere: one line
        fatal = fatal_error(exc, getattr(args, "db", None) or os.environ.get("EDUWATCH_DB") or "the database")
        if fatal is None:
            raise
        return _fail(str(fatal))


def run() -> NoReturn:
    """The `eduwatch` command as a process (the console script and `python -m crawler`): main(), then out at once
    (crawler/cli/fast_exit.py)."""
    exit_now(main())


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
    return getattr(args, "db", None) or os.environ.get("EDUWATCH_DB") or (config.database if config.path else DEFAULT_DB)


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
                 verbose=args.verbose, local=args.local, wait=not args.no_wait)


def _known_site(store, config: Config, name: str | None) -> None:
    """`--site` names a site the database or the config knows; a typo must not read as "no changes"."""
    if name is None or any(s.name == name for s in config.sites) or store.site(name) or store.pages(site=name):
        return
    known = sorted({s.name for s in config.sites} | {p["site"] for p in store.pages() if p["site"]})
    raise EduwatchError(f"unknown site {name!r} (known: {', '.join(known) or 'none yet'}); check the name, "
                        "or crawl the site first")


def cmd_changes(args) -> int:
    from crawler.notify.chat import change_record

    config = _config(args)
    zone = config.display.timezone
    with _open_store(args, config, readonly=True) as store:
        _known_site(store, config, args.site)
        rows = store.changes(since=parse_when(args.since, zone=zone), site=args.site, kind=args.kind,
                             limit=args.limit)
        copies = {r["url"]: store.copies(r["url"]) for r in rows}  # the same notice on other sites
    if args.json:
        _print_json([{**change_record(r, zone, config.web_base_url), "copy_of": copies[r["url"]][0],
                      "also_on": copies[r["url"]][1]} for r in rows])
        return 0
    if not rows:
        print("no changes recorded" + (f" since {args.since}" if args.since else ""))
    for row in rows:
        versions = f"v{row['previous_version']}→v{row['version']}" if row.get("previous_version") else f"v{row.get('version') or '-'}"
        print(f"{display_time(row['detected_at'], zone)}  {row['kind']:<8} {versions:<8} {row.get('title') or ''}\n"
              f"    {row['url']}")
        if row.get("summary"):
            print(f"    {row['summary']}")
        for url in copies[row["url"]][1]:
            print(f"    also on: {url}")
    return 0


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
    config = _config(args)
    zone = config.display.timezone
    with _open_store(args, config, readonly=True) as store:
        page = store.page(args.url)
        fetches = store.fetches(args.url) if page and not page.get("latest_version") else []
        if fetches:  # crawled, but never with content: its failures are its history
            return _print_failures(args, page, fetches, zone)
        versions = _stored_versions(store, args.url)
        failing = {e["url"]: e for e in store.attachment_errors(args.url)} if page else {}
    if args.json:  # an attachment of the latest version that failed its last download or reading names why
        _print_json([{"version": v["version"], "first_seen": zoned_iso(v["first_seen"], zone),
                      "last_seen": zoned_iso(v["last_seen"], zone), "content_hash": v["content_hash"],
                      "title": v["title"],
                      "attachments": [{"title": a.get("title"), "url": a.get("url"), "sha256": a.get("sha256"),
                                       "text_chars": a.get("text_chars"),
                                       "error": (failing.get(a.get("url")) or {}).get("error") if v is versions[-1]
                                       else None} for a in v["article"].get("attachments") or []]}
                     for v in versions])
        return 0
    state = f" (state: {page['state']})" if page else ""
    print(f"{args.url}{state}")
    for v in versions:
        print(f"  v{v['version']}  {display_time(v['first_seen'], zone)} … {display_time(v['last_seen'], zone)}  "
              f"{v['content_hash'][:12]}  {v['title']}")
    for error in failing.values():
        print(f"  attachment {error['url']}: {error['error']} ({display_time(error['at'], zone)})")
    return 0


def _print_failures(args, page: dict, fetches: list[dict], zone: str) -> int:
    if args.json:
        _print_json([])
        print(f"{args.url}: no stored versions; {len(fetches)} failed check(s), see `eduwatch history URL`",
              file=sys.stderr)
        return 0
    print(f"{args.url} (state: {page['state']}): never stored; {len(fetches)} check(s), newest first:")
    for fetch in fetches:
        status = f"HTTP {fetch['status']}" if fetch.get("status") else "no response"
        error = fetch.get("error") if fetch.get("error") != status else ""
        print(f"  {display_time(fetch['at'], zone)}  {fetch['outcome']:<8} {status}  {error or ''}".rstrip())
    return 0


def cmd_diff(args) -> int:
    from crawler.track.compare import compare_versions

    with _open_store(args, readonly=True) as store:
        versions = _stored_versions(store, args.url)
        result = compare_versions(args.url, versions, args.from_version, args.to_version, store.attachment_document)
    from_v, to_v = result.from_version, result.to_version
    if from_v == to_v:  # nothing to compare: not "v1 and v1 have the same content"
        raise EduwatchError(f"{args.url} has one stored version (v{from_v}): nothing to compare yet; "
                            f"`eduwatch history {args.url}` shows it" if len(versions) == 1 else
                            f"--from and --to both name v{from_v}; pick two of the stored v{versions[0]['version']}"
                            f"…v{versions[-1]['version']}")
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
    from crawler.cli.search import search

    config = _config(args)
    with _open_store(args, config, readonly=True) as store:
        _known_site(store, config, args.site)
        return search(store, config, args)


def cmd_alerts(args) -> int:
    from crawler.cli.alerts import alerts

    config = _config(args)
    listing = not (args.send or args.retry_failed) and os.path.exists(_db_path(args, config))
    with _open_store(args, config, must_exist=False, readonly=listing) as store:  # a listing works on a read-only mount
        return alerts(store, config, send=args.send, as_json=args.json, retry_failed=args.retry_failed,
                      channel=args.channel)


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
        _known_site(store, config, args.site)
        return feed(store, config, FeedFilter(site=args.site, kind=args.kind, keyword=args.keyword,
                                              subscription=args.subscription), args.limit)


def cmd_calendar(args) -> int:
    from crawler.cli.feeds import calendar

    config = _config(args)
    if args.subscription:
        config.subscription(args.subscription)  # an unknown name fails before the database is opened
    with _open_store(args, config, readonly=True) as store:
        _known_site(store, config, args.site)
        return calendar(store, config, args.site, args.subscription)


def _projects_store(args, config: Config):
    """Read-only, once an archive from before projects existed has had its projects built (a write, once)."""
    from crawler.track.project_record import ensure_built

    try:
        store = _open_store(args, config, readonly=True)
        if store.projects_built():
            return store
        store.close()
    except StorageError:  # an archive from before projects: the writer below upgrades it
        pass
    with _open_store(args, config) as store:
        ensure_built(store)
    return _open_store(args, config, readonly=True)


def cmd_projects(args) -> int:
    from crawler.cli.projects import print_projects
    from crawler.track.project_query import matching

    config = _config(args)
    since = parse_when(args.since, zone=config.display.timezone)
    with _projects_store(args, config) as store:
        records = matching(store, status=args.status, keyword=args.keyword, region=args.region, since=since)
    return print_projects(records, config.display.timezone, as_json=args.json)


def cmd_project(args) -> int:
    from crawler.cli.projects import print_project
    from crawler.track.project_query import find_key

    config = _config(args)
    with _projects_store(args, config) as store:
        record = store.project_record(find_key(store, args.key))
    return print_project(record, config.display.timezone, as_json=args.json)


def cmd_subscriptions(args) -> int:
    from crawler.cli.subscriptions import list_subscriptions, test_subscription

    config = _config(args)
    if args.action == "list":
        return list_subscriptions(config, as_json=args.json)
    if not args.name:
        raise UsageError("subscriptions test needs a NAME: eduwatch subscriptions test lab-zj [--since 30d]")
    subscription = config.subscription(args.name)
    since = parse_when(args.since, zone=config.display.timezone)
    with _open_store(args, config, readonly=True) as store:
        return test_subscription(store, config, subscription, since=since, since_text=args.since, as_json=args.json)


def cmd_cluster(args) -> int:
    """`node`, `record` and `nodes` (crawler/cli/cluster.py)."""
    config = _config(args)
    return run_cluster_command(args, config, _db_path(args, config))


def cmd_probe(args) -> int:
    from crawler.cli.probe import probe

    return probe(args.url, args.name, args.json, browser=_config(args).crawl.browser or None)


COMMANDS = {
    "probe": cmd_probe, "extract": cmd_extract, "crawl": cmd_crawl, "changes": cmd_changes, "history": cmd_history, "diff": cmd_diff,
    "search": cmd_search, "alerts": cmd_alerts, "schedule": cmd_schedule, "demo": cmd_demo, "reextract": cmd_reextract,
    "serve": cmd_serve, "feed": cmd_feed, "calendar": cmd_calendar, "subscriptions": cmd_subscriptions, "projects": cmd_projects, "project": cmd_project,
    "node": cmd_cluster, "record": cmd_cluster,
    "nodes": cmd_cluster,
}
