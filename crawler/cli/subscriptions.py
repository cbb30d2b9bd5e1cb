"""`eduwatch subscriptions [test NAME]`: the configured subscriptions, and what one would have received from the
stored history — a user tunes keywords, regions and budgets before anyone is mailed (nothing is sent)."""

from __future__ import annotations

import json

from crawler.clock import display_time
from crawler.config import Config
from crawler.config_notify import SubscriptionConfig
from crawler.extract.amounts import format_yuan
from crawler.model import change_label
from crawler.notify.chat import change_record
from crawler.track.replay import Replayed, replay


def describe(subscription: SubscriptionConfig) -> dict:
    """A subscription as `subscriptions --json` prints it: its keys, as the config states them."""
    fields = ("name", "recipients", "channels", "keywords", "exclude_keywords", "regions", "budget_min", "budget_max",
              "budget_required", "kinds", "sites", "enabled")
    return {key: list(value) if isinstance(value, tuple) else value
            for key in fields for value in [getattr(subscription, key)]}


def list_subscriptions(config: Config, *, as_json: bool) -> int:
    """One block per subscription: where it goes and what it asks for."""
    if as_json:
        print(json.dumps([describe(s) for s in config.subscriptions], ensure_ascii=False, indent=2))
        return 0
    if not config.subscriptions:
        print(f"no [[subscriptions]] in {config.path or 'the configuration (none found)'}; see README, Subscriptions")
    for subscription in config.subscriptions:
        print(f"{subscription.name}{'' if subscription.enabled else '  (disabled)'} → {_targets(subscription)}")
        for key, value in describe(subscription).items():
            if key not in ("name", "recipients", "channels", "enabled") and value not in ([], None, False):
                print(f"    {key}: {_show(value)}")
    return 0


def test_subscription(store, config: Config, subscription: SubscriptionConfig, *, since: str | None, since_text: str,
                      as_json: bool) -> int:
    """Replay the stored changes since `since` through the subscription and print the ones it would have got."""
    zone = config.display.timezone
    found = list(replay(store, config, subscription, since=since))
    if as_json:
        print(json.dumps([_record(r, zone, config) for r in found], ensure_ascii=False, indent=2))
        return 0
    digests = len({(r.change.get("run_id"), r.change.get("site")) for r in found})
    print(f"{subscription.name} → {_targets(subscription)}: {len(found)} change(s) since {since_text}, in {digests}"
          f" digest(s) (one per site run){'' if subscription.enabled else '; disabled: nobody is told now'}")
    for item in found:
        change, notice = item.change, item.notice
        facts = [notice.notice_kind or "", notice.region.label, format_yuan(notice.budget)]
        print(f"{display_time(change['detected_at'], zone)}  [{change_label(change['kind'])}] {change.get('title') or ''}")
        print(f"    {change['url']}")
        print(f"    {'  '.join(f for f in facts if f)}" + (f"  关键词: {'、'.join(item.keywords)}" if item.keywords else ""))
    return 0


def _record(item: Replayed, zone: str, config: Config) -> dict:
    record = change_record(item.change, zone, config.web_base_url)
    return {**record, "matched_keywords": item.keywords, "notice_kind": item.notice.notice_kind,
            "region": {"province": item.notice.region.province, "city": item.notice.region.city},
            "budget": item.notice.budget}


def _targets(subscription: SubscriptionConfig) -> str:
    names = [*subscription.recipients, *(f"{c} (channel)" for c in subscription.channels)]
    return ", ".join(names) or "nobody (feed and calendar only)"


def _show(value) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return f"{value:,.0f} 元" if isinstance(value, float) else str(value)
