"""Time: the clock every stage stamps rows with, and the one reader of "since 3d / ISO" arguments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from crawler.errors import EduwatchError, UsageError

_INTERVAL = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def now_iso() -> str:
    """The current time as ISO 8601 UTC, second precision: what every stored row is stamped with."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_interval(text: str) -> int | None:
    """'90s' → 90, '30m' → 1800, '2h', '1d'; None when the text is not an interval (then it may be cron or ISO)."""
    match = _INTERVAL.match(text.strip())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def parse_when(text: str | None, *, now: datetime | None = None) -> str | None:
    """An age ('90m', '12h', '3d') → the ISO time that long ago; an ISO date or time passes through after a check.

    The CLI's --since/--until and the web view's ?since= both read times here, so they agree.
    A text that is no time raises EduwatchError (exit 1, as before); an age beyond the calendar raises
    UsageError (exit 2). The web view answers 400 to both."""
    if not text:
        return None
    text = text.strip()
    seconds = parse_interval(text)
    if seconds is not None:
        try:
            return ((now or datetime.now(UTC)) - timedelta(seconds=seconds)).isoformat(timespec="seconds")
        except OverflowError:
            raise UsageError(f"{text!r} reaches back before the year 1; write a shorter age such as 30d") from None
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise EduwatchError(f"{text!r} is not a time: write an ISO date (2026-11-01) or an age (90m, 12h, 3d)") from None
    return text
