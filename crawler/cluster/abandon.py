"""Find runs no message will ever close: their job ended (killed, cancelled) or their node is gone."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.cluster.scrapyd_api import ScrapydClient
from crawler.config import Config
from crawler.errors import NodeDown, NodeError

logger = logging.getLogger(__name__)

UNKNOWN_GRACE_S = 60.0  # a job the node does not know yet may be a dispatch in progress


@dataclass(frozen=True)
class Abandoned:
    token: str
    run_id: int
    site: str
    reason: str


def find_abandoned(open_runs: list[dict], config: Config, now: datetime | None = None,
                   down_since: dict[str, datetime] | None = None) -> list[Abandoned]:
    """Open runs whose job has ended or vanished, or whose node has not answered for [cluster] node_down_after (counted
    from the first miss in `down_since`, which the caller keeps between calls) or for the site's timeout.

    Call it only when the stream is drained, and drain once more before closing what it returns: a job
    that ended had put all its messages on the stream before it ended."""
    now = now or datetime.now(UTC)
    down_since = {} if down_since is None else down_since
    after = config.cluster.node_down_after if config.cluster else 60.0
    password = config.cluster.password() if config.cluster else None
    states: dict[str, dict[str, str | None] | None] = {}
    found = []
    for run in open_runs:
        age = (now - datetime.fromisoformat(run["dispatched_at"])).total_seconds()
        site = next((s for s in config.sites if s.name == run["site"]), None)
        timeout = site.timeout if site else 1800.0
        if run["node"] not in states:
            states[run["node"]] = _job_states(run["node"], password)
            _note_down(down_since, run["node"], states[run["node"]] is None, now, after)
        jobs = states[run["node"]]
        if jobs is _UNSURE:
            continue
        if jobs is None:
            silent = (now - down_since[run["node"]]).total_seconds()
            if silent > after or age > timeout:
                found.append(Abandoned(run["token"], run["run_id"], run["site"],
                                       f"abandoned: node {run['node']} is down (not answering for "
                                       f"{max(silent, 0):.0f} s)"))
            continue
        state = jobs.get(run["job"])
        if state == "finished":
            found.append(Abandoned(run["token"], run["run_id"], run["site"],
                                   f"abandoned: job {run['job']} on {run['node']} ended without closing its run"))
        elif state is None and age > UNKNOWN_GRACE_S:
            found.append(Abandoned(run["token"], run["run_id"], run["site"],
                                   f"abandoned: {run['node']} does not know job {run['job']} (cancelled before "
                                   "it started, or the node lost its queue)"))
    return found


def _note_down(down_since: dict[str, datetime], node: str, down: bool, now: datetime, after: float) -> None:
    """Remember when a node stopped answering (said once), forget it when it answers again."""
    if not down:
        if down_since.pop(node, None) is not None:
            logger.info("node %s answers again", node)
        return
    if node not in down_since:
        down_since[node] = now
        logger.warning("node %s does not answer: its open runs are closed as failed if it stays down for %.0f s",
                       node, after)


_UNSURE: dict = {}  # the node answered with an error (bad password, ...): decide nothing about its runs


def _job_states(node: str, password: str | None) -> dict[str, str | None] | None:
    """job id → state on the node; None when the node does not answer (or no node is known)."""
    if not node.startswith(("http://", "https://")):
        return None
    try:
        jobs = ScrapydClient(node, password=password).list_jobs()
    except NodeDown:
        return None
    except NodeError as exc:
        logger.warning("%s", exc)
        return _UNSURE
    return {job["id"]: state for state in ("finished", "pending", "running") for job in getattr(jobs, state)}
