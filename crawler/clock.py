"""Time: the clock every stage stamps rows with, the one reader of "since 3d / ISO" arguments, and how
times are shown to people (the display zone, Asia/Shanghai unless [display] timezone says otherwise)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.errors import EduwatchError

_INTERVAL = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DISPLAY_ZONE = "Asia/Shanghai"  # [display] timezone's default: the schedules' zone and the readers'
DISPLAY_FORMAT = "%Y-%m-%d %H:%M"  # what people read: 2026-11-29 19:20


def now_iso() -> str:
    """The current time as ISO 8601 UTC, second precision: what every stored row is stamped with."""
    return iso_utc(datetime.now(UTC))


def iso_utc(moment: datetime) -> str:
    """An aware moment as stored: ISO 8601 in UTC, second precision."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_interval(text: str) -> int | None:
    """'90s' → 90, '30m' → 1800, '2h', '1d'; None when the text is not an interval (then it may be cron or ISO)."""
    match = _INTERVAL.match(text.strip())
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def parse_when(text: str | None, *, now: datetime | None = None, zone: str | None = None,
               dates_in_zone: bool = True) -> str | None:
    """An age ('90m', '12h', '3d') → the ISO time that long ago; an ISO date or time passes through after a check.

    The CLI's --since/--until and the web view's ?since= both read times here, so they agree.
    A text that is no time, an empty one, or an age beyond the calendar raises EduwatchError (exit 1, as
    every bad value does). The web view answers 400 to each.

    With `zone`, a naive time ('2026-11-29 19:20') is read in that zone and returned with its offset;
    a bare date is that day's midnight there too, unless `dates_in_zone` is False (publication dates,
    which are stored as bare dates and compare as such)."""
    if text is None:
        return None
    text = text.strip()
    if not text:  # `--since ""`: a filter asked for and left empty is no "everything"
        raise EduwatchError("an empty time: write an ISO date (2026-11-01) or an age (90m, 12h, 3d), or leave the "
                            "option out")
    seconds = parse_interval(text)
    if seconds is not None:
        try:
            return ((now or datetime.now(UTC)) - timedelta(seconds=seconds)).isoformat(timespec="seconds")
        except OverflowError:
            raise EduwatchError(f"{text!r} reaches back before the year 1; write a shorter age such as 30d") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EduwatchError(f"{text!r} is not a time: write an ISO date (2026-11-01) or an age (90m, 12h, 3d)") from None
    if zone is None or moment.tzinfo is not None:
        return text
    if _is_bare_date(text) and not dates_in_zone:
        return text
    return moment.replace(tzinfo=ZoneInfo(zone)).isoformat(timespec="seconds")


def _is_bare_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _moment(iso: str) -> datetime | None:
    """A stored time as an aware datetime (naive stored times are UTC); None for a bare date or non-time."""
    if not iso or _is_bare_date(iso.strip()):
        return None
    try:
        moment = datetime.fromisoformat(iso.strip())
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def display_time(iso: str | None, zone: str = DISPLAY_ZONE) -> str:
    """'2026-11-29T11:20:43+00:00' → '2026-11-29 19:20' in the display zone, for every time a person reads;
    a bare date or text that is no time is shown as it is."""
    moment = _moment(iso or "")
    return moment.astimezone(ZoneInfo(zone)).strftime(DISPLAY_FORMAT) if moment else (iso or "")


def zoned_iso(iso: str | None, zone: str = DISPLAY_ZONE) -> str | None:
    """A stored time restated with the display zone's offset, for JSON: '2026-11-29T19:20:43+08:00'."""
    moment = _moment(iso or "")
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds") if moment else iso


def display_moment(moment: datetime, zone: str = DISPLAY_ZONE) -> str:
    """An aware datetime (a scheduler's next run, an email's Date) as people read it."""
    return moment.astimezone(ZoneInfo(zone)).strftime(DISPLAY_FORMAT)
