"""What `eduwatch nodes` shows: each node's health, its jobs, and the sites placed on it."""

from __future__ import annotations

import logging

import redis

from crawler.cluster.dispatch import node_statuses
from crawler.cluster.stream import PLACEMENT, connect
from crawler.config import Config

logger = logging.getLogger(__name__)


def nodes_report(config: Config) -> list[dict]:
    """One dict per configured node: url, status ("up"/"down"), running, pending, sites (sorted)."""
    statuses = node_statuses(config)
    placement = _placement(config.cluster.redis)
    return [{"url": url, "status": "up" if status.up else "down", "running": status.running,
             "pending": status.pending, "sites": sorted(s for s, n in placement.items() if n == url),
             "error": status.error}
            for url, status in statuses.items()]


def _placement(url: str) -> dict[str, str]:
    """site → node as last dispatched; empty (with a warning) when Redis does not answer."""
    client = connect(url)
    try:
        return {k.decode(): v.decode() for k, v in client.hgetall(PLACEMENT).items()}
    except redis.RedisError as exc:
        logger.warning("Redis at %s does not answer (%s): sites per node unknown", url.split("@")[-1], exc)
        return {}
    finally:
        client.close()
