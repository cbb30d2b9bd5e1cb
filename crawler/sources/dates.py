"""Dates as lists and APIs give them (text, or seconds/milliseconds since the epoch) → display-time text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crawler.clock import DISPLAY_ZONE

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_EPOCH_TEXT = re.compile(r"^\d{10}(?:\d{3})?$")


def from_epoch(value: float, zone: str = DISPLAY_ZONE) -> str:
    """Seconds or milliseconds since the epoch (told apart by size) → ISO time in the display zone, an instant."""
    seconds = value / 1000 if value > 1e11 else value
    return datetime.fromtimestamp(seconds, UTC).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def as_published(value: object, zone: str = DISPLAY_ZONE) -> str | None:
    """A list's or API's date value as display text: epoch numbers become instants, text keeps its date (and time)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return from_epoch(value, zone) if value > 1e8 else None
    text = str(value).strip()
    if _EPOCH_TEXT.match(text):
        return from_epoch(int(text), zone)
    return find_date(text)


def find_date(text: str) -> str | None:
    """The first date in `text` as "YYYY-MM-DD" (with " HH:MM" when a time follows); None without one."""
    match = _DATE.search(text or "")
    if not match:
        return None
    y, mo, d, h, mi, _ = match.groups()
    if not (1990 <= int(y) <= 2100 and 1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    day = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    return f"{day} {int(h):02d}:{mi}" if h is not None and int(h) < 24 else day


def looks_like_date(value: object) -> bool:
    """A value a date field would hold: date text or an epoch time of plausible size."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 1e8 < value < 1e13 * 5
    return isinstance(value, str) and (bool(_EPOCH_TEXT.match(value.strip())) or find_date(value) is not None)
