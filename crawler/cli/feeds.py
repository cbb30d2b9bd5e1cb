"""`eduwatch feed` and `eduwatch calendar`: the Atom feed of changes and the bid-deadline calendar on stdout."""

from __future__ import annotations

import sys

from crawler.config import Config
from crawler.web.calendar import bid_events, ics
from crawler.web.feed import FeedFilter, atom_feed


def feed(store, config: Config, flt: FeedFilter, limit: int) -> int:
    """Print the Atom document; entries link the web view's diffs when [web] base_url is set."""
    changes = store.feed_changes(site=flt.site, kind=flt.kind, keyword=flt.keyword, limit=limit)
    _write(atom_feed(changes, flt=flt, web_base=config.web_base_url))
    return 0


def calendar(store, site: str | None) -> int:
    """Print the iCalendar file of bid deadlines (one event per announcement and deadline kind)."""
    _write(ics(bid_events(store.announcement_histories(site), store.correction_links(), store.calendar_projects(site))))
    return 0


def _write(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
