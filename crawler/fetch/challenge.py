"""Downloader middleware: meet JavaScript challenges (HTTP 412 瑞数, 521 加速乐) in a real browser, only when met.

The browser clears the challenge once per site; its cookies and its User-Agent then go with the site's plain
Scrapy requests (real WAFs bind the cookies to the UA that met the challenge), and the challenged request is
sent again. When the challenge comes back (the cookie expired) the browser clears it again, once, however
many requests met it at the same time. A challenge page never reaches the spider as a page: it is retried
with the new cookies, or, when the browser cannot clear it, handed on as the HTTP error it is (a fetch error,
never a change or a removal). Without a browser the crawl stops with one line saying what to install.

List pages of a site with `render = true` are opened in the browser and read after their scripts ran. The
browser is held to the address guard's rule (crawler/fetch/address_guard.py) as the plain requests are.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from crawler.fetch import clearances
from crawler.fetch.address_guard import AddressRule
from crawler.fetch.browser import (
    BrowserDoor,
    BrowserFailed,
    BrowserMissing,
    Solved,
    find_browser,
    is_challenge,
)
from spiders.args import spider_flag

logger = logging.getLogger(__name__)
RENDER = "eduwatch_render"  # request.meta flag: open this page in the browser and read the rendered DOM
GENERATION = "eduwatch_challenge_generation"  # which clearance of its host a request carried (0: none)
TRIES = "eduwatch_challenge_tries"  # how often this request met a challenge already
NO_BROWSER = "no browser"  # the close reason's first words when a page needed a browser and none was found


@dataclass
class Clearance:
    solved: Solved
    generation: int
    fruitless: int = 0  # clearances in a row, up to this one, that let no plain request through
    worked: bool = False  # a plain request carrying it got a real answer


class ChallengeMiddleware:
    """Clears challenges with one lazily started browser per crawl and lends its cookies and UA to Scrapy."""

    def __init__(self, crawler, browser: str | None, tries: int, kept: str | None = None):
        self.crawler = crawler
        self.browser = browser  # [crawl] browser, or None: the first Chromium on PATH
        self.tries = tries
        self.kept = kept  # the file clearances are kept in between crawls (crawler/fetch/clearances.py)
        self.door: BrowserDoor | None = None
        # host → its current clearance: those kept from earlier crawls first (tried until the challenge comes back)
        self.cleared = {host: Clearance(solved, 1) for host, solved in clearances.load(kept).items()}
        self.locks: dict[str, asyncio.Lock] = {}
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        middleware = cls(crawler, settings.get("EDUWATCH_BROWSER") or None, settings.getint("EDUWATCH_CHALLENGE_TRIES"),
                         settings.get("EDUWATCH_CLEARANCES") or None)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider) -> None:
        """A site that renders, or whose last crawl met a challenge and left no clearance to try: start the browser
        now, beside the first requests, not after the first challenge (its start is most of what a challenge costs)."""
        if self.browser_expected(spider):
            try:
                self.door = self.door or self._new_door()
            except BrowserMissing:
                return  # said, with what to install, when a page needs the browser
            self.door.warm()

    def browser_expected(self, spider) -> bool:
        """The runner said a browser will be wanted (expect_browser) and no kept clearance may spare it."""
        hosts = {urlsplit(url).netloc for url in getattr(spider, "start_urls", [])}
        return spider_flag(spider, "expect_browser") and (spider_flag(spider, "render") or not hosts <= set(self.cleared))

    def spider_closed(self) -> None:
        if self.door is not None:  # stopped beside the crawl's own shutdown; the process waits for it at exit
            self.door.close(wait=False)
            self.door = None

    # --- requests --------------------------------------------------------------------------------------
    def process_request(self, request):
        if request.meta.get(RENDER) and request.method == "GET":  # a POST (a JSON or Hanweb page) is no page to open
            return self._render(request)
        lock = self.locks.get(urlsplit(request.url).netloc)
        if lock is not None and lock.locked():  # the browser is clearing this host: wait, rather than meet it too
            return self._after_clearance(request, lock)
        self._lend(request)
        return None

    async def _after_clearance(self, request, lock: asyncio.Lock) -> None:
        async with lock:
            pass
        self._lend(request)

    def _lend(self, request) -> None:
        """The host's current clearance (cookies added to the jar's, the browser's UA) on a plain request."""
        clearance = self.cleared.get(urlsplit(request.url).netloc)
        if clearance is not None:
            cookies = {**_cookie_header(request.headers.get(b"Cookie")), **clearance.solved.cookies}
            request.headers[b"Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
            request.headers[b"User-Agent"] = clearance.solved.user_agent
            request.meta[GENERATION] = clearance.generation

    async def _render(self, request):
        door = self._door(request.url)
        try:
            page = await asyncio.wrap_future(door.submit_render(request.url))
        except BrowserFailed as exc:
            self.crawler.stats.inc_value("eduwatch/render_errors")
            raise IgnoreRequest(str(exc)) from None
        self.crawler.stats.inc_value("eduwatch/rendered_pages")
        return HtmlResponse(page.url, status=page.status, body=page.html.encode("utf-8"), encoding="utf-8",
                            request=request)

    # --- responses -------------------------------------------------------------------------------------
    def process_response(self, request, response):
        if is_challenge(response.status, response.body) is None:
            clearance = self.cleared.get(urlsplit(request.url).netloc)
            if clearance is not None and request.meta.get(GENERATION) == clearance.generation:
                clearance.worked = True
            return response
        return self._clear(request, response)

    async def _clear(self, request, response):
        """Clear the challenge this response is (or wait for the clearance under way) and send the request again."""
        stats = self.crawler.stats
        stats.inc_value("eduwatch/challenges_met")
        tries = request.meta.get(TRIES, 0)
        if tries >= self.tries:
            logger.warning("%s: still answers HTTP %s after %d clearances; counted as a fetch error",
                           request.url, response.status, tries)
            return response
        door = self._door(request.url, response.status)
        try:
            cleared_here = await self._refresh(door, request.url, request.meta.get(GENERATION, 0))
        except BrowserFailed as exc:
            stats.inc_value("eduwatch/challenge_errors")
            logger.warning("%s", exc)
            return response
        retry = request.replace(dont_filter=True)
        retry.meta[TRIES] = tries + cleared_here  # taking a clearance another request made costs no try
        return retry

    async def _refresh(self, door: BrowserDoor, url: str, carried: int) -> bool:
        """One clearance per host at a time; a request that carried an older one just takes the newer (False).
        A site that keeps refusing plain requests whatever the browser clears is given up on, not hammered."""
        host = urlsplit(url).netloc
        async with self.locks.setdefault(host, asyncio.Lock()):
            current = self.cleared.get(host)
            if current is not None and current.generation != carried:
                return False
            fruitless = 0 if current is None or current.worked else current.fruitless + 1
            if fruitless >= self.tries:
                raise BrowserFailed(f"{host}: cleared its challenge {fruitless} times in the browser but it refuses "
                                    "the plain requests that carry the cookies; counted as fetch errors")
            solved = await asyncio.wrap_future(door.submit_solve(url))
            clearance = Clearance(solved, (current.generation if current else 0) + 1, fruitless)
            self.cleared[host] = clearance
            clearances.save(self.kept, host, solved)
            self.crawler.stats.inc_value("eduwatch/challenges_cleared")
            logger.info("%s: cleared a JavaScript challenge (HTTP %s) in the browser; clearance %d", host,
                        solved.challenge or "none", clearance.generation)
            return True

    def _door(self, url: str, status: int | None = None) -> BrowserDoor:
        """The crawl's browser; without one, stop the crawl with the fix (once) and drop this request."""
        if self.door is None:
            try:
                self.door = self._new_door()
            except BrowserMissing as exc:
                need = f"{urlsplit(url).netloc} answers a JavaScript challenge (HTTP {status})" if status \
                    else f"{url} is rendered (render = true)"
                self._stop(f"{NO_BROWSER}: {need}; {exc}")
                raise IgnoreRequest(str(exc)) from None
        return self.door

    def _new_door(self) -> BrowserDoor:
        """A browser held to the address guard's rule for this site (its own origins; allow_private), as its
        plain requests are, unless the run turned the guard off."""
        guard = None
        if self.crawler.settings.getbool("EDUWATCH_REFUSE_PRIVATE_ADDRESSES"):
            guard = AddressRule.for_spider(self.crawler.spider)
        return BrowserDoor(find_browser(self.browser), guard=guard)

    def _stop(self, reason: str) -> None:
        if not self.closing:
            self.closing = True
            logger.error("%s", reason)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=reason))


def _cookie_header(raw: bytes | None) -> dict[str, str]:
    """The cookies Scrapy's jar put on a request, so the clearance is added to them, not swapped for them."""
    jar = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1") if raw else "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
