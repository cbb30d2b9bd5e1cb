"""A real HTTP server on 127.0.0.1 serving demo sites under path prefixes, with switchable misbehaviour."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import logging
import socket
import struct
import sys
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from crawler.demo.files import DemoFiles, linked_attachment
from crawler.demo.requests import DemoRequest
from crawler.demo.sites import TEMPLATES, Page, Site, build_site, default_sites
from crawler.errors import EduwatchError

log = logging.getLogger(__name__)

ROBOTS = b"User-agent: *\nAllow: /\n"
WAF_HTML = (
    "<html><head><title>安全验证</title></head><body><p>安全验证：请完成验证后继续访问</p></body></html>"
)
SOFT_404_HTML = (
    "<html><head><title>页面不存在</title></head><body><h1>对不起，您访问的页面不存在！</h1></body></html>"
)
HUGE_BYTES = 20 * 1024 * 1024

FAULT_MODES = (
    "delay",  # sleep `seconds`, then answer normally (client timeouts)
    "reset",  # TCP reset before any byte
    "500",
    "503",  # with Retry-After: `retry_after`
    "429",  # with Retry-After: `retry_after`
    "truncate",  # Content-Length larger than the bytes sent
    "huge",  # a 20 MB page
    "redirect_loop",  # 302 to itself forever
    "bad_gzip",  # Content-Encoding: gzip over bytes that are not gzip
    "waf",  # HTTP 412 安全验证 challenge page
    "redirect_home",  # 302 to the site's home page
    "soft404",  # 200 with a 页面不存在 page
    "flap",  # one 503, then normal answers
)


class DemoServerError(EduwatchError, ValueError):
    """A server call named an unknown site or fault mode."""


@dataclass
class Fault:
    mode: str
    seconds: float = 0.0
    retry_after: int = 1


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections when a crawl opens 16 at once

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up mid-answer (timeouts, resets) are expected here, not worth a traceback."""
        log.debug("request from %s ended early", client_address, exc_info=True)


class SiteServer:
    """Serves several Site objects on one port: /<name>/<site path>. Use as a context manager."""

    def __init__(self, sites: dict[str, Site] | None = None, port: int = 0, cache: bool = False):
        self.sites = sites if sites is not None else default_sites()
        # cache=True answers each path from its first rendering (the benchmark's fast mirror); call
        # forget_cache() after editing a site. Off by default: tests edit sites between requests.
        self.cache: dict[str, _Prepared] | None = {} if cache else None
        self._port = port
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self.hits: list[tuple[str, int]] = []  # (path, status) in arrival order
        self._redirects: dict[str, str] = {}  # server path → where it moved (redirect())
        self.files = DemoFiles()  # attachment files: put_file(), served with ETag and Last-Modified

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise DemoServerError("server not started; call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url_for(self, site: str, path: str) -> str:
        if site not in self.sites:
            raise DemoServerError(f"no site {site!r}; mounted: {', '.join(self.sites)}")
        return f"{self.url}/{site}{path}"

    def put_file(self, path: str, data: bytes, content_type: str, filename: str | None = None) -> None:
        """Serve a file (an attachment) at server path `path`, e.g. "/moe/files/招标文件.pdf"."""
        self.files.put(path, data, content_type, filename)
        if self.cache is not None:
            self.cache.pop(path, None)

    def forget_cache(self) -> None:
        if self.cache is not None:
            self.cache.clear()

    def start(self) -> SiteServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = _QuietServer(("127.0.0.1", self._port), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="demo-server", daemon=True
        )
        self._thread.start()
        log.info("demo server on %s serving %s", self.url, ", ".join(self.sites))
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def redirect(self, path: str, to: str) -> None:
        """Answer `path` with a 302 to server path `to` (a download link that moves to the file, as real ones do)."""
        with self._lock:
            self._redirects[path] = to

    def set_fault(self, path: str, mode: str, seconds: float = 0.0, retry_after: int = 1) -> None:
        """Make `path` (server path, e.g. "/moe/jyb_xwfb/...") misbehave until clear_fault()."""
        if mode not in FAULT_MODES:
            raise DemoServerError(f"unknown fault mode {mode!r}; choose one of {', '.join(FAULT_MODES)}")
        with self._lock:
            self._faults[path] = Fault(mode, seconds, retry_after)

    def clear_fault(self, path: str | None = None) -> None:
        with self._lock:
            if path is None:
                self._faults.clear()
            else:
                self._faults.pop(path, None)

    def take_fault(self, path: str) -> Fault | None:
        """The fault for path; a flap fault is used up by the first request."""
        with self._lock:
            fault = self._faults.get(path)
            if fault and fault.mode == "flap":
                del self._faults[path]
            return fault

    def resolve(self, path: str) -> tuple[Site, str, str] | None:
        """(site, path inside the site, mount prefix) for a server path."""
        name, _, rest = path.lstrip("/").partition("/")
        site = self.sites.get(name)
        return (site, "/" + rest, "/" + name) if site else None

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self.hits.append((path, status))


_HUGE: list[bytes] = []


def _huge_body() -> bytes:
    if not _HUGE:
        chunk = "<p>　　这是一个超大页面的填充段落，用于测试抓取器的大小上限。</p>\n".encode()
        _HUGE.append(
            b"<html><head><meta charset='utf-8'><title>huge</title></head><body>"
            + chunk * (HUGE_BYTES // len(chunk) + 1)
            + b"</body></html>"
        )
    return _HUGE[0]


class _Prepared:
    """A page ready to send: its ETag, and its gzip form made once when first asked for."""

    def __init__(self, page: Page):
        self.page = page
        self.etag = '"' + hashlib.sha1(page.body).hexdigest()[:20] + '"'
        self._gzipped: bytes | None = None

    @property
    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.page.body, mtime=0)
        return self._gzipped


class _Handler(BaseHTTPRequestHandler):
    owner: SiteServer
    protocol_version = "HTTP/1.1"
    _query = ""  # the request's query string (demo download links are told apart by it)
    _method = "GET"
    _body = b""  # a POST's body (the JSON-API and Hanweb demo sites read their page requests from it)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_POST(self) -> None:
        """Sites with a `respond` method answer POSTs (JSON list APIs, Hanweb's dataproxy.jsp); others 404."""
        self._body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET(post=True)

    def do_GET(self, head: bool = False, post: bool = False) -> None:
        self._method = "POST" if post else "GET"  # one handler serves a keep-alive connection's requests in turn
        self._body = self._body if post else b""
        path = urlsplit(self.path).path
        fault = self.owner.take_fault(path)
        if fault and self._misbehave(fault, path):
            return
        if self._challenged(path):
            return
        self._query = urlsplit(self.path).query
        moved = self.owner._redirects.get(path)
        if moved is not None:
            self._send(Page(302, {"Location": self.owner.url + moved}, b""), path)
            return
        prepared = self._prepared(path)
        if prepared is None:
            self._send(
                Page(404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404 Not Found</h1>"), path
            )
            return
        self._send_conditional(prepared, path, head)

    def _challenged(self, path: str) -> bool:
        """Answer with the site's JavaScript challenge (its `gate`, crawler/demo/challenge.py) when it has one and
        the request holds no valid clearance."""
        found = self.owner.resolve(path)
        gate = getattr(found[0], "gate", None) if found else None
        page = gate.check(self.headers.get("Cookie"), self.headers.get("User-Agent", "")) if gate else None
        if page is not None:
            self._send(page, path)
        return page is not None

    def _prepared(self, path: str) -> _Prepared | None:
        cache = self.owner.cache if self._method != "POST" else None  # a POST's answer depends on its body
        key = path + ("?" + self._query if self._query else "")  # demo downloads differ by ?uuid=
        if cache is not None and key in cache:
            return cache[key]
        page = self._lookup(path)
        if page is None:
            return None
        prepared = _Prepared(page)
        if cache is not None and page.status == 200:
            cache[key] = prepared
        return prepared

    def _lookup(self, path: str) -> Page | None:
        if path == "/robots.txt" or path.endswith("/robots.txt"):
            return Page(200, {"Content-Type": "text/plain"}, ROBOTS)
        found = self.owner.resolve(path)
        if found is None:
            return None
        site, inner, prefix = found
        respond = getattr(site, "respond", None)  # the shapes beyond plain pages (crawler/demo/shapes.py, apis.py)
        asked = DemoRequest(self._method, inner, self._query, self._body, self.headers.get("Content-Type") or "",
                            prefix)
        page = (respond(asked) if respond else site.render(inner)) or self.owner.files.get(path) \
            or linked_attachment(site, inner, self._query)
        if page is not None and page.status == 200:
            page.headers.setdefault("Last-Modified", formatdate(site.last_modified(inner), usegmt=True))
        return page

    def _send_conditional(self, prepared: _Prepared, path: str, head: bool) -> None:
        page, etag = prepared.page, prepared.etag
        headers = dict(page.headers, ETag=etag) if page.status == 200 else dict(page.headers)
        if page.status == 200 and self._not_modified(etag, headers.get("Last-Modified")):
            self._send(Page(304, {"ETag": etag}, b""), path)
            return
        body = page.body
        if "gzip" in self.headers.get("Accept-Encoding", "") and body:
            body = prepared.gzipped
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        self._send(Page(page.status, headers, body), path, head)

    def _not_modified(self, etag: str, last_modified: str | None) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims and last_modified:
            try:
                return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, page: Page, path: str, head: bool = False, length: int | None = None) -> None:
        self.send_response(page.status)
        for k, v in page.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(page.body) if length is None else length))
        self.end_headers()
        if not head:
            self.wfile.write(page.body)
        self.owner.record(path, page.status)

    def _misbehave(self, fault: Fault, path: str) -> bool:
        """Act out a fault; True when the request has been fully answered (or cut)."""
        html = {"Content-Type": "text/html; charset=utf-8"}
        mode = fault.mode
        if mode == "delay":
            self.owner._stopping.wait(fault.seconds)
            return False
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            self.owner.record(path, 0)
            return True
        if mode in ("500", "503", "429", "flap"):
            status = 503 if mode == "flap" else int(mode)
            headers = dict(html, **({"Retry-After": str(fault.retry_after)} if status != 500 else {}))
            self._send(Page(status, headers, f"<h1>{status}</h1>".encode()), path)
            return True
        return self._misbehave_body(mode, path, html)

    def _misbehave_body(self, mode: str, path: str, html: dict[str, str]) -> bool:
        if mode == "truncate":
            page = self._lookup(path) or Page(200, html, SOFT_404_HTML.encode())
            self.close_connection = True
            self._send(Page(200, page.headers, page.body[: len(page.body) // 2]), path, length=len(page.body))
        elif mode == "huge":
            self._send(Page(200, html, _huge_body()), path)
        elif mode == "redirect_loop":
            self._send(Page(302, {"Location": self.owner.url + path}, b""), path)
        elif mode == "redirect_home":
            found = self.owner.resolve(path)
            home = (found[2] if found else "") + "/"
            self._send(Page(302, {"Location": self.owner.url + home}, b""), path)
        elif mode == "bad_gzip":
            self._send(
                Page(200, dict(html, **{"Content-Encoding": "gzip"}), b"\x1f\x8b\x08\x00broken" * 50), path
            )
        elif mode == "waf":
            self._send(Page(412, html, WAF_HTML.encode()), path)
        elif mode == "soft404":
            self._send(Page(200, html, SOFT_404_HTML.encode()), path)
        return True


def _sites_from_args(args: argparse.Namespace) -> dict[str, Site]:
    names = [n.strip() for n in args.templates.split(",") if n.strip()]
    unknown = [n for n in names if n not in TEMPLATES]
    if unknown:
        raise SystemExit(f"unknown template(s) {unknown}; choose from {', '.join(TEMPLATES)}")
    if args.articles <= 0:
        return {n: s for n, s in default_sites(args.seed).items() if n in names}
    return {n: build_site(n, args.articles, args.seed) for n in names}


def main(argv: list[str] | None = None) -> int:
    """Serve the demo bundle and print the base URL on stdout (the Scrapy mock-server pattern)."""
    parser = argparse.ArgumentParser(prog="python -m crawler.demo.server", description=main.__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--articles", type=int, default=0, help="articles per site (0: the small demo bundle)"
    )
    parser.add_argument("--templates", default=",".join(TEMPLATES), help="comma-separated templates to mount")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (same seed, same pages)")
    args = parser.parse_args(argv)
    server = SiteServer(_sites_from_args(args), port=args.port).start()
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
