"""Refuse requests to loopback, private, link-local or reserved addresses outside the site's own URLs.

A site that answers `302 → http://127.0.0.1:.../internal/` (or links an "attachment" on 10.0.0.5) must not
make the crawler fetch and archive an internal page. Every request passes here before it is sent —
start pages, followed links, attachments, API pages and each redirect hop (RedirectMiddleware hands its new
request back through the downloader middlewares) — so spiders get the check without asking for it.

Allowed: any public address; and any address on the origin (scheme, host, port) of one of the spider's
configured URLs (its start URLs and the `--url` pages asked for), so a site served on 127.0.0.1 still
works. A site with `allow_private = true` skips the check (an intranet site). Host names are resolved, and
a name that resolves to a non-public address counts as that address, and Scrapy connects to the very addresses
judged (crawler/fetch/pinned_resolver.py), so a name server cannot answer one address here and another to the
connection. `AddressRule` decides, for the middleware and for the real browser (crawler/fetch/browser.py) alike.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.fetch.pinned_resolver import pin
from spiders.args import spider_flag

logger = logging.getLogger(__name__)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PrivateAddressRefused(IgnoreRequest):
    """A request would reach a non-public address on another origin than the site's configured URLs."""


def origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the default port filled in; None for a URL without a host."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def non_public(address: str) -> str | None:
    """What kind of non-public address this is ("loopback", "private", ...), None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unparseable"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "private", "multicast", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


class AddressGuardMiddleware:
    """Downloader middleware: refuse (as a recorded fetch error) requests to non-public addresses elsewhere."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.rule: AddressRule | None = None  # the crawl's spider's rule, made at its first request

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("EDUWATCH_REFUSE_PRIVATE_ADDRESSES"):
            raise NotConfigured("EDUWATCH_REFUSE_PRIVATE_ADDRESSES is off")
        return cls(crawler)

    async def process_request(self, request, spider=None):
        """Ask the rule; a host it needs to look at is resolved here first, off the reactor thread (again while
        it has no address), and pinned to what was judged: Scrapy connects there (crawler/fetch/pinned_resolver.py)
        instead of asking DNS a second time, whose answer may differ."""
        self.rule = self.rule or AddressRule.for_spider(self.crawler.spider)
        target = self.rule.target(request.url)
        if target is not None and not self.rule.resolved.get(target[0]):
            self.rule.resolved[target[0]] = _literal(target[0]) or await _resolve(*target)
        refusal = self.rule.refusal(request.url)
        if refusal:
            raise PrivateAddressRefused(refusal)
        if target is not None:
            pin(target[0], self.rule.resolved[target[0]])
        return None


class AddressRule:
    """The one rule deciding which requests may go, names resolved once per host. The middleware asks it for
    Scrapy's requests (resolving off the reactor first); the browser (crawler/fetch/browser.py), which sends its
    requests outside Scrapy, holds its own and asks it from one thread (the browser door's), resolving blocking."""

    def __init__(self, allowed, allow_private: bool = False, site: str | None = None):
        self.allowed = set(allowed)  # origins (scheme, host, port) always allowed
        self.allow_private = allow_private
        self.site = site
        self.resolved: dict[str, list[str]] = {}  # host → its addresses

    @classmethod
    def for_urls(cls, urls, allow_private: bool = False, site: str | None = None) -> AddressRule:
        return cls({o for o in map(origin, urls) if o is not None}, allow_private, site)

    @classmethod
    def for_spider(cls, spider) -> AddressRule:
        return cls(allowed_origins(spider), spider_flag(spider, "allow_private"),
                   getattr(spider, "site", None))

    def target(self, url: str) -> tuple[str, int | None] | None:
        """The (host, port) whose addresses decide; None when url may go without looking (not http(s) or a
        WebSocket, an origin of the site's own, or allow_private)."""
        scheme, _, rest = url.partition(":")
        target = origin(_HTTP_LIKE.get(scheme.lower(), scheme) + ":" + rest)
        if self.allow_private or target is None or target[0] not in _DEFAULT_PORTS or target in self.allowed:
            return None
        return target[1], target[2]

    def refusal(self, url: str) -> str | None:
        """Why a request to url is refused (one line naming the fix), None when it may go. A host not resolved
        yet is resolved here, blocking (`addresses`)."""
        target = self.target(url)
        if target is None:
            return None
        return refused(url, target[0], self.addresses(*target), self.site)

    def addresses(self, host: str, port: int | None) -> list[str]:
        """The host's addresses, resolved here, blocking, once (again while it has none); an IP literal is itself."""
        if not self.resolved.get(host):
            self.resolved[host] = _literal(host) or sorted({i[4][0] for i in _getaddrinfo(host, port)})
        return self.resolved[host]

    def is_own(self, host: str, port: int) -> bool:
        """Whether (host, port) is one of the site's configured origins."""
        host = host.lower().strip("[]")
        return any(o[1] == host and o[2] == port for o in self.allowed)

    def destination(self, host: str, port: int) -> tuple[list[str], str | None]:
        """Where a connection the browser opens to (host, port) goes (crawler/fetch/guard_proxy.py): (the addresses
        to connect to, None), or ([], the refusal). Judged as its requests are, by the addresses resolved once;
        the site's own hosts and ports, and allow_private, go to the name as given."""
        host = host.lower().strip("[]")
        if self.allow_private or self.is_own(host, port):
            return [host], None
        addresses = self.addresses(host, port)
        refusal = refused(f"a connection to {host}:{port}", host, addresses, self.site)
        return ([], refusal) if refusal else (addresses, None)


_HTTP_LIKE = {"ws": "http", "wss": "https"}  # a WebSocket's origin is checked as its HTTP twin's


def refused(url: str, host: str, addresses: list[str], site: str | None) -> str | None:
    """The refusal for a request whose host has these addresses (None when all are public)."""
    for address in addresses:
        kind = non_public(address)
        if kind:
            return (f"refused {url}: {host} is {address}, a {kind} address on another origin than "
                    f"{site or 'the site'}'s configured URLs; set allow_private = true in its [[sites]] entry if it "
                    "is an intranet site")
    return None


def _literal(host: str) -> list[str]:
    """[the address] when host is an IP literal, else []."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return []
    return [host.strip("[]")]


async def _resolve(host: str, port: int | None) -> list[str]:
    """Resolve off the reactor thread (asyncio's executor); a name that does not resolve fails later, in Scrapy."""
    try:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except RuntimeError:  # no asyncio loop (another reactor): resolve in place
        infos = _getaddrinfo(host, port)
    except OSError:
        return []
    return sorted({info[4][0] for info in infos})


def _getaddrinfo(host: str, port: int | None) -> list:
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return []


def allowed_origins(spider) -> set[tuple[str, str, int | None]]:
    """The origins of the spider's configured URLs (start URLs, `--url` pages), computed once per spider."""
    cached = getattr(spider, "_eduwatch_origins", None)
    if cached is None:
        urls = [*(getattr(spider, "start_urls", None) or []), *(getattr(spider, "article_urls", None) or [])]
        cached = {o for o in map(origin, urls) if o is not None}
        try:
            spider._eduwatch_origins = cached
        except AttributeError:
            pass
    return cached
