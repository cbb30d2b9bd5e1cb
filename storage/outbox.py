"""The alert outbox (changes waiting for email) and the alerts assembled from it, with retry state."""

from __future__ import annotations

from .errors import NotFoundError, StorageError
from .util import dumps, loads, one, rows

_ALERT_COLUMNS = (
    "id, status, recipients, subject, created_at, sent_at, error, attempts, last_attempt_at, next_attempt_at,"
    " message_id,"
    " run_id, change_ids, channel, payload"
)


class OutboxMixin:
    """Store methods for the outbox and alerts tables."""

    def enqueue_alert(
        self, change_id: int, recipient: str, run_id: int | None, *, matched_keywords: list[str] | None = None,
        subscriptions: list[str] | None = None,
    ) -> None:
        """Queue a change for a recipient; call inside the change's transaction so none is lost."""
        if not recipient or "@" not in recipient:
            raise StorageError(
                f"alert recipient {recipient!r} is not an email address; fix the [alerts] config"
            )
        with self.transaction():
            self.change(change_id)  # NotFoundError naming the id, not a bare FOREIGN KEY failure
            self.db.execute(
                "INSERT OR IGNORE INTO outbox (change_id, recipient, run_id, matched, subscriptions)"
                " VALUES (?, ?, ?, ?, ?)",
                [change_id, recipient, run_id, dumps(list(matched_keywords or [])),
                 dumps(list(subscriptions)) if subscriptions else None],
            )

    def pending_digests(self, *, closed_runs_only: bool = False) -> list[dict]:
        """Outbox rows not yet in an alert, one digest per (run_id, recipient); `closed_runs_only` leaves out
        runs still open (their digest is built once, when the run closes, not one part per delivery round)."""
        found = rows(
            self.db.execute(
                "SELECT change_id, recipient, run_id, matched, subscriptions FROM outbox WHERE alert_id IS NULL"
                f"{CLOSED_RUNS if closed_runs_only else ''} ORDER BY run_id, recipient, change_id"
            )
        )
        return group_pending(found, "recipient")

    def create_alert(
        self,
        *,
        run_id: int | None,
        recipients: list[str],
        change_ids: list[int],
        subject: str,
        message_id: str,
        created_at: str,
    ) -> int:
        """Turn outbox rows into one pending alert; repeating the same message_id returns the same alert."""
        with self.transaction():
            existing = self.db.execute("SELECT id FROM alerts WHERE message_id = ?", [message_id]).fetchone()
            if existing:
                return existing[0]
            alert_id = self.db.execute(
                "INSERT INTO alerts (recipients, subject, created_at, message_id, run_id, change_ids)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [dumps(list(recipients)), subject, created_at, message_id, run_id, dumps(list(change_ids))],
            ).lastrowid
            for change_id in change_ids:
                for recipient in recipients:
                    self.db.execute(
                        "UPDATE outbox SET alert_id = ? WHERE change_id = ? AND recipient = ? AND alert_id IS NULL",
                        [alert_id, change_id, recipient],
                    )
            return alert_id

    def alerts(self, status: str | None = None) -> list[dict]:
        found = rows(
            self.db.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE (? IS NULL OR status = ?) ORDER BY id",
                [status, status],
            )
        )
        return [_decode(a) for a in found]

    def alert(self, alert_id: int) -> dict:
        found = one(self.db.execute(f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id = ?", [alert_id]))
        if found is None:
            raise NotFoundError(f"no alert with id {alert_id}; `eduwatch alerts` lists them")
        return _decode(found)

    def due_alerts(self, now: str) -> list[dict]:
        """Pending alerts whose retry time has come (or that were never tried)."""
        found = rows(
            self.db.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE status = 'pending'"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id",
                [now],
            )
        )
        return [_decode(a) for a in found]

    def mark_alert_sent(self, alert_id: int, at: str) -> None:
        self._update_alert(
            alert_id,
            "status = 'sent', sent_at = ?, last_attempt_at = ?, error = NULL, attempts = attempts + 1",
            [at, at],
        )

    def mark_alert_failed(self, alert_id: int, error: str, at: str) -> None:
        """A permanent failure (rejected recipient, bad config): never retried."""
        self._update_alert(
            alert_id,
            "status = 'failed', error = ?, last_attempt_at = ?, attempts = attempts + 1, next_attempt_at = NULL",
            [error, at],
        )

    def mark_alert_retry(self, alert_id: int, error: str, next_attempt_at: str) -> None:
        """A transient failure (server down): stays pending until next_attempt_at."""
        self._update_alert(
            alert_id, "error = ?, attempts = attempts + 1, next_attempt_at = ?", [error, next_attempt_at]
        )

    def requeue_failed(self, channel: str | None = None) -> int:
        """Failed alerts back to pending (all, or one transport: a channel's name, or "email"), to be sent again
        once their cause is fixed; a chat message that was never built goes back to its outbox to be rebuilt.
        Returns how many failed alerts were requeued."""
        where, params = "status = 'failed'", []
        if channel == "email":
            where += " AND channel IS NULL"
        elif channel:
            where += " AND channel = ?"
            params.append(channel)
        with self.transaction():
            found = rows(self.db.execute(f"SELECT id, channel, payload FROM alerts WHERE {where}", params))
            unbuilt = [a["id"] for a in found if a["channel"] and a["payload"] in (None, "null")]
            for alert_id in unbuilt:  # rebuilt from the queue: the config or the change may have been fixed
                self.db.execute("UPDATE channel_outbox SET alert_id = NULL WHERE alert_id = ?", [alert_id])
                self.db.execute("DELETE FROM alerts WHERE id = ?", [alert_id])
            self.db.execute(
                f"UPDATE alerts SET status = 'pending', next_attempt_at = NULL, attempts = 0 WHERE {where}", params)
        return len(found)

    def _update_alert(self, alert_id: int, assignments: str, params: list) -> None:
        with self.transaction():
            cur = self.db.execute(f"UPDATE alerts SET {assignments} WHERE id = ?", [*params, alert_id])
            if not cur.rowcount:
                raise NotFoundError(f"no alert with id {alert_id}; `eduwatch alerts` lists them")


def _decode(row: dict) -> dict:
    row["recipients"] = loads(row["recipients"])
    row["change_ids"] = loads(row["change_ids"])
    row["payload"] = loads(row["payload"])  # None for email alerts
    return row


CLOSED_RUNS = " AND (run_id IS NULL OR run_id IN (SELECT id FROM runs WHERE finished_at IS NOT NULL))"


def group_pending(found: list[dict], target: str) -> list[dict]:
    """Queued rows (ordered by run, target, change) as one group per (run_id, target): the email outbox groups by
    recipient, the channel outbox by channel."""
    groups: dict[tuple, dict] = {}
    for row in found:
        group = groups.setdefault(
            (row["run_id"], row[target]),
            {"run_id": row["run_id"], target: row[target], "change_ids": [], "matched": {}, "subscriptions": {}},
        )
        group["change_ids"].append(row["change_id"])
        group["matched"][row["change_id"]] = loads(row["matched"]) or []
        group["subscriptions"][row["change_id"]] = loads(row.get("subscriptions")) or []
    return list(groups.values())
