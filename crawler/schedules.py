"""Schedule strings → APScheduler triggers: an interval ("90s", "30m", "2h", "1d") or a 5-field cron in Beijing time.

Below both the config loader (which validates schedules with the very function that builds the real
trigger) and the scheduler (which runs them), so neither imports the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.clock import parse_interval
from crawler.errors import ScheduleError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

TIMEZONE = "Asia/Shanghai"  # cron schedules are read in China Standard Time, where the sites publish
CRON_JITTER = 60  # seconds of random delay added to cron runs
MAX_INTERVAL_JITTER = 300  # interval runs get 10% of the interval as jitter, at most this
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 and 7 are Sunday


def build_trigger(schedule: str) -> IntervalTrigger | CronTrigger:
    """An interval ("90s", "30m", "2h", "1d") or a 5-field cron in Asia/Shanghai, with jitter."""
    # APScheduler is imported here, not at the top: every crawl and its recording worker load the config
    # (0.1 s each), and only a config with schedules needs a trigger
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    seconds = parse_interval(schedule)
    if seconds is not None:
        if seconds <= 0:
            raise ScheduleError(f"schedule {schedule!r}: an interval must be longer than 0; write e.g. \"30m\"")
        jitter = int(min(seconds * 0.1, MAX_INTERVAL_JITTER)) or None
        return IntervalTrigger(seconds=seconds, jitter=jitter, timezone=TIMEZONE)
    fields = schedule.split()
    try:
        if len(fields) != 5:
            raise ValueError(f"{len(fields)} fields, expected 5: minute hour day month weekday")
        minute, hour, day, month, weekday = fields
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=cron_weekdays(weekday),
                           timezone=TIMEZONE, jitter=CRON_JITTER)
    except ValueError as exc:
        raise ScheduleError(f"schedule {schedule!r} is neither an interval (\"90s\", \"30m\", \"2h\") "
                            f"nor a 5-field cron such as \"0 */2 * * *\" ({exc})") from None


def cron_weekdays(field: str) -> str:
    """Crontab weekday numbers (0/7 = Sunday) as names, since APScheduler 3 counts 0 as Monday."""
    if field == "*" or any(c.isalpha() for c in field):
        return field
    days: set[int] = set()
    for item in field.split(","):
        base, _, step = item.partition("/")
        if base == "*":
            low, high = 0, 6
        elif "-" in base:
            low, high = (int(part) for part in base.split("-", 1))
        else:
            low = int(base)
            high = 7 if step else low
        if not 0 <= low <= high <= 7:
            raise ValueError(f"weekday {item!r} is out of range 0-7 (0 and 7 are Sunday)")
        days.update(range(low, high + 1, int(step) if step else 1))
    return ",".join(_CRON_DAYS[d] for d in sorted({d % 7 for d in days}))
