"""Fetch one page outside a crawl (`eduwatch probe`): the single door a challenge solver can be put behind."""

from __future__ import annotations

import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from crawler.errors import EduwatchError
from crawler.fetch.address_guard import AddressRule
from crawler.fetch.browser import BrowserDoor, BrowserMissing, find_browser
from crawler.fetch.settings import DOWNLOAD_TIMEOUT, USER_AGENT

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


class PageFetchError(EduwatchError):
    """The page could not be fetched at all (DNS, refused, timeout); the message names the URL and the cause."""


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str = ""

    @property
    def charset(self) -> str | None:
        match = _CHARSET.search(self.content_type)
        return match.group(1) if match else None

    def text(self) -> str:
        """The body decoded by its declared charset (else UTF-8, else GB18030, the sites' other encoding)."""
        for codec in filter(None, [self.charset, "utf-8", "gb18030"]):
            try:
                return self.body.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
        return self.body.decode("utf-8", "replace")


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Each redirect hop passes the crawl's address rule: a public page answering `302 → http://10.0.0.5/admin`
    must not put an internal page into probe's output."""

    def __init__(self, guard: AddressRule):
        self.guard = guard

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        refusal = self.guard.refusal(newurl)
        if refusal:
            raise PageFetchError(f"{req.full_url}: redirected to an internal address, not followed: {refusal}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Judged:
    """Connects to the addresses the guard judged (AddressRule.destination), not to a second DNS answer: a name
    server cannot answer a public address to the check and 127.0.0.1 to the connection (DNS rebinding). TLS still
    checks the certificate against the host name."""

    def __init__(self, guard: AddressRule):
        super().__init__()
        self.guard = guard

    def do_open(self, http_class, req, **kwargs):
        if req.has_proxy():  # the proxy connects (and resolves) for us
            return super().do_open(http_class, req, **kwargs)

        def judged(*args, **kw):
            connection = http_class(*args, **kw)
            connection._create_connection = self._connect
            return connection

        return super().do_open(judged, req, **kwargs)

    def _connect(self, address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
        host, port = address
        addresses, refusal = self.guard.destination(host, port)
        if refusal:
            raise OSError(refusal)
        failure: OSError = OSError(f"{host} does not resolve")
        for judged in addresses:
            try:
                return socket.create_connection((judged, port), timeout, source_address)
            except OSError as exc:
                failure = exc
        raise failure


class _JudgedHTTPHandler(_Judged, urllib.request.HTTPHandler):
    pass


class _JudgedHTTPSHandler(_Judged, urllib.request.HTTPSHandler):
    pass


def fetch_page(url: str, timeout: float = DOWNLOAD_TIMEOUT, headers: dict[str, str] | None = None,
               guard: AddressRule | None = None) -> Fetched:
    """GET `url` as the crawler would (its User-Agent, or a cleared challenge's `headers`: cookies and the browser's
    UA); an HTTP error status is an answer, not an exception. `url` and every redirect hop pass `guard` (default:
    internal addresses only on `url`'s own origin), as the crawl's requests pass the address guard, and connect to
    the addresses it judged."""
    guard = guard or AddressRule.for_urls([url])
    refusal = guard.refusal(url)
    if refusal:
        raise PageFetchError(refusal)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Language": "zh-CN,zh;q=0.9",
                                                   **(headers or {})})
    opener = urllib.request.build_opener(_GuardedRedirects(guard), _JudgedHTTPHandler(guard), _JudgedHTTPSHandler(guard))
    try:
        with opener.open(request, timeout=timeout) as response:
            return Fetched(url, response.geturl(), response.status, response.read(),
                           response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.geturl() or url, exc.code, exc.read() or b"", exc.headers.get("Content-Type", ""))
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PageFetchError(f"{url}: cannot fetch ({reason}); check the address and your connection") from None


def render_page(url: str, browser: str | None = None, guard: AddressRule | None = None) -> str | None:
    """The page's DOM after its scripts ran (a list drawn by JavaScript); None when no Chromium is installed.
    The browser may reach internal addresses only on the page's own origin (or `guard`'s)."""
    try:
        executable = find_browser(browser or None)
    except BrowserMissing:
        return None
    with BrowserDoor(executable, guard=guard or AddressRule.for_urls([url])) as door:
        return door.render(url).html
