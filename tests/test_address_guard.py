"""A site cannot make the crawler fetch an internal address: redirects, links and attachments to loopback or
private addresses on another origin than the site's own URLs are refused as fetch errors, never archived."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.fetch.address_guard import non_public, origin
from storage import Store
from tests.conftest import FAST, REPO, run_cli

SECRET = "INTERNAL-ADMIN-SECRET"
TEXT = "<p>" + "教育部发布关于进一步加强中小学实验室建设的通知，各地教育行政部门应当认真贯彻落实。" * 4 + "</p>"


@dataclass
class Server:
    """A real HTTP server on one loopback address: path → (status, headers, body); it counts what it was asked."""

    host: str
    routes: dict[str, tuple[int, dict, bytes]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def __enter__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.asked.append(self.path)
                status, headers, body = owner.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((self.host, 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.httpd.server_port}{path}"

    def page(self, path: str, title: str, extra: str = "") -> None:
        html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{TEXT}{extra}</body></html>"
        self.routes[path] = (200, {}, html.encode())

    def redirect(self, path: str, to: str) -> None:
        self.routes[path] = (302, {"Location": to}, b"")


@pytest.fixture
def servers():
    """The site on 127.0.0.1, an internal server on 127.0.0.2 (another loopback host), answering secrets."""
    with Server("127.0.0.1") as site, Server("127.0.0.2") as internal:
        internal.page("/internal/admin.html", SECRET)
        internal.routes["/internal/doc.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 " + SECRET.encode())
        site.redirect("/a1.html", internal.url("/internal/admin.html"))
        site.redirect("/a2.html", internal.url("/internal/admin.html", host="localhost"))  # a name for loopback
        site.redirect("/a3.html", site.url("/moved/a3.html"))  # same origin: allowed
        site.page("/moved/a3.html", "搬迁后的通知")
        site.page("/a4.html", "附件通知", f'<a href="{internal.url("/internal/doc.pdf")}">附件1.pdf</a>')
        links = ["/a1.html", "/a2.html", "/a3.html", "/a4.html", internal.url("/internal/admin.html")]
        site.routes["/list.html"] = (200, {}, ("<html><body><ul>" + "".join(
            f'<li><a href="{href}">通知{k}</a></li>' for k, href in enumerate(links)) + "</ul></body></html>").encode())
        yield site, internal


def crawl(tmp_path: Path, site: Server, extra: str = "", env: dict | None = None) -> tuple[Path, object]:
    config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
    config.write_text(f'[[sites]]\nname = "local"\nstart_urls = ["{site.url("/list.html")}"]\n'
                      f"follow = '\\.html$'\n{extra}", encoding="utf-8")
    return db, run_cli("crawl", "--db", str(db), "--config", str(config), *FAST, timeout=120, env=env)


@pytest.mark.e2e
def test_redirects_links_and_attachments_to_internal_addresses_are_refused_and_recorded(tmp_path, servers):
    site, internal = servers
    db, result = crawl(tmp_path, site)
    assert internal.asked == []  # not one request reached the internal server
    assert "Traceback" not in result.err
    with Store(db) as store:
        for url in (site.url("/a1.html"), site.url("/a2.html"), internal.url("/internal/admin.html")):
            page = store.page(url)
            assert page is not None and not page.get("latest_version"), url
            assert "refused" in page["last_error"] and "allow_private" in page["last_error"], page["last_error"]
        assert store.latest_version(site.url("/a3.html")) is not None  # a same-origin redirect still works
        assert store.latest_version(site.url("/a4.html")) is not None  # the page is kept, its attachment refused
        assert SECRET not in (db.read_bytes() + Path(f"{db}-wal").read_bytes()
                              if Path(f"{db}-wal").exists() else db.read_bytes()).decode("latin-1")


# A hostile name server, in the crawl's own process: its first answer for the name is a public address, every later
# one the internal server's. Connections to the public address are refused here (and noted), so none leaves.
REBINDING = """
import errno, os, socket
NAME, PUBLIC, INTERNAL, LOG = os.environ["REBIND"].split("|")
_gai, _ghbn, _connect_ex, asked = socket.getaddrinfo, socket.gethostbyname, socket.socket.connect_ex, []

def _answer(host):
    asked.append(host)
    return PUBLIC if len(asked) == 1 else INTERNAL

def getaddrinfo(host, port, *args, **kwargs):
    return _gai(_answer(host) if host == NAME else host, port, *args, **kwargs)

def gethostbyname(host):
    return _answer(host) if host == NAME else _ghbn(host)

def connect_ex(self, address):
    with open(LOG, "a") as log:
        log.write(address[0] + "\\n")
    return errno.ECONNREFUSED if address[0] == PUBLIC else _connect_ex(self, address)

socket.getaddrinfo, socket.gethostbyname, socket.socket.connect_ex = getaddrinfo, gethostbyname, connect_ex
"""


@pytest.mark.e2e
def test_a_name_that_rebinds_to_an_internal_address_after_the_check_is_never_connected_to(tmp_path, servers):
    """DNS rebinding: the guard judges the public first answer; the crawl connects to that judged address and
    never asks the name server again, so the later internal answer is never used."""
    site, internal = servers
    rebound = internal.url("/internal/admin.html", host="rebind.test")
    site.routes["/list.html"] = (200, {}, f'<html><body><a href="{rebound}">通知</a></body></html>'.encode())
    (tmp_path / "shim").mkdir()
    (tmp_path / "shim" / "sitecustomize.py").write_text(REBINDING, encoding="utf-8")
    connects = tmp_path / "connects.log"
    db, result = crawl(tmp_path, site, env={"PYTHONPATH": f"{tmp_path / 'shim'}:{REPO}",
                                            "REBIND": f"rebind.test|93.184.216.34|127.0.0.2|{connects}"})
    assert internal.asked == [], result.err  # not one request reached the internal server
    assert "93.184.216.34" in connects.read_text().split(), result.err  # the crawl went to the judged address
    with Store(db) as store:
        page = store.page(rebound)
        assert page is not None and not page.get("latest_version") and page["last_error"], result.err
    assert SECRET not in (db.read_bytes() + Path(f"{db}-wal").read_bytes()
                          if Path(f"{db}-wal").exists() else db.read_bytes()).decode("latin-1")


@pytest.mark.e2e
def test_a_site_with_allow_private_may_reach_its_intranet(tmp_path, servers):
    site, internal = servers
    db, result = crawl(tmp_path, site, "allow_private = true\n")
    assert "/internal/admin.html" in internal.asked
    with Store(db) as store:
        assert store.latest_version(site.url("/a1.html")) is not None, result.err


def test_allow_private_must_be_a_boolean(tmp_path):
    config = tmp_path / "eduwatch.toml"
    config.write_text('[[sites]]\nname = "x"\nstart_urls = ["http://127.0.0.1/"]\nallow_private = "yes"\n')
    result = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "e.db"))
    assert result.code == 1 and "allow_private" in result.err and "true or false" in result.err


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.2", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("169.254.169.254", "link-local"),
    ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("fe80::1%eth0", "link-local"), ("0.0.0.0", "unspecified"),
    ("100.64.0.1", "non-public"), ("240.0.0.1", "private"), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
], ids=lambda v: str(v))
def test_which_addresses_count_as_non_public(address, kind):
    assert non_public(address) == kind


def test_an_origin_fills_the_default_port():
    assert origin("HTTP://Example.org/a") == origin("http://example.org:80/b") == ("http", "example.org", 80)
    assert origin("https://example.org/") != origin("http://example.org:443/")
