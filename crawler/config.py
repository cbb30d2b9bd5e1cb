"""Load and validate eduwatch.toml once; every error names the file, the key and the fix."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path

from w3lib.url import safe_url_string

from crawler.config_notify import (
    ChannelConfig,
    DisplayConfig,
    SubscriptionConfig,
    check_site_channels,
    parse_base_url,
    parse_channels,
    parse_display,
    parse_subscriptions,
)
from crawler.config_validate import Validator
from crawler.errors import ConfigError, ScheduleError
from crawler.schedules import build_trigger
from crawler.sources.api import ApiSpec
from crawler.sources.api_config import parse_api

DEFAULT_CONFIG = "eduwatch.toml"
DEFAULT_DB = "eduwatch.db"
KNOWN_SPIDERS = ("caigou", "moe", "ccgp", "ceiea", "generic")
URL_LENGTH_LIMIT = 2083  # Scrapy's URLLENGTH_LIMIT: a longer request (non-ASCII percent-encoded) is dropped unfetched
SECURITY_MODES = ("none", "starttls", "ssl")
_SITE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    username: str = ""
    password_env: str = ""
    sender: str = "eduwatch@localhost"
    timeout: float = 30.0

    def password(self) -> str | None:
        """Read the password from the named variable at send time; it is never stored."""
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass
class SiteConfig:
    name: str
    start_urls: list[str]
    follow: str | None = None  # regex: which links on list pages are articles
    pagination: str | None = None  # regex: which links on list pages are further list pages
    spider: str = "generic"  # which navigation rules: a known site spider or the generic one
    max_list_pages: int = 5
    schedule: str | None = None  # cron (5 fields, Asia/Shanghai) or interval "90s", "30m", "2h"
    timeout: float = 1800.0  # seconds a scheduled crawl of this site may run before it is stopped
    recipients: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)  # names of [[channels]] entries
    keywords: list[str] = field(default_factory=list)
    exclude_keywords: list[str] = field(default_factory=list)
    label: str = ""  # human name used in alert subjects (e.g. 教育部)
    allow_private: bool = False  # an intranet site: its links may lead to private addresses (crawler/fetch/address_guard)
    api: ApiSpec | None = None  # [sites.api]: the list is a JSON API (see crawler/sources/api.py)
    render: bool = False  # list pages are drawn by JavaScript: read them after the browser ran their scripts


@dataclass
class CrawlConfig:
    removal_confirmations: int = 2  # failed checks in a row before an article counts as removed
    health_failures: int = 3  # failed checks in a row before a site raises a health alert
    raw_retention_days: int = 0  # 0 keeps every raw page forever
    recheck_days: int = 30  # known articles first seen within this many days are rechecked each crawl
    attachment_max_mb: int = 20  # attachments larger than this are not downloaded (an error); 0: no attachments
    browser: str = ""  # the Chromium that clears JavaScript challenges and renders pages; "": the first on PATH


@dataclass
class ClusterConfig:
    """Many machines: the Redis stream pages travel in, and the scrapyd crawl nodes."""

    redis: str = "redis://127.0.0.1:6379/0"
    nodes: list[str] = field(default_factory=list)
    password_env: str = ""  # scrapyd basic auth (user "eduwatch"): the variable holding the password
    node_down_after: float = 60.0  # seconds a node may not answer before the recorder closes its runs as failed

    def password(self) -> str | None:
        """Read the nodes' password from the named variable when needed; it is never stored."""
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass
class Config:
    path: Path | None
    database: str = DEFAULT_DB
    smtp: SmtpConfig | None = None
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    sites: list[SiteConfig] = field(default_factory=list)
    cluster: ClusterConfig | None = None  # None: single-machine mode
    web_base_url: str | None = None  # [web] base_url: the web view's address, for links in feeds and alerts
    web_password_env: str = ""  # [web] password_env: the variable holding the web view's password

    def web_password(self) -> str | None:
        """The web view's HTTP Basic password, read from the named variable at start; never stored."""
        return (os.environ.get(self.web_password_env) or None) if self.web_password_env else None

    def site_label(self, name: str | None) -> str:
        """A site's human label (教育部) where the config gives one, else its name."""
        found = next((s for s in self.sites if s.name == name), None)
        return (found.label if found and found.label else name) or ""
    channels: list[ChannelConfig] = field(default_factory=list)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    subscriptions: list[SubscriptionConfig] = field(default_factory=list)

    def subscription(self, name: str) -> SubscriptionConfig:
        """The [[subscriptions]] entry of that name; ConfigError naming the known ones otherwise."""
        found = next((s for s in self.subscriptions if s.name == name), None)
        if found is None:
            known = ", ".join(s.name for s in self.subscriptions) or "none"
            where = self.path or "the configuration"
            raise ConfigError(f"unknown subscription {name!r} (subscriptions in {where}: {known}); add a"
                              " [[subscriptions]] entry or fix the name")
        return found

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)

    def site_labels(self) -> dict[str, str]:
        """Each site's human name (its label, e.g. 教育部), as digests, chat messages and the web view show it."""
        return {site.name: site.label or site.name for site in self.sites}

    def site(self, name: str) -> SiteConfig:
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites) or "none"
        where = self.path or "the configuration"
        raise ConfigError(f"unknown site {name!r} (sites in {where}: {known}); add a [[sites]] entry or fix the name")


def load_config(path: str | Path | None, *, required: bool = False) -> Config:
    """Read the TOML file at `path` (or ./eduwatch.toml when present); an absent default gives the defaults."""
    if path is None:
        path = Path(DEFAULT_CONFIG)
        if not path.exists():
            return Config(path=None)
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file; create it (see eduwatch.example.toml) or fix --config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc}); check its permissions and encoding (UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}; fix the syntax at that line") from None
    return _build(raw, path)


def _build(raw: dict, path: Path) -> Config:
    v = Validator(path)
    v.keys(raw, "", {"database", "smtp", "crawl", "sites", "channels", "web", "display", "cluster",
                    "subscriptions"})
    config = Config(path=path)
    database = v.table(raw, "database")
    v.keys(database, "database", {"path"})
    config.database = v.string(database, "database.path", default=DEFAULT_DB)
    if "smtp" in raw:
        config.smtp = _smtp(v, v.table(raw, "smtp"))
    config.crawl = _crawl(v, v.table(raw, "crawl"))
    web = v.table(raw, "web")
    v.keys(web, "web", {"base_url", "password_env"})
    config.web_base_url = parse_base_url(v, web, "web.base_url")
    config.web_password_env = v.string(web, "web.password_env", default="")
    if "cluster" in raw:
        config.cluster = _cluster(v, v.table(raw, "cluster"))
    sites = raw.get("sites", [])
    if not isinstance(sites, list):
        raise v.error("sites", "must be an array of tables: write [[sites]] above each site")
    seen: set[str] = set()
    for index, entry in enumerate(sites):
        site = _site(v, entry, f"sites[{index}]")
        if site.name in seen:
            raise v.error(f"sites[{index}].name", f"duplicate site name {site.name!r}; give each site its own name")
        seen.add(site.name)
        config.sites.append(site)
    config.channels = parse_channels(v, raw.get("channels"))
    check_site_channels(v, config.sites, config.channels)
    config.display = parse_display(v, v.table(raw, "display"))
    config.subscriptions = parse_subscriptions(v, raw.get("subscriptions"), sites=config.sites,
                                               channels=config.channels, is_address=is_email_address)
    return config


def _smtp(v: Validator, table: dict) -> SmtpConfig:
    v.keys(table, "smtp", {"host", "port", "security", "username", "password_env", "sender", "timeout"})
    smtp = SmtpConfig(
        host=v.string(table, "smtp.host", default="127.0.0.1"),
        port=v.integer(table, "smtp.port", default=25, low=1, high=65535),
        security=v.choice(table, "smtp.security", SECURITY_MODES, default="none"),
        username=v.string(table, "smtp.username", default=""),
        password_env=v.string(table, "smtp.password_env", default=""),
        sender=v.string(table, "smtp.sender", default="eduwatch@localhost"),
        timeout=float(v.number(table, "smtp.timeout", default=30.0)),
    )
    if not is_email_address(smtp.sender):
        raise v.error("smtp.sender", f"{smtp.sender!r} is not one email address (user@host, no name, no line "
                      "breaks); write e.g. sender = \"eduwatch@example.org\"")
    return smtp


def _crawl(v: Validator, table: dict) -> CrawlConfig:
    v.keys(table, "crawl", {"removal_confirmations", "health_failures", "raw_retention_days", "recheck_days",
                                 "attachment_max_mb", "browser"})
    return CrawlConfig(
        removal_confirmations=v.integer(table, "crawl.removal_confirmations", default=2, low=1, high=100),
        health_failures=v.integer(table, "crawl.health_failures", default=3, low=1, high=1000),
        raw_retention_days=v.integer(table, "crawl.raw_retention_days", default=0, low=0, high=100000),
        recheck_days=v.integer(table, "crawl.recheck_days", default=30, low=0, high=100000),
        attachment_max_mb=v.integer(table, "crawl.attachment_max_mb", default=20, low=0, high=2000),
        browser=v.string(table, "crawl.browser", default=""),
    )


def _cluster(v: Validator, table: dict) -> ClusterConfig:
    v.keys(table, "cluster", {"redis", "nodes", "password_env", "node_down_after"})
    cluster = ClusterConfig(redis=v.string(table, "cluster.redis", default="redis://127.0.0.1:6379/0"),
                            nodes=v.string_list(table, "cluster.nodes"),
                            password_env=v.string(table, "cluster.password_env", default=""),
                            node_down_after=float(v.number(table, "cluster.node_down_after", default=60.0)))
    if not re.match(r"^rediss?://[^/\s]+", cluster.redis):
        raise v.error("cluster.redis", f"{cluster.redis!r} is not a Redis URL; write e.g. redis = \"redis://127.0.0.1:6379/0\"")
    if not cluster.nodes:
        raise v.error("cluster.nodes", "must list at least one scrapyd node, e.g. nodes = [\"http://127.0.0.1:6800\"]")
    for url in cluster.nodes:
        if not re.match(r"^https?://[^/\s]+/?$", url):
            raise v.error("cluster.nodes", f"{url!r} is not a node address; write e.g. \"http://10.0.0.5:6800\"")
    cluster.nodes = [url.rstrip("/") for url in cluster.nodes]
    if len(set(cluster.nodes)) != len(cluster.nodes):
        raise v.error("cluster.nodes", "lists a node twice; list each scrapyd address once")
    return cluster


def _site(v: Validator, entry: object, where: str) -> SiteConfig:
    if not isinstance(entry, dict):
        raise v.error(where, "must be a table: write [[sites]] followed by name = ..., start_urls = [...]")
    v.keys(entry, where, {"name", "start_urls", "follow", "pagination", "spider", "max_list_pages", "schedule",
                          "timeout", "recipients", "channels", "keywords", "exclude_keywords", "label", "allow_private", "api",
                          "render"})
    name = v.string(entry, f"{where}.name")
    if not _SITE_NAME.match(name):
        raise v.error(f"{where}.name", f"{name!r} may only hold letters, digits, '_', '-' and '.'")
    start_urls = v.string_list(entry, f"{where}.start_urls")
    if not start_urls:
        raise v.error(f"{where}.start_urls", "must list at least one URL, e.g. start_urls = [\"http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/\"]")
    for url in start_urls:
        if not re.match(r"^https?://[^/\s]+", url):
            raise v.error(f"{where}.start_urls", f"{url!r} is not an http(s) URL")
        if len(safe_url_string(url)) > URL_LENGTH_LIMIT:
            raise v.error(f"{where}.start_urls", f"{url[:60]!r}… is {len(safe_url_string(url)):,} characters as"
                          f" requested, over the {URL_LENGTH_LIMIT:,} a crawl fetches; use the list page's short address")
    default_spider = name if name in KNOWN_SPIDERS else "generic"
    site = SiteConfig(
        name=name,
        start_urls=start_urls,
        follow=v.regex(entry, f"{where}.follow"),
        pagination=v.regex(entry, f"{where}.pagination"),
        spider=v.choice(entry, f"{where}.spider", KNOWN_SPIDERS, default=default_spider),
        max_list_pages=v.integer(entry, f"{where}.max_list_pages", default=5, low=1, high=10000),
        schedule=v.string(entry, f"{where}.schedule", default="") or None,
        timeout=float(v.number(entry, f"{where}.timeout", default=1800.0)),
        recipients=v.string_list(entry, f"{where}.recipients"),
        channels=v.string_list(entry, f"{where}.channels"),
        keywords=v.string_list(entry, f"{where}.keywords"),
        exclude_keywords=v.string_list(entry, f"{where}.exclude_keywords"),
        label=v.string(entry, f"{where}.label", default=name),
        allow_private=v.boolean(entry, f"{where}.allow_private", default=False),
        render=v.boolean(entry, f"{where}.render", default=False),
    )
    if "api" in entry:
        site.api = parse_api(v, v.table(entry, "api"), f"{where}.api")
    if site.schedule:
        _check_schedule(v, site.schedule, f"{where}.schedule")
    for address in site.recipients:
        if not is_email_address(address):
            raise v.error(f"{where}.recipients", f"{address!r} is not one email address (user@host, no name, no "
                          "line breaks); write one per string, e.g. recipients = [\"a@example.org\", \"b@example.org\"]")
    return site


def is_email_address(text: str) -> bool:
    """Exactly one RFC 5322 addr-spec (user@host), nothing around it: what SMTP's RCPT/MAIL and a To: header take.
    A bare "@" check let "x@evil\\r\\nBcc: y@evil" and "a@b, c@d" through."""
    if not text or any(ord(c) < 33 or ord(c) == 127 for c in text):  # spaces, CR/LF, tabs, control characters
        return False
    try:
        address = Address(addr_spec=text)
    except Exception:  # noqa: BLE001 - the email parser raises ValueError, IndexError, HeaderParseError and defects
        return False
    return address.addr_spec == text and bool(address.username) and bool(address.domain)


def _check_schedule(v: Validator, text: str, key: str) -> None:
    """Validate with the scheduler's own trigger builder, so the check and the real trigger agree."""
    try:
        build_trigger(text)
    except ScheduleError as exc:
        raise v.error(key, str(exc)) from None
