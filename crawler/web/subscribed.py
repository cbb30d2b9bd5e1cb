"""What a feed or a bid calendar carries — every change, or one subscription's (`?subscription=NAME`,
`--subscription NAME`): the same for `eduwatch feed`/`calendar` and the web view's /feed.atom and /bids.ics."""

from __future__ import annotations

from crawler.config import Config
from crawler.track.replay import calendar_events, replay
from crawler.web.calendar import BidEvent, bid_events
from crawler.web.feed import FeedFilter

FEED_LIMIT = 100  # entries in a feed unless the caller asks otherwise (as storage's feed_changes)


def feed_changes(store, config: Config, flt: FeedFilter, limit: int = FEED_LIMIT) -> list[dict]:
    """The feed's changes, newest first. An unknown subscription name raises ConfigError naming the known ones."""
    if not flt.subscription:
        return store.feed_changes(site=flt.site, kind=flt.kind, keyword=flt.keyword, limit=limit)
    subscription = config.subscription(flt.subscription)
    word = (flt.keyword or "").lower()
    found = []
    for item in replay(store, config, subscription):
        change = item.change
        text = " ".join(change.get(k) or "" for k in ("title", "summary", "diff_text")).lower()
        if (flt.site and change.get("site") != flt.site) or (flt.kind and change["kind"] != flt.kind) \
                or (word and word not in text):
            continue
        found.append(change)
        if len(found) >= limit:
            break
    return found


def calendar(store, config: Config, site: str | None, subscription: str | None = None) -> list[BidEvent]:
    """The calendar's events (of one site, of the notices one subscription follows, or all)."""
    events = bid_events(store.announcement_histories(site), store.correction_links(), store.calendar_projects(site))
    if subscription:
        events = calendar_events(store, config, config.subscription(subscription), events)
    return events
