"""Detected changes (new, changed, removed, restored, ...) as rows the CLI and alerts read."""

from __future__ import annotations

from .errors import NotFoundError
from .util import dumps, loads, one, rows, utc_iso

_CHANGE_COLUMNS = (
    "id, url, site, kind, detected_at, title, version, previous_version, diff_text, diff_html, summary,"
    " run_id, details, related_url"
)


class ChangesMixin:
    """Store methods for the changes table."""

    def add_change(
        self,
        *,
        url: str,
        site: str | None,
        kind: str,
        detected_at: str,
        title: str | None,
        version: int | None,
        previous_version: int | None,
        diff_text: str | None,
        diff_html: str | None,
        summary: str | None,
        run_id: int | None,
        details: dict | None = None,
        related_url: str | None = None,
    ) -> int:
        """Record one detected change; call inside the transaction that stored its version."""
        with self.transaction():
            cur = self.db.execute(
                f"INSERT INTO changes ({_CHANGE_COLUMNS.split(', ', 1)[1]})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    url,
                    site,
                    kind,
                    detected_at,
                    title,
                    version,
                    previous_version,
                    diff_text,
                    diff_html,
                    summary,
                    run_id,
                    dumps(details),
                    related_url,
                ],
            )
            return cur.lastrowid

    def changes(
        self,
        since: str | None = None,
        site: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict]:
        """Changes newest first, optionally since an ISO time (any offset) or date, for one site or kind;
        `limit` rows after skipping `offset` (a page of the web view's list)."""
        where, params = _filter(since, site, kind)
        found = rows(
            self.db.execute(
                f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE {where}"
                " ORDER BY detected_at DESC, id DESC LIMIT ? OFFSET ?",
                [*params, -1 if limit is None else limit, offset],
            )
        )
        return [_decode(c) for c in found]

    def count_changes(self, since: str | None = None, site: str | None = None, kind: str | None = None) -> int:
        """How many changes Store.changes would list with these filters (for result counts)."""
        where, params = _filter(since, site, kind)
        return self.db.execute(f"SELECT count(*) FROM changes WHERE {where}", params).fetchone()[0]

    def change(self, change_id: int) -> dict:
        found = one(self.db.execute(f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE id = ?", [change_id]))
        if found is None:
            raise NotFoundError(f"no change with id {change_id}; `eduwatch changes` lists them")
        return _decode(found)


def _decode(row: dict) -> dict:
    row["details"] = loads(row["details"])
    row["diff"] = row["diff_text"]
    return row


def _filter(since: str | None, site: str | None, kind: str | None) -> tuple[str, list]:
    """The WHERE clause and parameters that changes() and count_changes() share."""
    since = utc_iso(since) if since else None
    return ("(? IS NULL OR detected_at >= ?) AND (? IS NULL OR site = ?) AND (? IS NULL OR kind = ?)",
            [since, since, site, site, kind, kind])
