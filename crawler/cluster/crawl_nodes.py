"""`eduwatch crawl` with [cluster]: plan as usual, dispatch each site to a node, wait for the recorder."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from crawler.cluster.dispatch import DispatchReport, dispatch, open_reader, wait_for_runs
from crawler.cluster.scrapyd_api import ScrapydClient
from crawler.config import Config
from crawler.errors import NodeError
from crawler.fetch.runner import plan_crawl

logger = logging.getLogger(__name__)
WAIT_GRACE_S = 120.0  # beyond the longest site timeout: the recorder's own lag


@dataclass
class ClusterCrawl:
    report: DispatchReport
    runs: list[dict] = field(default_factory=list)  # closed runs, in dispatch order
    still_open: list[str] = field(default_factory=list)  # sites whose runs did not close in time


def crawl_on_nodes(config: Config, db_path: str, *, sites: list[str], urls: list[str],
                   overrides: dict[str, str], wait: bool = True) -> ClusterCrawl:
    with open_reader(db_path) as store:  # the recorder is the one writer
        plans = plan_crawl(config, store, sites, urls)
        report = dispatch(config, store, plans, overrides)
    result = ClusterCrawl(report)
    if not wait or not report.dispatched:
        return result
    timeouts = [s.timeout for s in config.sites if s.name in {d.site for d in report.dispatched}] or [1800.0]
    tokens = [d.token for d in report.dispatched]
    closed, waiting = wait_for_runs(db_path, tokens, max(timeouts) + WAIT_GRACE_S, config.cluster.redis)
    if waiting:
        _cancel([d for d in report.dispatched if d.token in waiting], config)
        closed_late, waiting = wait_for_runs(db_path, waiting, WAIT_GRACE_S)
        closed += closed_late
    order = {token: i for i, token in enumerate(tokens)}
    result.runs = sorted(closed, key=lambda r: order[r["token"]])
    result.still_open = [d.site for d in report.dispatched if d.token in waiting]
    return result


def _cancel(dispatched, config: Config) -> None:
    """Runs past their site's timeout: stop their jobs (Scrapy closes gracefully; the run ends interrupted)."""
    for item in dispatched:
        try:
            ScrapydClient(item.node, password=config.cluster.password()).cancel(item.token)
            logger.warning("%s: the crawl on %s ran past its timeout; cancelled", item.site, item.node)
        except NodeError as exc:
            logger.warning("%s: could not cancel its job: %s", item.site, exc)
