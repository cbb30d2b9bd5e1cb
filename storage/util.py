"""Small conversions shared by the storage modules: timestamps, JSON columns, row dicts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .errors import StorageError


def to_epoch(iso: str) -> int:
    """ISO 8601 → integer epoch seconds (naive times are taken as UTC), for compact fetch rows."""
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"bad timestamp {iso!r}: expected ISO 8601 such as 2024-02-08T13:48:00+00:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def utc_seconds(iso: str) -> str:
    """ISO 8601 → the same moment as ISO UTC to the second (naive times are taken as UTC), for fetch rows:
    one text form that sorts, reads in Datasette, and stays short."""
    return datetime.fromtimestamp(to_epoch(iso), UTC).isoformat()


def from_epoch(seconds: int | None) -> str | None:
    """Integer epoch seconds → ISO 8601 UTC string."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def now_iso() -> str:
    """The current time as ISO 8601 UTC, for callers that did not pass one."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_iso(value: str) -> str:
    """Express an ISO time with an offset in UTC so it compares as text with stored UTC times.

    A bare date ("2024-03-01") or a naive time is returned unchanged.
    """
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"bad timestamp {value!r}: expected ISO 8601 such as 2024-03-01 or 2024-03-01T08:00:00+00:00"
        ) from exc
    if moment.tzinfo is None or len(value) <= 10:
        return value
    return moment.astimezone(UTC).isoformat()


def dumps(value) -> str | None:
    """Encode a JSON column (None stays NULL); keeps Chinese readable in the file."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def loads(text: str | None):
    """Decode a JSON column written by dumps()."""
    if text is None:
        return None
    return json.loads(text)


def rows(cursor) -> list[dict]:
    """All rows of a cursor as plain dicts keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(cursor) -> dict | None:
    """The first row of a cursor as a dict, or None."""
    found = rows(cursor)
    return found[0] if found else None
