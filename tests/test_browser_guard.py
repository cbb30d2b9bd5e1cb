"""The real browser is held to the address guard's rule: a rendered page's script, redirect, frame or worker cannot
make Chromium reach an internal address on another origin than the site's (issue 24 High 2, browser side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.fetch.address_guard import AddressRule
from crawler.fetch.browser import CHROMIUM_OWN_HOSTS, BrowserDoor, BrowserFailed, BrowserMissing, find_browser
from storage import Store
from tests.conftest import FAST, run_cli, wait_until
from tests.test_address_guard import SECRET, Server

try:
    CHROMIUM = find_browser()
except BrowserMissing:
    CHROMIUM = None
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="install Debian's chromium (CI does)")


@pytest.fixture
def servers():
    """A site on 127.0.0.1 whose list pages are drawn by script — and whose scripts also reach for an internal server
    on 127.0.0.2 (another loopback host, so another origin): by fetch, image, frame, worker, WebSocket, a same-origin redirect
    hop and, on /away.html, by sending the page itself there."""
    with Server("127.0.0.1") as site, Server("127.0.0.2") as internal:
        admin = internal.url("/internal/admin.html")
        internal.page("/internal/admin.html", SECRET, '<ul><li><a href="/internal/x1.html">内部1</a></li>'
                      '<li><a href="/internal/x2.html">内部2</a></li></ul>')
        site.redirect("/hop", internal.url("/internal/hop"))
        site.routes["/items.html"] = (200, {}, '<ul><li><a href="/a1.html">通知一</a></li>'
                                               '<li><a href="/a2.html">通知二</a></li></ul>'.encode())
        site.routes["/worker.js"] = (200, {"Content-Type": "text/javascript"},
                                     f"fetch('{internal.url('/internal/from-worker')}', {{mode: 'no-cors'}})".encode())
        reach = (f"fetch('{admin}', {{mode: 'no-cors'}}).catch(function(){{}});"
                 "new Image().src = '/hop'; new Worker('/worker.js');"
                 f"new WebSocket('{internal.url('/internal/ws').replace('http:', 'ws:')}');"
                 f"var f = document.createElement('iframe'); f.src = '{internal.url('/internal/frame')}';"
                 "document.body.appendChild(f);")
        site.routes["/list.html"] = (200, {}, (
            "<html><head><title>通知公告</title></head><body><div id='app'>加载中</div><script>"
            "fetch('/items.html').then(function(r){return r.text();}).then(function(t){"
            f"document.getElementById('app').innerHTML = t; {reach}}});</script></body></html>").encode())
        site.routes["/away.html"] = (200, {}, (
            "<html><body><div id='app'>加载中</div><script>window.addEventListener('load', function(){"
            f"location.href = '{admin}';}});</script></body></html>").encode())
        site.page("/a1.html", "通知一")
        site.page("/a2.html", "通知二")
        yield site, internal


@needs_chromium
def test_a_rendered_page_cannot_steer_the_browser_to_an_internal_address(servers):
    site, internal = servers
    with BrowserDoor(CHROMIUM, guard=AddressRule.for_urls([site.url("/list.html")], site="local")) as door:
        page = door.render(site.url("/list.html"))
        with pytest.raises(BrowserFailed, match=r"led the browser off the site: refused .*127\.0\.0\.2.*allow_private"):
            door.render(site.url("/away.html"))
        assert door.refused >= 6  # fetch, image's redirect hop, worker's fetch, frame, WebSocket, the page sent away
    assert internal.asked == [], "not one request reached the internal server"
    assert '<a href="/a1.html">' in page.html, "the same-origin script fetch still draws the list"
    assert {"/items.html", "/hop", "/worker.js"} <= set(site.asked)


@needs_chromium
def test_the_browser_talks_to_none_of_its_own_services(servers):
    """Chromium lists Google accounts and asks for updates as it starts, whatever its flags: from a crawler's server
    that is traffic nobody asked for, and where those names are blocked each lookup hangs. They are refused unlooked-up
    and not counted as the site's refusals; the page renders as before."""
    site, _ = servers
    rule = AddressRule.for_urls([site.url("/items.html")], site="local")
    with BrowserDoor(CHROMIUM, guard=rule) as door:
        page = door.render(site.url("/items.html"))
        wait_until(lambda: door.own_refused >= 1, "Chromium's own first connection (it opens one as it starts)")
        assert door.refused == 0, "the browser's own connections are not the site's refusals"
    assert '<a href="/a1.html">' in page.html
    assert not set(rule.resolved) & CHROMIUM_OWN_HOSTS, "none of its service names was looked up"


@needs_chromium
def test_a_site_that_allows_private_addresses_lets_the_browser_reach_them(servers):
    site, internal = servers
    with BrowserDoor(CHROMIUM, guard=AddressRule.for_urls([site.url("/list.html")], allow_private=True)) as door:
        door.render(site.url("/list.html"))
        assert SECRET in door.render(site.url("/away.html")).html
    assert "/internal/admin.html" in internal.asked


@needs_chromium
@pytest.mark.e2e
def test_a_rendered_crawl_reaches_no_internal_address_and_records_the_site(tmp_path: Path, servers):
    site, internal = servers
    config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
    config.write_text(f'[[sites]]\nname = "local"\nstart_urls = ["{site.url("/list.html")}", "{site.url("/away.html")}"]'
                      "\nfollow = '/a\\d\\.html$'\nrender = true\n", encoding="utf-8")
    result = run_cli("crawl", "--db", str(db), "--config", str(config), *FAST, timeout=180)
    assert internal.asked == [], result.err
    with Store(db) as store:
        assert store.latest_version(site.url("/a1.html")) is not None, result.err
        assert store.latest_version(site.url("/a2.html")) is not None
        assert not any("/internal/" in p["url"] for p in store.pages())
    assert SECRET not in db.read_bytes().decode("latin-1")


@needs_chromium
@pytest.mark.e2e
def test_probe_renders_without_reaching_an_internal_address(tmp_path: Path, servers):
    site, internal = servers
    config = tmp_path / "eduwatch.toml"
    config.write_text("", encoding="utf-8")
    result = run_cli("probe", site.url("/away.html"), "--config", str(config), timeout=120)
    assert internal.asked == []
    assert result.code == 1 and "refused" in result.err and "Traceback" not in result.err, result.err


def _socket_then(internal: Server, then: str) -> str:
    """A script that opens a WebSocket to the internal server and, once it has closed (refused or answered), `then`."""
    return (f"var ws = new WebSocket('{internal.url('/internal/ws').replace('http:', 'ws:')}');"
            f"ws.onclose = function(){{ {then} }};")


@needs_chromium
def test_a_workers_websocket_cannot_reach_an_internal_address(servers):
    site, internal = servers
    site.routes["/ws-worker.js"] = (200, {"Content-Type": "text/javascript"},
                                    _socket_then(internal, "fetch('/after-ws');").encode())
    site.routes["/after-ws"] = (200, {}, b"ok")
    site.routes["/workers.html"] = (200, {}, b"<html><body><p>x</p><script>new Worker('/ws-worker.js');</script>"
                                             b"</body></html>")
    with BrowserDoor(CHROMIUM, guard=AddressRule.for_urls([site.url("/workers.html")], site="local")) as door:
        door.render(site.url("/workers.html"))
        wait_until(lambda: "/after-ws" in site.asked, "the worker's WebSocket to close")
    assert internal.asked == [], "the worker's WebSocket reached the internal server"


@needs_chromium
def test_a_challenge_pages_websocket_cannot_reach_an_internal_address(servers):
    """A door that only solves challenges (never renders) guards WebSockets too: the challenge script's socket is
    refused, and the challenge still clears."""
    site, internal = servers
    script = _socket_then(internal, "location.href = '/open.html';")
    site.routes["/gate.html"] = (412, {}, f"<html><body><script>{script}</script></body></html>".encode())
    site.page("/open.html", "通知公告")
    with BrowserDoor(CHROMIUM, guard=AddressRule.for_urls([site.url("/gate.html")], site="local")) as door:
        solved = door.solve(site.url("/gate.html"))
    assert (solved.status, solved.challenge) == (200, "412")
    assert internal.asked == [], "the challenge page's WebSocket reached the internal server"
