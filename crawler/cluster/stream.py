"""The Redis stream fetched pages travel in: publish, read through a consumer group, acknowledge, trim.

Trimming never drops what the recorder has not acknowledged: the stream is cut (XTRIM MINID) below the
oldest pending entry, or below the last delivered one when nothing is pending — never by a count.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

import redis

from crawler.cluster.messages import Message, encode
from crawler.errors import StreamError

logger = logging.getLogger(__name__)

STREAM = "eduwatch:pages"
DEAD = "eduwatch:pages:dead"  # entries no recorder can read, kept for a person to look at
GROUP = "recorders"
PLACEMENT = "eduwatch:placement"  # hash site → node URL: where each site was last sent



@dataclass(frozen=True)
class Entry:
    id: str
    fields: dict[bytes, bytes]


def connect(url: str) -> redis.Redis:
    """A client in RESP2 (the same reply shapes for redis-py 5 to 8) with bounded waits."""
    return redis.Redis.from_url(url, protocol=2, socket_timeout=30, socket_connect_timeout=10,
                                health_check_interval=30)


def redis_failure(url: str, exc: Exception) -> StreamError:
    return StreamError(f"Redis at {safe_url(url)}: {exc}; start redis-server there or fix [cluster] redis")


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


class Stream:
    """One stream and its consumer group, seen by one producer or consumer."""

    def __init__(self, url: str, *, key: str = STREAM, group: str = GROUP, consumer: str | None = None):
        self.url = url
        self.key = key
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.redis = connect(url)

    def close(self) -> None:
        self.redis.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def ensure_group(self) -> None:
        """Create the stream and its group (reading from the very first entry) unless they exist."""
        try:
            self.redis.xgroup_create(self.key, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    # --- producing ----------------------------------------------------------------------------
    def publish(self, message: Message) -> str:
        """Append one message; no MAXLEN: only the recorder trims, and only what it acknowledged."""
        return _text(self.redis.xadd(self.key, encode(message)))

    def length(self) -> int:
        return self.redis.xlen(self.key)

    # --- consuming ----------------------------------------------------------------------------
    def claim_pending(self, min_idle_ms: int, count: int = 100) -> tuple[list[Entry], list[str]]:
        """Take over entries delivered earlier but never acknowledged (a recorder crashed), oldest first.

        Returns (entries, ids of pending entries whose data is gone from the stream)."""
        entries: list[Entry] = []
        gone: list[str] = []
        start = "0-0"
        while True:
            reply = self.redis.xautoclaim(self.key, self.group, self.consumer, min_idle_ms, start, count=count)
            start, claimed = _text(reply[0]), reply[1]
            gone += [_text(i) for i in (reply[2] if len(reply) > 2 else [])]
            for entry_id, fields in claimed:
                if fields is None:  # trimmed away under a pending entry (redis < 7 reports it this way)
                    gone.append(_text(entry_id))
                else:
                    entries.append(Entry(_text(entry_id), fields))
            if start == "0-0" or len(entries) >= count:
                return entries, gone

    def read_new(self, count: int = 100, block_ms: int | None = None) -> list[Entry]:
        """Entries never delivered to any consumer of the group; waits up to block_ms for the first."""
        reply = self.redis.xreadgroup(self.group, self.consumer, {self.key: ">"}, count=count, block=block_ms)
        return [Entry(_text(entry_id), fields) for _key, found in (reply or []) for entry_id, fields in found]

    def ack(self, *entry_ids: str) -> None:
        if entry_ids:
            self.redis.xack(self.key, self.group, *entry_ids)

    def deliveries(self, entry_id: str) -> int:
        """How many times the entry was handed to a consumer (0 when it is not pending)."""
        found = self.redis.xpending_range(self.key, self.group, min=entry_id, max=entry_id, count=1)
        return int(found[0]["times_delivered"]) if found else 0

    def dead_letter(self, entry: Entry, reason: str) -> None:
        """Keep an unreadable entry aside (with why) before it is acknowledged: nothing is silently lost."""
        self.redis.xadd(DEAD, {**entry.fields, b"dead_reason": reason.encode(), b"dead_id": entry.id.encode()})

    def trim(self) -> int:
        """Drop entries every consumer of the group has acknowledged; returns how many went."""
        minid = self.safe_minid()
        if minid is None:
            return 0
        return int(self.redis.xtrim(self.key, minid=minid, approximate=False))

    def safe_minid(self) -> str | None:
        """The lowest id that must stay: the oldest pending entry, else the first after the last delivered."""
        summary = self.redis.xpending(self.key, self.group)
        if summary.get("pending"):
            return _text(summary["min"])
        group = next((g for g in self.redis.xinfo_groups(self.key) if _text(g["name"]) == self.group), None)
        if group is None:
            return None
        last = _text(group["last-delivered-id"])
        ms, seq = (int(part) for part in last.split("-"))
        return f"{ms}-{seq + 1}"

    def reader_idle_s(self) -> float | None:
        """Seconds since any consumer of the group last read the stream; None when none ever did."""
        try:
            consumers = self.redis.xinfo_consumers(self.key, self.group)
        except redis.ResponseError:  # no stream or no group yet
            return None
        idle = [int(c["idle"]) for c in consumers]
        return min(idle) / 1000 if idle else None

    def backlog(self) -> dict:
        """Entries waiting (never delivered) and pending (delivered, not acknowledged), for `nodes` and the bench."""
        try:
            group = next((g for g in self.redis.xinfo_groups(self.key) if _text(g["name"]) == self.group), {})
        except redis.ResponseError:  # no stream yet: nothing was ever sent
            group = {}
        return {"length": self.length(), "pending": int(group.get("pending", 0)),
                "waiting": int(group["lag"]) if group.get("lag") is not None else None}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
