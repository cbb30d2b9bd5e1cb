"""Stored changes and bid-calendar events replayed through one subscription: what `eduwatch subscriptions test`
prints, and what per-subscription feeds (`?subscription=NAME`) and calendars carry. Reads only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from crawler.config import Config
from crawler.config_notify import SubscriptionConfig
from crawler.track.routing import Notice, notice_of, subscription_keywords
from storage import NotFoundError


@dataclass(frozen=True)
class Replayed:
    """A stored change the subscription would have received, with what it matched on."""

    change: dict  # the change row (Store.changes), plus `article`: the reading of the version it names
    notice: Notice
    keywords: list[str]


def replay(store, config: Config, subscription: SubscriptionConfig, *, since: str | None = None) -> Iterator[Replayed]:
    """Stored changes newest first that would have reached the subscription (enabled or not). A later site's
    copy of a notice raised no alert, so it is left out here too."""
    only_site = subscription.sites[0] if len(subscription.sites) == 1 else None
    projects: dict[str, dict | None] = {}
    for change in store.changes_with_articles(since=since, site=only_site):
        details = change.get("details") or {}
        if details.get("copy_of") and change.get("kind") == "new":
            continue
        notice = _notice(store, config, change, change.get("article"), details.get("project"), projects)
        keywords = subscription_keywords(subscription, notice)
        if keywords is not None:
            yield Replayed(change, notice, keywords)


def _notice(store, config: Config, change: dict, article: dict | None, key: str | None, projects: dict) -> Notice:
    if key and key not in projects:
        projects[key] = store.project_state(key)
    site = change.get("site")
    return notice_of(article, site=site, change_kind=change.get("kind") or "",
                     site_label=config.site_label(site) if site else "", project=projects.get(key) if key else None)


def calendar_events(store, config: Config, subscription: SubscriptionConfig, events: Iterable) -> list:
    """The bid-calendar events (crawler.web.calendar.BidEvent) of notices the subscription follows: its sites,
    keywords, regions and budget decide; its kinds do not (a deadline is the tender's, whatever came after)."""
    topic = replace(subscription, kinds=())
    projects: dict[str, dict | None] = {}
    kept = []
    for event in events:
        latest = store.latest_version(event.url)
        change = {"site": event.site, "kind": "new"}
        notice = _notice(store, config, change, latest["article"] if latest else None, _project_key(store, event.url),
                         projects)
        if subscription_keywords(topic, notice) is not None:
            kept.append(event)
    return kept


def _project_key(store, url: str) -> str | None:
    try:
        return store.project_of_url(url)
    except NotFoundError:
        return None
