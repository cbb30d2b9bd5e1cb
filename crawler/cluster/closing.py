"""Close a crawl run the way a local crawl does: baseline, site health, summary — or as failed, without them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from crawler.config import Config
from crawler.track.health import ListWalk
from crawler.track.recorder import PageRecorder, RunContext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunEnd:
    """How a run ended, as its spider (or the recorder, for an abandoned run) tells it."""

    reason: str  # Scrapy's finish reason ("finished", "shutdown", ...) or why the run was abandoned
    at: str
    status: str  # "ok", "interrupted" or "failed"
    list_stats: dict = field(default_factory=dict)  # list_pages, list_links, list_errors
    extra: dict = field(default_factory=dict)  # more facts for the run's stats (node, job, pages sent)


def close_run(store, config: Config, db_path: str, run: dict, end: RunEnd) -> dict:
    """Finish the run; only a complete run sets the site's baseline and counts toward its health (an abandoned
    or interrupted one saw only part of the lists: judging the site by it would raise false health alerts)."""
    counts = store.run_outcome_counts(run["run_id"])
    if end.status == "ok":
        site_row = store.site(run["site"]) or {}
        if not site_row.get("baseline_run"):
            store.mark_baselined(run["site"], run["run_id"], end.at)
        walk = ListWalk(links=end.list_stats.get("list_links", 0), errors=end.list_stats.get("list_errors", 0))
        context = RunContext(db_path, config, run["site"], run["run_id"], run["baselined"])
        problem = PageRecorder(context, store=store).record_health(walk, end.at)
        if problem:
            logger.warning("%s", problem)
    summary = {"pages": sum(counts.values()), **counts, "finish_reason": end.reason,
               "list_pages": end.list_stats.get("list_pages", 0), "list_links": end.list_stats.get("list_links", 0),
               "list_errors": end.list_stats.get("list_errors", 0), **end.extra}
    store.finish_run(run["run_id"], finished_at=end.at, status=end.status, stats=summary)
    return summary
