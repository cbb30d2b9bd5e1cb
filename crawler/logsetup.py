"""Logging stamped in the display zone: the long-running commands' stderr lines, and a crawl's Scrapy lines."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from crawler.clock import DISPLAY_FORMAT, DISPLAY_ZONE


class ZoneFormatter(logging.Formatter):
    """Stamps each line '2026-11-29 19:20:43' in the display zone, whatever the machine's zone is."""

    def __init__(self, fmt: str, zone: str = DISPLAY_ZONE):
        super().__init__(fmt)
        self.zone = ZoneInfo(zone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, self.zone).strftime(datefmt or DISPLAY_FORMAT + ":%S")


def ensure_stderr_logging(*quiet: str, zone: str = DISPLAY_ZONE) -> None:
    """Log INFO and up on stderr unless the caller configured logging already; `quiet` loggers only warn."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ZoneFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", zone))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)


def stamp_in_zone(zone: str = DISPLAY_ZONE) -> None:
    """Every log formatter in this process, Scrapy's own included (it builds plain logging.Formatters, and again
    for each crawler), stamps its lines in the display zone instead of the machine's (often UTC)."""
    tz = ZoneInfo(zone)
    logging.Formatter.converter = staticmethod(lambda seconds: datetime.fromtimestamp(seconds, tz).timetuple())
