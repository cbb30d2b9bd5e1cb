"""The configuration of where alerts go and how people read them: [[channels]], [web] base_url, [display]."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The kinds crawler.notify.channels.KINDS implements; a test keeps the two in step (config imports no sender).
CHANNEL_KINDS = ("wecom", "dingtalk", "feishu", "webhook")
UNSIGNED_KINDS = ("wecom",)  # the key in the URL is the whole secret
DEFAULT_TIMEZONE = "Asia/Shanghai"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_HTTP = re.compile(r"^https?://[^/\s]+", re.IGNORECASE)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ChannelConfig:
    """One [[channels]] entry; its signing secret stays in the environment until a message is sent."""

    name: str
    kind: str
    url: str
    secret_env: str = ""
    timeout: float = 15.0

    def secret(self) -> str | None:
        """Read the secret from the named variable at send time; it is never stored."""
        return os.environ.get(self.secret_env) or None if self.secret_env else None


@dataclass(frozen=True)
class DisplayConfig:
    """How times are shown to people: in this zone, as 2026-11-29 19:20."""

    timezone: str = DEFAULT_TIMEZONE


def parse_channels(v, raw: object) -> list[ChannelConfig]:
    """The [[channels]] array, each entry checked; errors name the file and the key."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise v.error("channels", "must be an array of tables: write [[channels]] above each channel")
    channels: list[ChannelConfig] = []
    for index, entry in enumerate(raw):
        channel = _channel(v, entry, f"channels[{index}]")
        if any(c.name == channel.name for c in channels):
            raise v.error(f"channels[{index}].name", f"duplicate channel name {channel.name!r}; give each its own name")
        channels.append(channel)
    return channels


def _channel(v, entry: object, where: str) -> ChannelConfig:
    if not isinstance(entry, dict):
        raise v.error(where, "must be a table: write [[channels]] followed by name, kind and url")
    v.keys(entry, where, {"name", "kind", "url", "secret_env", "timeout"})
    name = v.string(entry, f"{where}.name")
    if not _NAME.match(name):
        raise v.error(f"{where}.name", f"{name!r} may only hold letters, digits, '_', '-' and '.'")
    kind = v.string(entry, f"{where}.kind")
    if kind not in CHANNEL_KINDS:
        raise v.error(f"{where}.kind", f"{kind!r} is not one of: {', '.join(CHANNEL_KINDS)}")
    url = v.string(entry, f"{where}.url")
    if not _HTTP.match(url):
        raise v.error(f"{where}.url", f"{url!r} is not an http(s) URL; paste the robot's whole webhook address")
    secret_env = v.string(entry, f"{where}.secret_env", default="")
    if secret_env and kind in UNSIGNED_KINDS:
        raise v.error(f"{where}.secret_env", f"a {kind} robot does not sign messages (the key in its url is the"
                      " secret); remove secret_env")
    if secret_env and not _ENV_NAME.match(secret_env):
        raise v.error(f"{where}.secret_env", f"{secret_env!r} is not an environment variable name; write the"
                      " variable's name (e.g. \"EDUWATCH_DINGTALK_SECRET\"), never the secret itself")
    timeout = float(v.number(entry, f"{where}.timeout", default=15.0))
    return ChannelConfig(name=name, kind=kind, url=url, secret_env=secret_env, timeout=timeout)


def check_site_channels(v, sites: list, channels: list[ChannelConfig]) -> None:
    """Every name in a site's channels = [...] must be a configured [[channels]] entry."""
    known = {c.name for c in channels}
    for index, site in enumerate(sites):
        for name in site.channels:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise v.error(f"sites[{index}].channels", f"no [[channels]] entry is named {name!r} (defined:"
                              f" {listed}); add one with name = {name!r}, kind and url, or fix the name")


def parse_base_url(v, table: dict, key: str) -> str | None:
    """[web] base_url: where people reach the web view, so alerts can link to it."""
    url = v.string(table, key, default="") or None
    if url and not _HTTP.match(url):
        raise v.error(key, f"{url!r} is not an http(s) URL; write e.g. base_url = \"http://bids.example.org:8080\"")
    return url.rstrip("/") if url else None


def parse_display(v, table: dict) -> DisplayConfig:
    v.keys(table, "display", {"timezone"})
    zone = v.string(table, "display.timezone", default=DEFAULT_TIMEZONE)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise v.error("display.timezone", f"{zone!r} is not a time zone name; write e.g. \"Asia/Shanghai\"") from None
    return DisplayConfig(timezone=zone)


# --- [[subscriptions]]: per-person routing beside the sites' own recipients ----------------------------
NOTICE_KINDS = ("tender", "correction", "award", "failed", "cancelled", "contract", "other")
CHANGE_KINDS = ("new", "changed", "removed", "restored", "health")  # crawler.model.ChangeKind; a test keeps them equal
_SUBSCRIPTION_KEYS = {"name", "recipients", "channels", "keywords", "exclude_keywords", "regions", "budget_min",
                      "budget_max", "budget_required", "kinds", "sites", "enabled"}


@dataclass(frozen=True)
class SubscriptionConfig:
    """One person's (or team's) [[subscriptions]] entry: which changes they want, and where they go.

    Lists are "any of"; an empty list does not restrict. `kinds` mixes notice kinds (tender, award …) and
    change kinds (new, changed …): a change matches when its notice kind is among the notice kinds listed
    (if any) and its change kind among the change kinds listed (if any). Budgets are in 元, inclusive."""

    name: str
    recipients: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    budget_min: float | None = None
    budget_max: float | None = None
    budget_required: bool = False
    kinds: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    enabled: bool = True  # false: kept in the config (and in `subscriptions test`) but nobody is told

    @property
    def notice_kinds(self) -> tuple[str, ...]:
        return tuple(k for k in self.kinds if k in NOTICE_KINDS)

    @property
    def change_kinds(self) -> tuple[str, ...]:
        return tuple(k for k in self.kinds if k in CHANGE_KINDS)


def parse_subscriptions(v, raw: object, *, sites: list, channels: list[ChannelConfig],
                        is_address) -> list[SubscriptionConfig]:
    """The [[subscriptions]] array, each entry checked against the sites and channels configured beside it."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise v.error("subscriptions", "must be an array of tables: write [[subscriptions]] above each one")
    found: list[SubscriptionConfig] = []
    for index, entry in enumerate(raw):
        where = f"subscriptions[{index}]"
        subscription = _subscription(v, entry, where, is_address)
        if any(s.name == subscription.name for s in found):
            raise v.error(f"{where}.name", f"duplicate subscription name {subscription.name!r}; give each its own name")
        _check_names(v, f"{where}.sites", subscription.sites, [s.name for s in sites], "[[sites]]")
        _check_names(v, f"{where}.channels", subscription.channels, [c.name for c in channels], "[[channels]]")
        found.append(subscription)
    return found


def _subscription(v, entry: object, where: str, is_address) -> SubscriptionConfig:
    if not isinstance(entry, dict):
        raise v.error(where, "must be a table: write [[subscriptions]] followed by name = ..., recipients = [...]")
    v.keys(entry, where, _SUBSCRIPTION_KEYS)
    name = v.string(entry, f"{where}.name")
    if not _NAME.match(name):
        raise v.error(f"{where}.name", f"{name!r} may only hold letters, digits, '_', '-' and '.'")
    recipients = tuple(v.string_list(entry, f"{where}.recipients"))
    for address in recipients:
        if not is_address(address):
            raise v.error(f"{where}.recipients", f"{address!r} is not one email address (user@host); write one "
                          "per string, e.g. recipients = [\"wang@example.org\"]")
    kinds = tuple(v.string_list(entry, f"{where}.kinds"))
    for kind in kinds:
        if kind not in NOTICE_KINDS + CHANGE_KINDS:
            raise v.error(f"{where}.kinds", f"{kind!r} is not a kind; use notice kinds ({', '.join(NOTICE_KINDS)})"
                          f" or change kinds ({', '.join(CHANGE_KINDS)})")
    low, high = _budget(v, entry, f"{where}.budget_min"), _budget(v, entry, f"{where}.budget_max")
    if low is not None and high is not None and low > high:
        raise v.error(f"{where}.budget_max", f"{high:g} is below budget_min {low:g}; swap them or fix one")
    return SubscriptionConfig(
        name=name, recipients=recipients, channels=tuple(v.string_list(entry, f"{where}.channels")),
        keywords=tuple(v.string_list(entry, f"{where}.keywords")),
        exclude_keywords=tuple(v.string_list(entry, f"{where}.exclude_keywords")),
        regions=_regions(v, entry, f"{where}.regions"), budget_min=low, budget_max=high,
        budget_required=_flag(v, entry, f"{where}.budget_required", False), kinds=kinds,
        sites=tuple(v.string_list(entry, f"{where}.sites")), enabled=_flag(v, entry, f"{where}.enabled", True))


def _regions(v, entry: dict, key: str) -> tuple[str, ...]:
    """Each region must be a province or city the gazetteer knows, so a typo never silently matches nothing."""
    regions = tuple(v.string_list(entry, key))
    if regions:
        from crawler.extract.regions import (  # only for configs using regions
            is_county,
            is_place_name,
            region_of,
        )

        for region in regions:
            if is_county(region):
                place = region_of(region)
                raise v.error(key, f"{region!r} is a county-level place; regions are provinces and prefecture-level"
                              f" cities: write {place.city or place.province!r} (and keywords for finer places)")
            if not is_place_name(region) or region_of(region).province is None:
                raise v.error(key, f"{region!r} is not a province or prefecture-level city; write e.g. \"浙江\","
                              " \"广西壮族自治区\" or \"杭州市\"")
    return regions


def _budget(v, entry: dict, key: str) -> float | None:
    value = entry.get(key.rsplit(".", 1)[-1])
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise v.error(key, f"must be a number of 元 (0 or more, no unit or commas), e.g. 500000, not {value!r}")
    return float(value)


def _flag(v, entry: dict, key: str, default: bool) -> bool:
    value = entry.get(key.rsplit(".", 1)[-1], default)
    if not isinstance(value, bool):
        raise v.error(key, f"must be true or false (no quotes), not {value!r}")
    return value


def _check_names(v, key: str, names: tuple[str, ...], known: list[str], table: str) -> None:
    for name in names:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise v.error(key, f"no {table} entry is named {name!r} (defined: {listed}); fix the name or add it")
