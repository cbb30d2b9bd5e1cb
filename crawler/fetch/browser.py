"""The one door to a real browser: solve a JavaScript challenge (→ cookies + User-Agent), render a page (→ HTML).

Debian's chromium driven by Playwright (launched with executable_path: Playwright never downloads a browser
here). Playwright's sync objects belong to the thread that made them, so every call runs on the door's own
thread, started lazily on first use and closed on every exit path (close(), or at interpreter exit). Nothing
else in eduwatch imports Playwright.

A hostile page's script or redirect could steer the browser to an internal address (127.0.0.1:<port>, 10.x) and,
rendered, have it read: with a `guard` (crawler/fetch/address_guard.AddressRule) every request the browser sends
— each redirect hop, frame, worker and popup included, which Playwright's page.route does not see — is paused
at the browser's DevTools Fetch domain and refused when the rule refuses it (the page is told why); and every
connection it opens, WebSockets (a worker's, a challenge page's) included, which that domain does not see, goes
through a SOCKS5 proxy that holds it to the same rule and connects it to the addresses judged
(crawler/fetch/guard_proxy.py).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.errors import EduwatchError
from crawler.fetch.guard_proxy import GuardProxy

if TYPE_CHECKING:
    from crawler.fetch.address_guard import AddressRule

logger = logging.getLogger(__name__)

CHALLENGE_STATUSES = (412, 521)  # 瑞数 answers 412, 加速乐 521, each with a script that sets cookies and reloads
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Hosts Chromium calls for itself, whatever its flags: its Google account list (accounts.google.com/ListAccounts,
# as its network starts: no flag turns it off) and its component and safe-browsing updates. No page needs them; a
# crawler's server must not talk to them (where they are blocked, each lookup hangs 5–10 s). The guard's proxy
# refuses them without a lookup, and a browser without the proxy (allow_private) cannot resolve them.
CHROMIUM_OWN_HOSTS = frozenset({
    "accounts.google.com", "android.clients.google.com", "clients2.google.com", "clients2.googleusercontent.com",
    "clientservices.googleapis.com", "content-autofill.googleapis.com", "edgedl.me.gvt1.com",
    "optimizationguide-pa.googleapis.com", "redirector.gvt1.com", "safebrowsing.googleapis.com",
    "update.googleapis.com"})
# Flags that work for a headless Chromium run as root in a container, with nothing phoning home.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage",
                  "--host-resolver-rules=" + ", ".join(f"MAP {host} ~NOTFOUND" for host in sorted(CHROMIUM_OWN_HOSTS))]
SOLVE_TIMEOUT = 30.0  # seconds a challenge may take to clear in the browser before the page counts as failed
RENDER_IDLE_MS = 500  # a rendered page is read once the network has been quiet this long (Playwright's networkidle)


class BrowserMissing(EduwatchError):
    """A page needs a real browser (a challenge, or render = true) and none was found."""


class BrowserFailed(EduwatchError):
    """The browser started but could not clear the challenge or render the page in time."""


@dataclass(frozen=True)
class Solved:
    """What a cleared challenge leaves behind, to send with plain HTTP requests until it expires."""

    cookies: dict[str, str]  # name → value, for the challenged host
    user_agent: str  # the browser's: real WAFs bind the cookies to the User-Agent that met the challenge
    status: int  # HTTP status of the page once cleared
    challenge: str | None  # "412" / "521" when the browser met one on the way, else None

    def headers(self) -> dict[str, str]:
        """What a plain request sends to pass: the cookies, and the UA they are bound to."""
        return {"User-Agent": self.user_agent, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


@dataclass(frozen=True)
class Rendered:
    url: str  # where the browser ended up
    status: int
    html: str  # the DOM after scripts ran, serialised


def is_challenge(status: int, body: bytes) -> str | None:
    """ "412" / "521" when an answer is a JavaScript challenge page (a script to run, not content), else None."""
    if status not in CHALLENGE_STATUSES:
        return None
    head = body[:65536].lower()
    return str(status) if b"<script" in head else None


def find_browser(configured: str | None = None) -> str:
    """The Chromium to start: [crawl] browser when set, else the first one on PATH; BrowserMissing names the fix."""
    if configured:
        path = shutil.which(configured) or (configured if os.access(configured, os.X_OK) else None)
        if path is None or os.path.isdir(path):
            raise BrowserMissing(f"[crawl] browser = {configured!r} is not an executable Chromium; install one "
                                 "(apt install chromium) and point browser at it, or remove the key to use PATH")
        return path
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing("no Chromium found on PATH: install it (apt install chromium) or set "
                         "[crawl] browser = \"/path/to/chromium\" in the configuration")


def solve(url: str, browser: str | None = None, guard: AddressRule | None = None) -> Solved:
    """Clear the challenge at url in a Chromium started for this call and closed after it (`eduwatch probe`).
    Raises BrowserMissing (saying what to install) or BrowserFailed (it would not clear)."""
    with BrowserDoor(find_browser(browser), guard=guard) as door:
        return door.solve(url)


def user_agent_for(version: str) -> str:
    """The UA the browser announces: what this Chromium sends when it has a window (Chrome's reduced UA: the major
    version only), not the 'HeadlessChrome' one that WAFs refuse on sight. Built from the version, not read
    from a page: a page opened only to ask cost a second of every start."""
    major = version.split(".", 1)[0]
    return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


class BrowserDoor:
    """One Chromium for a crawl (or a probe): `solve(url)` and `render(url)`, blocking; `submit_*` give futures."""

    def __init__(self, executable: str, timeout: float = SOLVE_TIMEOUT, guard: AddressRule | None = None):
        self.executable = executable
        self.timeout = timeout
        self.guard = guard  # None: the browser may go anywhere (a bench, or the check turned off for a run)
        self.refused = 0  # requests and connections the guard refused
        self._counting = threading.Lock()  # the proxy's thread counts refusals too
        self._refused_pages: list[str] = []  # why each refused main-frame page was refused
        self._main_frame: str | None = None
        self._proxy: GuardProxy | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._playwright = self._browser = self._context = None
        self.launch_seconds = 0.0  # how long Chromium took to start (the benchmark prints it)
        self.solves = 0
        self.renders = 0

    # --- public, from any thread -------------------------------------------------------------------------
    def submit_solve(self, url: str) -> Future[Solved]:
        return self._thread().submit(self._solve, url)

    def submit_render(self, url: str) -> Future[Rendered]:
        return self._thread().submit(self._render, url)

    def solve(self, url: str) -> Solved:
        return self.submit_solve(url).result()

    def warm(self) -> None:
        """Start Chromium now, in the background: the next solve or render waits for it instead of starting it.
        A start that fails is tried again, and reported, by that call."""
        self._thread().submit(self._launch_quietly)

    def render(self, url: str) -> Rendered:
        return self.submit_render(url).result()

    @property
    def own_refused(self) -> int:
        """Connections Chromium opened for its own services (CHROMIUM_OWN_HOSTS), refused by the guard's proxy."""
        proxy = self._proxy
        return proxy.own_refused if proxy is not None else 0

    def close(self, wait: bool = True) -> None:
        """Stop the browser and its thread; safe to call twice, and on a door never used. `wait=False` returns at
        once and lets the stop run beside what the caller does next (the interpreter still waits for it at exit)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            atexit.unregister(self.close)
            try:
                stopping = pool.submit(self._shutdown)
                if wait:
                    stopping.result()
            except RuntimeError:  # at interpreter exit the pool takes no work: Playwright's driver ends with us
                logger.debug("browser left to Playwright's driver to stop at exit")
            pool.shutdown(wait=wait)

    def __enter__(self) -> BrowserDoor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- on the door's thread ----------------------------------------------------------------------------
    def _thread(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eduwatch-browser")
            atexit.register(self.close)
        return self._pool

    def _page(self):
        if self._context is None:
            self._launch()
        if self._context.pages:
            return self._context.pages[0]
        page = self._context.new_page()
        # every visit asks the site: a page from Chromium's cache would neither meet a returning challenge
        # nor show a list's new items
        cdp = self._context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self._main_frame = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        return page

    def _launch_quietly(self) -> None:
        try:
            self._page()
        except BrowserFailed as exc:
            logger.debug("early start failed (the next call starts it again): %s", exc)

    def _launch(self) -> None:
        from playwright.sync_api import Error, sync_playwright  # only here: nothing else imports Playwright

        started = time.monotonic()
        guarded = self.guard is not None and not self.guard.allow_private
        flags = CHROMIUM_FLAGS + (self._proxy_flags() if guarded else [])
        self._playwright = sync_playwright().start()
        try:  # launch() gives Chromium a fresh temporary --user-data-dir and removes it on close
            self._browser = self._playwright.chromium.launch(executable_path=self.executable, headless=True,
                                                             args=flags, timeout=self.timeout * 1000)
            self._context = self._browser.new_context(user_agent=user_agent_for(self._browser.version), locale="zh-CN",
                                                      timezone_id="Asia/Shanghai", service_workers="block")
            if guarded:
                self._screen(self._browser.new_browser_cdp_session())
        except Error as exc:
            self._shutdown()
            raise BrowserFailed(f"could not start {self.executable}: {str(exc).splitlines()[0]}; check that it "
                                "runs (`chromium --headless --version`) or set [crawl] browser") from None
        self.launch_seconds = time.monotonic() - started
        logger.info("started %s in %.1f s", self.executable, self.launch_seconds)

    def _proxy_flags(self) -> list[str]:
        """Every connection through the guard's proxy, loopback ones too (Chromium sends those direct by default)."""
        self._proxy = GuardProxy(self.guard, self._refuse_connection, own_hosts=CHROMIUM_OWN_HOSTS)
        return [f"--proxy-server={self._proxy.start()}", "--proxy-bypass-list=<-loopback>"]

    def _refuse_connection(self, refusal: str) -> None:
        with self._counting:
            self.refused += 1
        logger.info("browser: %s", refusal)

    def _screen(self, session) -> None:
        """Pause every request of the whole browser (the browser target's Fetch domain: redirect hops, frames,
        workers, popups) and let it go only when the guard does; a refused one fails as blocked."""
        from playwright.sync_api import Error

        def paused(event: dict) -> None:
            url = event["request"]["url"]
            try:
                refusal = self.guard.refusal(url)
            except Exception as exc:  # noqa: BLE001 - a request the rule cannot judge does not go
                refusal = f"refused {url}: {exc}"
            try:
                if refusal is None:
                    session.send("Fetch.continueRequest", {"requestId": event["requestId"]})
                    return
                with self._counting:
                    self.refused += 1
                logger.info("browser: %s", refusal)
                if event.get("resourceType") == "Document" and event.get("frameId") == self._main_frame:
                    self._refused_pages.append(refusal)
                session.send("Fetch.failRequest", {"requestId": event["requestId"], "errorReason": "BlockedByClient"})
            except Error as exc:  # the request or the browser is gone already
                logger.debug("browser: answering a paused request: %s", exc)

        session.on("Fetch.requestPaused", paused)
        session.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})

    def _refusal_since(self, mark: int) -> str | None:
        """Why the page itself (main frame) was refused since `mark` (len of the list then), else None."""
        return self._refused_pages[-1] if len(self._refused_pages) > mark else None

    def _navigate(self, url: str, until: str = "load"):
        """Open url and wait for `until` ("load", "domcontentloaded") of a page that is no challenge; (page, its
        response, challenge met)."""
        from playwright.sync_api import Error

        page = self._page()
        mark = len(self._refused_pages)
        seen: dict = {"met": [], "cleared": None}

        def on_response(response) -> None:
            if response.frame != page.main_frame or not response.request.is_navigation_request():
                return
            if response.status in CHALLENGE_STATUSES:
                seen["met"].append(response.status)
            elif seen["cleared"] is None:
                seen["cleared"] = response

        page.on("response", on_response)
        try:  # a challenge page loads, runs its script and reloads: wait for `until` after the cleared answer
            with page.expect_event(until, predicate=lambda _: seen["cleared"] is not None,
                                   timeout=self.timeout * 1000):
                page.goto(url, wait_until="commit", timeout=self.timeout * 1000)
        except Error as exc:
            if self._refusal_since(mark):
                raise BrowserFailed(f"{url}: the browser was led off the site: {self._refusal_since(mark)}") from None
            met = f" (met HTTP {seen['met'][-1]} and it did not clear)" if seen["met"] else ""
            raise BrowserFailed(f"{url}: the browser could not load the page{met}: {str(exc).splitlines()[0]}") from None
        finally:
            page.remove_listener("response", on_response)
        return page, seen["cleared"], (str(seen["met"][0]) if seen["met"] else None)

    def _solve(self, url: str) -> Solved:
        """Clear the challenge: done once the cleared page's own scripts ran (DOMContentLoaded; its images and
        frames add nothing to the cookies). The browser's first page is closed after: its renderer would
        otherwise spend about half a second of CPU on after-start work beside the crawl it has just let through.
        A later clearance (the cookie expired) keeps its page: opening another costs more than that."""
        page, response, met = self._navigate(url, until="domcontentloaded")
        self.solves += 1
        host = urlsplit(url).hostname or ""
        cookies = {c["name"]: c["value"] for c in self._context.cookies()
                   if _domain_matches(host, c.get("domain", ""))}
        solved = Solved(cookies, page.evaluate("navigator.userAgent"), response.status, met)
        if self.solves == 1 and not self.renders:  # a door that renders keeps its page for the next one
            page.close()
            self._main_frame = None
        return solved

    def _render(self, url: str) -> Rendered:
        from playwright.sync_api import Error

        mark = len(self._refused_pages)
        page, response, _ = self._navigate(url)
        try:
            page.wait_for_load_state("networkidle", timeout=self.timeout * 1000)
        except Error:
            logger.warning("%s: the network never went quiet; reading the page as it is", url)
        if self._refusal_since(mark):  # its script sent the page elsewhere: what is left is Chromium's error page
            raise BrowserFailed(f"{url}: the page's script led the browser off the site: {self._refusal_since(mark)}")
        self.renders += 1
        return Rendered(page.url, response.status, page.content())

    def _shutdown(self) -> None:
        for closing in (self._context, self._browser):
            if closing is not None:
                try:
                    closing.close()
                except Exception as exc:  # noqa: BLE001 - a browser that already died must not stop the cleanup
                    logger.debug("closing the browser: %s", exc)
        if self._playwright is not None:
            self._playwright.stop()
        if self._proxy is not None:
            self._proxy.close()
        self._playwright = self._browser = self._context = self._main_frame = self._proxy = None


def _domain_matches(host: str, domain: str) -> bool:
    domain = domain.lstrip(".")
    return host == domain or host.endswith("." + domain)
