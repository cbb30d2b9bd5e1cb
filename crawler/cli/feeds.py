"""`eduwatch feed` and `eduwatch calendar`: the Atom feed of changes and the bid-deadline calendar on stdout."""

from __future__ import annotations

import sys

from crawler.config import Config
from crawler.web import subscribed
from crawler.web.calendar import ics
from crawler.web.feed import FeedFilter, atom_feed
from crawler.web.subscribed import feed_changes


def feed(store, config: Config, flt: FeedFilter, limit: int) -> int:
    """Print the Atom document; entries link the web view's diffs when [web] base_url is set."""
    _write(atom_feed(feed_changes(store, config, flt, limit), flt=flt, web_base=config.web_base_url))
    return 0


def calendar(store, config: Config, site: str | None, subscription: str | None = None) -> int:
    """Print the iCalendar file of bid deadlines (one event per project or announcement and deadline kind)."""
    _write(ics(subscribed.calendar(store, config, site, subscription), zone=config.display.timezone))
    return 0


def _write(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
