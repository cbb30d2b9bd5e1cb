"""`eduwatch probe` fetches outside Scrapy (urllib), so it holds each redirect hop to the crawl's address rule itself:
a list page or a sample article answering `302 → http://127.0.0.2/internal/…` never puts an internal page into
probe's output (issue 24 High 2, probe side)."""

from __future__ import annotations

import pytest

from crawler.fetch.address_guard import AddressRule
from crawler.fetch.page import PageFetchError, fetch_page
from tests.conftest import run_cli
from tests.test_address_guard import SECRET, Server


@pytest.fixture
def servers():
    with Server("127.0.0.1") as site, Server("127.0.0.2") as internal:
        internal.page("/internal/admin.html", SECRET)
        site.redirect("/moved.html", site.url("/list.html"))
        site.redirect("/away.html", internal.url("/internal/admin.html"))
        site.page("/list.html", "通知公告")
        yield site, internal


def test_a_redirect_to_an_internal_address_is_not_followed(servers):
    site, internal = servers
    with pytest.raises(PageFetchError, match=r"redirected to an internal address.*127\.0\.0\.2.*allow_private"):
        fetch_page(site.url("/away.html"))
    assert internal.asked == [], "not one request reached the internal server"


def test_a_redirect_on_the_sites_own_origin_is_followed(servers):
    site, _ = servers
    page = fetch_page(site.url("/moved.html"))
    assert page.status == 200 and page.final_url == site.url("/list.html")


def test_a_site_that_allows_private_addresses_is_followed_there(servers):
    site, internal = servers
    page = fetch_page(site.url("/away.html"), guard=AddressRule.for_urls([site.url("/")], allow_private=True))
    assert SECRET in page.text() and internal.asked == ["/internal/admin.html"]


@pytest.mark.e2e
def test_probe_of_a_page_redirecting_inside_says_so_in_one_line_and_shows_nothing_internal(servers):
    site, internal = servers
    result = run_cli("probe", site.url("/away.html"))
    assert result.code == 1 and SECRET not in result.out + result.err
    [line] = [x for x in result.err.splitlines() if x.startswith("eduwatch: error:")]
    assert "internal address" in line and "127.0.0.2" in line
    assert internal.asked == []


def test_a_name_that_rebinds_after_the_check_is_connected_to_at_the_judged_address_only(servers, monkeypatch):
    """DNS rebinding: a name server (here, this process's resolver) answers a public address to the check and the
    internal server's to every later lookup; probe connects to the address judged, never asking again. A connection
    to that public address is refused here, so none leaves the machine."""
    import socket

    site, internal = servers
    public, lookups, connects = "93.184.216.34", [], []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "rebind.test":
            lookups.append(host)
            host = public if len(lookups) == 1 else "127.0.0.2"
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        connects.append(address[0])
        if address[0] == public:
            raise ConnectionRefusedError(f"{public} refused (the test's stand-in for the internet)")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(PageFetchError, match="cannot fetch"):
        fetch_page(internal.url("/internal/admin.html", host="rebind.test"), guard=AddressRule.for_urls([site.url("/")]))
    assert internal.asked == [], "not one request reached the internal server"
    assert connects == [public], "the one connection went to the address the guard judged"
