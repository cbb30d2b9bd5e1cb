"""Scrapy's DNS resolver, made to connect to the addresses the address guard judged (crawler/fetch/address_guard.py).

The guard resolves a host to decide whether a request may go; Scrapy then resolved it again to connect, so a
hostile name server could answer a public address to the guard and 127.0.0.1 to Scrapy (DNS rebinding). Now the
guard pins each host it let through to the addresses it judged, and this resolver (TWISTED_DNS_RESOLVER) answers
a pinned host from the pin without asking DNS again; a host pinned with no address (the guard's lookup found
none) fails as a name that does not resolve. Hosts the guard does not look at (the site's own origins, sites
with allow_private) resolve as Scrapy's default resolver does. The pins live in the crawl's process, as
Scrapy's own DNS cache does.
"""

from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

_pins: dict[str, tuple[str, ...]] = {}  # host (lower case) → the addresses the guard judged


def pin(host: str, addresses) -> None:
    """Connections to host go to these addresses (judged public, or the site's own) for the rest of the crawl."""
    _pins[host.lower()] = tuple(addresses)


class PinnedResolver(CachingThreadedResolver):
    """CachingThreadedResolver (IPv4, DNS_TIMEOUT, DNSCACHE_*) that answers pinned hosts from their pin."""

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's interface)
        pinned = _pins.get(name.lower().strip("[]"))
        if pinned is None:
            return super().getHostByName(name, timeout)
        ipv4 = [address for address in pinned if ":" not in address]  # as the default resolver, IPv4 only
        if ipv4:
            return defer.succeed(ipv4[0])
        return defer.fail(DNSLookupError(f"{name}: the address guard found no IPv4 address for it"))
