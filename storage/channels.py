"""The chat-channel outbox (changes waiting for a channel) and the channel messages assembled from it."""

from __future__ import annotations

from .errors import StorageError
from .outbox import CLOSED_RUNS, group_pending
from .util import dumps, rows


class ChannelOutboxMixin:
    """Store methods for channel_outbox; the messages themselves are alert rows with a `channel`."""

    def enqueue_channel(
        self, change_id: int, channel: str, run_id: int | None, *, matched_keywords: list[str] | None = None,
        subscriptions: list[str] | None = None,
    ) -> None:
        """Queue a change for a chat channel; call inside the change's transaction so none is lost."""
        if not channel or not isinstance(channel, str):
            raise StorageError(f"channel name {channel!r} is empty; fix the site's channels = [...]")
        with self.transaction():
            self.change(change_id)  # NotFoundError naming the id, not a bare FOREIGN KEY failure
            self.db.execute(
                "INSERT OR IGNORE INTO channel_outbox (change_id, channel, run_id, matched, subscriptions)"
                " VALUES (?, ?, ?, ?, ?)",
                [change_id, channel, run_id, dumps(list(matched_keywords or [])),
                 dumps(list(subscriptions)) if subscriptions else None],
            )

    def pending_channel_digests(self, *, closed_runs_only: bool = False) -> list[dict]:
        """Channel outbox rows not yet in a message, one group per (run_id, channel), oldest run first
        (`closed_runs_only`: as pending_digests)."""
        found = rows(
            self.db.execute(
                "SELECT change_id, channel, run_id, matched, subscriptions FROM channel_outbox"
                " WHERE alert_id IS NULL"
                f"{CLOSED_RUNS if closed_runs_only else ''} ORDER BY run_id, channel, change_id"
            )
        )
        return group_pending(found, "channel")

    def create_channel_messages(self, *, run_id: int | None, channel: str, parts: list[dict], created_at: str) -> list[int]:
        """Turn one (run, channel) group into its message(s), all in one transaction, so a crash never
        leaves half a split digest; repeating a message_id returns the existing message.

        Each part: {"change_ids": [...], "subject": str, "payload": dict (the exact JSON to post), "message_id": str},
        and "error" for a part that cannot be sent: it is stored as failed, with that reason, never sent.
        """
        ids = []
        with self.transaction():
            for part in parts:
                existing = self.db.execute("SELECT id FROM alerts WHERE message_id = ?", [part["message_id"]]).fetchone()
                if existing:
                    ids.append(existing[0])
                    continue
                error = part.get("error")
                alert_id = self.db.execute(
                    "INSERT INTO alerts (recipients, subject, created_at, message_id, run_id, change_ids, channel,"
                    " payload, status, error, last_attempt_at) VALUES ('[]', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [part["subject"], created_at, part["message_id"], run_id, dumps(list(part["change_ids"])),
                     channel, dumps(part["payload"]), "failed" if error else "pending", error,
                     created_at if error else None],
                ).lastrowid
                self.db.conn.executemany(
                    "UPDATE channel_outbox SET alert_id = ? WHERE change_id = ? AND channel = ? AND alert_id IS NULL",
                    [[alert_id, change_id, channel] for change_id in part["change_ids"]],
                )
                ids.append(alert_id)
        return ids
