"""`eduwatch crawl` with [cluster]: plan as usual, dispatch each site to a node, wait for the recorder."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import redis

from crawler.cluster.dispatch import DispatchReport, dispatch, open_reader, wait_for_runs
from crawler.cluster.recorder_lease import check_recorder_database
from crawler.cluster.scrapyd_api import ScrapydClient
from crawler.cluster.stream import connect, redis_failure
from crawler.config import Config
from crawler.errors import NodeError
from crawler.fetch.runner import plan_crawl

logger = logging.getLogger(__name__)
WAIT_GRACE_S = 120.0  # beyond the longest site timeout: the recorder's own lag
NODE_CHECK_S = 10.0  # how often a waiting crawl asks the nodes of its open runs whether they are up


@dataclass
class ClusterCrawl:
    report: DispatchReport
    runs: list[dict] = field(default_factory=list)  # closed runs, in dispatch order
    still_open: list[str] = field(default_factory=list)  # sites whose runs did not close in time


def crawl_on_nodes(config: Config, db_path: str, *, sites: list[str], urls: list[str],
                   overrides: dict[str, str], wait: bool = True) -> ClusterCrawl:
    with open_reader(db_path) as store:  # the recorder is the one writer
        check_recorder(config, store, db_path)
        plans = plan_crawl(config, store, sites, urls)
        report = dispatch(config, store, plans, overrides)
    result = ClusterCrawl(report)
    if not wait or not report.dispatched:
        return result
    timeouts = [s.timeout for s in config.sites if s.name in {d.site for d in report.dispatched}] or [1800.0]
    tokens = [d.token for d in report.dispatched]
    watch = NodeWatch(config, report.dispatched)
    closed, waiting = wait_for_runs(db_path, tokens, max(timeouts) + WAIT_GRACE_S, config.cluster.redis, watch)
    if waiting:
        _cancel([d for d in report.dispatched if d.token in waiting], config)
        closed_late, waiting = wait_for_runs(db_path, waiting, WAIT_GRACE_S)
        closed += closed_late
    order = {token: i for i, token in enumerate(tokens)}
    result.runs = sorted(closed, key=lambda r: order[r["token"]])
    result.still_open = [d.site for d in report.dispatched if d.token in waiting]
    return result


def check_recorder(config: Config, store, db_path: str) -> None:
    """Refuse a database the running recorder does not write (it would wait for runs nobody records there)."""
    client = connect(config.cluster.redis)
    try:
        check_recorder_database(client, store.database_id(), db_path)
    except redis.RedisError as exc:
        raise redis_failure(config.cluster.redis, exc) from None
    finally:
        client.close()


class NodeWatch:
    """While the crawl waits: say once which node of its runs is down, and that the recorder will close them."""

    def __init__(self, config: Config, dispatched):
        self.config = config
        self.node_of = {d.token: d.node for d in dispatched}
        self.site_of = {d.token: d.site for d in dispatched}
        self.told: set[str] = set()
        self.every = min(NODE_CHECK_S, config.cluster.node_down_after / 2)  # told before the recorder closes them
        self.next_check = time.monotonic() + self.every

    def __call__(self, waiting: list[str]) -> None:
        if time.monotonic() < self.next_check:
            return
        self.next_check = time.monotonic() + self.every
        for node in sorted({self.node_of[t] for t in waiting} - self.told):
            status = ScrapydClient(node, password=self.config.cluster.password()).daemon_status()
            if status.up:
                continue
            self.told.add(node)
            sites = ", ".join(sorted(self.site_of[t] for t in waiting if self.node_of[t] == node))
            logger.warning("node %s is down (%s): the recorder closes its runs (%s) as failed once it has not "
                           "answered for %.0f s ([cluster] node_down_after)", node, status.error or "no answer",
                           sites, self.config.cluster.node_down_after)


def _cancel(dispatched, config: Config) -> None:
    """Runs past their site's timeout: stop their jobs (Scrapy closes gracefully; the run ends interrupted)."""
    for item in dispatched:
        try:
            ScrapydClient(item.node, password=config.cluster.password()).cancel(item.token)
            logger.warning("%s: the crawl on %s ran past its timeout; cancelled", item.site, item.node)
        except NodeError as exc:
            logger.warning("%s: could not cancel its job: %s", item.site, exc)
