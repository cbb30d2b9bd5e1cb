"""Read the stream through the consumer group and apply each entry exactly once.

Per entry: decode → prepare (the costly, read-only part) → one transaction that checks the message id
was not recorded yet, records it and stores the id → commit → XACK. A recorder killed between commit
and acknowledgement gets the entry again (claimed as pending) and records nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from crawler.clock import now_iso
from crawler.cluster.messages import Message, MessageError, decode
from crawler.cluster.stream import DEAD, Entry, Stream
from storage import Store, fatal_error

logger = logging.getLogger(__name__)

MAX_DELIVERIES = 5  # an entry that failed this often is set aside in the dead-letter stream
CLAIM_IDLE_MS = 60_000  # pending entries idle this long belong to a recorder that is gone


class Handler(Protocol):
    def prepare(self, message: Message) -> object: ...
    def apply(self, message: Message, prepared: object) -> None: ...
    def committed(self, message: Message) -> None: ...


@dataclass
class Counts:
    recorded: int = 0
    replayed: int = 0  # already recorded: acknowledged without recording anything
    dead: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.recorded + self.replayed + self.dead


class Consumer:
    """One recorder's view of the stream: claims what others left pending, then reads new entries."""

    def __init__(self, stream: Stream, store: Store, handler: Handler):
        self.stream = stream
        self.store = store
        self.handler = handler
        self.counts = Counts()
        self._claimed_at_start = False

    def step(self, *, block_ms: int | None = None, count: int = 100) -> int:
        """Handle one batch: pending entries first (all of them at start, then those idle a minute), then
        new ones, waiting up to block_ms for them. Returns how many entries were handled."""
        idle = 0 if not self._claimed_at_start else CLAIM_IDLE_MS
        self._claimed_at_start = True
        entries, gone = self.stream.claim_pending(idle, count)
        for entry_id in gone:
            logger.error("stream entry %s was pending but its data is gone from Redis; its page will be "
                         "fetched again by the next crawl", entry_id)
            self.stream.ack(entry_id)
        if not entries:
            entries = self.stream.read_new(count, block_ms)
        before = self.counts.handled
        for entry in entries:
            self.handle(entry)
        return self.counts.handled - before

    def handle(self, entry: Entry, *, ack: bool = True) -> bool:
        """Apply one entry exactly once; False when it failed and stays pending for a retry."""
        try:
            message = decode(entry.fields)
        except MessageError as exc:
            self._bury(entry, str(exc))
            return True
        try:
            recorded = self._apply_once(entry, message)
        except Exception as exc:  # a bug or a database problem: leave it pending, bury it if it keeps failing
            fatal = fatal_error(exc, self.store.path)
            if fatal is not None:  # disk full, damaged file: stop, the entry stays pending for after the fix
                raise fatal from None
            self.counts.failed += 1
            if self.stream.deliveries(entry.id) >= MAX_DELIVERIES:
                self._bury(entry, f"failed {MAX_DELIVERIES} times: {type(exc).__name__}: {exc}")
                return True
            logger.exception("recording stream entry %s (%s) failed; it stays pending and is retried", entry.id,
                             message.mid)
            return False
        if recorded:
            self.handler.committed(message)
        if ack:
            self.stream.ack(entry.id)
        return True

    def _apply_once(self, entry: Entry, message: Message) -> bool:
        if self.store.entry_recorded(message.mid):  # cheap early answer; the check inside the lock decides
            self.counts.replayed += 1
            return False
        prepared = self.handler.prepare(message)
        with self.store.transaction():
            if self.store.entry_recorded(message.mid):
                self.counts.replayed += 1
                return False
            self.handler.apply(message, prepared)
            self.store.mark_entry_recorded(message.mid, entry.id, now_iso())
        self.counts.recorded += 1
        return True

    def _bury(self, entry: Entry, reason: str) -> None:
        logger.error("stream entry %s cannot be recorded (%s); moved to the %s stream", entry.id, reason, DEAD)
        self.stream.dead_letter(entry, reason)
        self.stream.ack(entry.id)
        self.counts.dead += 1
