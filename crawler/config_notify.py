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
