"""`eduwatch crawl`: plan, run the spiders, summarise the run, then deliver pending alerts."""

from __future__ import annotations

import sys

from crawler.clock import now_iso
from crawler.config import Config
from crawler.fetch.challenge import NO_BROWSER
from crawler.fetch.crawl_lock import hold_sites
from crawler.fetch.runner import plan_crawl, run_crawl
from crawler.notify.delivery import deliver_configured
from storage import Store


def crawl(config: Config, db_path: str, *, sites: list[str], urls: list[str], overrides: dict[str, str],
          verbose: bool = False, local: bool = False, wait: bool = True) -> int:
    if config.cluster is not None and not local:
        return _crawl_on_nodes(config, db_path, sites=sites, urls=urls, overrides=overrides, wait=wait)
    with Store(db_path) as store:  # fails early, with a clear message, on an unwritable path or file
        store.check_writable()
        plans = plan_crawl(config, store, sites, urls)
    with hold_sites(db_path, [plan.site for plan in plans]):
        with Store(db_path) as store:  # this crawl's runs come after it (a start time to the second would also
            last_run = max((run["id"] for run in store.runs(limit=1)), default=0)  # take a run that just failed)
        run_crawl(config, db_path, plans, overrides, verbose)
        return _report(config, db_path, urls, last_run, plans)


def _report(config: Config, db_path: str, urls: list[str], last_run: int, plans: list) -> int:
    """Print this crawl's runs (those after last_run) and failures, deliver pending alerts; the exit status."""
    with Store(db_path) as store:
        planned = {plan.site for plan in plans}  # not another process's runs that started meanwhile
        runs = [r for r in store.runs(limit=500) if r["id"] > last_run and set(r.get("sites") or []) <= planned]
        for run in sorted(runs, key=lambda r: r["id"]):
            print(_summary(run))
        failed = _failed_urls(store, urls)
        report = deliver_configured(store, config)
        if report.sent or report.failed or report.retried:
            print(f"alerts: {report.sent} sent, {report.retried} to retry, {report.failed} failed, "
                  f"{report.pending} pending", file=sys.stderr)
        if config.crawl.raw_retention_days:
            store.prune_raw(config.crawl.raw_retention_days, now_iso())
    for url, reason in failed:
        print(f"eduwatch: error: could not fetch {url}: {reason}; check the address, or retry later", file=sys.stderr)
    interrupted = [r for r in runs if r.get("status") != "ok"]
    no_browser = [r for r in interrupted if _finish_reason(r).startswith(NO_BROWSER)]
    for run in no_browser:  # one line each: what needed the browser, and what to install
        print(f"eduwatch: error: {_finish_reason(run)[len(NO_BROWSER) + 2:]}", file=sys.stderr)
    if len(interrupted) > len(no_browser):
        print(f"eduwatch: error: {len(interrupted) - len(no_browser)} crawl run(s) did not finish; what was "
              "fetched is stored, run the crawl again to complete it", file=sys.stderr)
    return 1 if failed or interrupted or not runs else 0


def _finish_reason(run: dict) -> str:
    return str((run.get("stats") or {}).get("finish_reason") or "")


def _crawl_on_nodes(config: Config, db_path: str, *, sites, urls, overrides, wait: bool) -> int:
    """Dispatch to the [cluster] nodes; the recorder records and sends the alerts."""
    from crawler.cluster.crawl_nodes import crawl_on_nodes

    result = crawl_on_nodes(config, db_path, sites=sites, urls=urls, overrides=overrides, wait=wait)
    for site, why in result.report.skipped:
        print(f"{site}: {why}", file=sys.stderr)
    for site, why in result.report.failed:
        print(f"eduwatch: error: {site}: not dispatched: {why}", file=sys.stderr)
    if not wait:
        for item in result.report.dispatched:
            print(f"{item.site}: dispatched to {item.node} (job {item.token})")
        return 1 if result.report.failed else 0
    for run in result.runs:
        why = (run.get("stats") or {}).get("finish_reason") if run.get("status") == "failed" else None
        print(f"{_summary(run)} on {run['node']}" + (f" ({why})" if why else ""))
    if result.still_open:
        print(f"eduwatch: error: {', '.join(result.still_open)}: the recorder has not closed these runs; is "
              "`eduwatch record` running against this database?", file=sys.stderr)
    interrupted = [r for r in result.runs if r.get("status") != "ok"]
    if interrupted:
        print(f"eduwatch: error: {len(interrupted)} crawl run(s) did not finish; what was fetched is stored, "
              "run the crawl again to complete it", file=sys.stderr)
    return 1 if result.report.failed or result.still_open or interrupted else 0


def _summary(run: dict) -> str:
    stats = run.get("stats") or {}
    site = ",".join(run.get("sites") or [])
    counted = {k: v for k, v in stats.items() if k in (
        "baseline", "new", "changed", "unchanged", "removed", "restored", "missing", "error", "flagged") and v}
    parts = ", ".join(f"{v} {k}" for k, v in counted.items()) or "nothing fetched"
    lists = f"; {stats.get('list_pages', 0)} list pages" if stats.get("list_pages") else ""
    return f"{site}: {stats.get('pages', 0)} pages ({parts}){lists}; run {run['id']} {run.get('status')}"


def _failed_urls(store: Store, urls: list[str]) -> list[tuple[str, str]]:
    """--url pages that have no stored version because their fetch failed."""
    failed = []
    for url in urls:
        page = store.page(url)
        if page is None or not page.get("latest_version"):
            failed.append((url, (page or {}).get("last_error") or "no response"))
    return failed
