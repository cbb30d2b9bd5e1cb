"""Send each planned site crawl to its node as a scrapyd job, and wait for the recorder to close the runs.

The dispatcher writes no database: it reads it (recheck URLs, open runs) and puts `run_dispatched`
on the stream before scheduling, so the recorder knows every run, even one whose job never starts.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
import zlib
from dataclasses import dataclass, field

import redis

from crawler.clock import now_iso
from crawler.cluster.messages import RunDispatched, RunFailed
from crawler.cluster.placement import place
from crawler.cluster.scrapyd_api import NodeStatus, ScrapydClient
from crawler.cluster.stream import PLACEMENT, Stream, redis_failure
from crawler.config import Config
from crawler.errors import NodeError, NoHealthyNode
from crawler.fetch.runner import CrawlPlan
from storage import StorageError, Store

logger = logging.getLogger(__name__)

ARG_LIMIT = 100_000  # bytes: one command-line argument may hold 128 KiB on Linux; longer lists go compressed
POLL_S = 0.5
RECORDER_CHECK_S = 30.0  # how long pages may wait unread before the waiting crawl says no recorder runs


@dataclass(frozen=True)
class Dispatched:
    site: str
    node: str
    token: str


@dataclass
class DispatchReport:
    dispatched: list[Dispatched] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (site, why): its job still runs
    failed: list[tuple[str, str]] = field(default_factory=list)  # (site, why): no node took it


def node_statuses(config: Config) -> dict[str, NodeStatus]:
    password = config.cluster.password()
    return {url: ScrapydClient(url, password=password).daemon_status() for url in config.cluster.nodes}


def dispatch(config: Config, store: Store, plans: list[CrawlPlan], overrides: dict[str, str]) -> DispatchReport:
    """One job per site at a time, on the site's node while it is up, else on a healthy one."""
    cluster = config.cluster
    password = cluster.password()
    statuses = node_statuses(config)
    up = [url for url in cluster.nodes if statuses[url].up]
    report = DispatchReport()
    stream = Stream(cluster.redis)
    try:
        stream.ensure_group()
        current = {_text(k): _text(v) for k, v in stream.redis.hgetall(PLACEMENT).items()}
        busy = _busy_sites(store, statuses, password)
        for plan in plans:
            if plan.site in busy:
                report.skipped.append((plan.site, f"its job {busy[plan.site]} is still running; skipped"))
                continue
            _send(plan, config, stream, up, current, overrides, report)
    except redis.RedisError as exc:
        raise redis_failure(cluster.redis, exc) from None
    finally:
        stream.close()
    return report


def _send(plan: CrawlPlan, config: Config, stream: Stream, up: list[str], current: dict[str, str],
          overrides: dict[str, str], report: DispatchReport) -> None:
    """Schedule on the placed node; a node that refuses is taken out and the site placed again."""
    names = sorted({s.name for s in config.sites} | {plan.site})
    password = config.cluster.password()
    while True:
        try:
            node = place(names, up, current)[plan.site]
        except NoHealthyNode as exc:
            report.failed.append((plan.site, str(exc)))
            return
        token = uuid.uuid4().hex
        stream.publish(RunDispatched(run=token, site=plan.site, node=node, job=token, spider=plan.spider,
                                     at=now_iso()))
        try:
            ScrapydClient(node, password=password).schedule(
                plan.spider, job=token, args=spider_args(plan, token, node), settings=overrides)
        except NodeError as exc:
            logger.warning("%s: %s; trying another node", plan.site, exc)
            stream.publish(RunFailed(run=token, at=now_iso(), reason=f"dispatch failed: {exc}", by="dispatcher"))
            up = [n for n in up if n != node]
            continue
        current[plan.site] = node
        stream.redis.hset(PLACEMENT, plan.site, node)
        report.dispatched.append(Dispatched(plan.site, node, token))
        return


def spider_args(plan: CrawlPlan, token: str, node: str) -> dict[str, str]:
    """The plan's spider arguments as the strings `scrapy crawl -a` takes (lists as JSON, long ones packed)."""
    args = {"eduwatch_run": token, "eduwatch_node": node}
    for name, value in plan.kwargs.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            text = json.dumps(list(value), ensure_ascii=False)
            if len(text.encode()) > ARG_LIMIT:
                text = "zlib:" + base64.b64encode(zlib.compress(text.encode(), 9)).decode("ascii")
            if len(text) > ARG_LIMIT:
                raise ValueError(f"{plan.site}: {name} holds {len(value)} URLs, too many for one scrapyd job; "
                                 "lower [crawl] recheck_days")
            value = text
        args[name] = str(value)
    return args


def _busy_sites(store: Store, statuses: dict[str, NodeStatus], password: str | None) -> dict[str, str]:
    """site → job of its open runs whose job is pending or running on a node that is up."""
    busy: dict[str, str] = {}
    open_runs = store.cluster_runs(open_only=True)
    jobs_by_node: dict[str, dict[str, str | None]] = {}
    for run in open_runs:
        status = statuses.get(run["node"])
        if status is None or not status.up:
            continue  # its node is down: the site may go elsewhere (the recorder closes the run)
        if run["node"] not in jobs_by_node:
            try:
                jobs = ScrapydClient(run["node"], password=password).list_jobs()
            except NodeError:
                continue
            jobs_by_node[run["node"]] = {j["id"]: s for s in ("pending", "running") for j in getattr(jobs, s)}
        if run["job"] in jobs_by_node[run["node"]]:
            busy[run["site"]] = run["job"]
    return busy


def open_reader(db_path: str) -> Store:
    """The database read-only, as the dispatcher only reads it; created (or upgraded) when the recorder has
    not done so yet, so a first crawl can be dispatched before the recorder ever ran."""
    try:
        return Store(db_path, readonly=True)
    except StorageError:
        return Store(db_path)


def wait_for_runs(db_path: str, tokens: list[str], timeout_s: float, stream_url: str | None = None,
                  on_poll=None) -> tuple[list[dict], list[str]]:
    """Poll the database until the recorder has closed every run; returns (closed runs, tokens still open).
    With `stream_url`, say once when no recorder reads the stream (the wait would otherwise be silent);
    `on_poll(tokens still open)` is called on each poll (crawl_nodes says there which node is down)."""
    deadline = time.monotonic() + timeout_s
    next_check = time.monotonic() + RECORDER_CHECK_S
    while True:
        if stream_url and time.monotonic() > next_check:
            next_check = float("inf") if _warn_if_no_recorder(stream_url) else time.monotonic() + RECORDER_CHECK_S
        with Store(db_path, readonly=True) as store:
            runs = {t: store.cluster_run(t) for t in tokens}
        closed = [r for r in runs.values() if r and r["finished_at"]]
        waiting = [t for t, r in runs.items() if not (r and r["finished_at"])]
        if not waiting or time.monotonic() > deadline:
            return closed, waiting
        if on_poll is not None:
            on_poll(waiting)
        time.sleep(POLL_S)


def _warn_if_no_recorder(url: str) -> bool:
    """True (warned) when pages wait and no recorder has read the stream for RECORDER_CHECK_S seconds."""
    try:
        with Stream(url) as stream:
            idle, waiting = stream.reader_idle_s(), stream.backlog()["waiting"]
    except redis.RedisError:
        return False
    if waiting and (idle is None or idle > RECORDER_CHECK_S):
        logger.warning("%d stream entries wait and no recorder has read the stream for %s; start `eduwatch "
                       "record` against this database", waiting, "ever" if idle is None else f"{idle:.0f} s")
        return True
    return False


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
