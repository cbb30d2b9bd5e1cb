"""What `eduwatch nodes` shows: each node's health, its jobs, and the sites placed on it."""

from __future__ import annotations

import redis

from crawler.cluster.dispatch import node_statuses
from crawler.cluster.stream import PLACEMENT, connect, safe_url
from crawler.config import Config


def nodes_report(config: Config) -> tuple[list[dict], str | None]:
    """One dict per configured node: url, status ("up"/"down"), running, pending, sites (sorted; None when
    Redis does not answer: unknown, not empty), error; and what is wrong with Redis (None when it answers)."""
    statuses = node_statuses(config)
    placement, redis_error = _placement(config.cluster.redis)
    return [{"url": url, "status": "up" if status.up else "down", "running": status.running,
             "pending": status.pending,
             "sites": None if placement is None else sorted(s for s, n in placement.items() if n == url),
             "error": status.error}
            for url, status in statuses.items()], redis_error


def _placement(url: str) -> tuple[dict[str, str] | None, str | None]:
    """(site → node as last dispatched, None) or (None, why) when Redis does not answer."""
    client = connect(url)
    try:
        return {k.decode(): v.decode() for k, v in client.hgetall(PLACEMENT).items()}, None
    except redis.RedisError as exc:
        return None, (f"Redis at {safe_url(url)} does not answer ({exc}): the sites per node are unknown and no "
                      "crawl can be dispatched or recorded; start redis-server there or fix [cluster] redis")
    finally:
        client.close()
