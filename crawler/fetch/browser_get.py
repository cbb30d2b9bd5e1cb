"""One GET outside a crawl (`eduwatch probe`) that goes through a JavaScript challenge when it meets one.

A plain request first; when the answer is a challenge (crawler/fetch/browser.is_challenge), Chromium clears it
and the request is made again with the browser's cookies and User-Agent, as the crawl's middleware does.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from crawler.fetch.browser import BrowserDoor, Solved, find_browser, is_challenge

DEFAULT_AGENT = "eduwatch/0.1 (change tracker for public education notices; +https://github.com/eduwatch/eduwatch)"


@dataclass(frozen=True)
class Got:
    url: str  # where the answer came from (after redirects)
    status: int
    headers: dict[str, str]
    body: bytes
    challenge: str | None  # "412" / "521" when one was met and cleared on the way, else None


def solve(url: str, browser: str | None = None) -> Solved:
    """Clear the challenge at url in a Chromium started for this call (and closed after it): cookies + UA.
    Raises BrowserMissing (what to install) or BrowserFailed (it would not clear)."""
    with BrowserDoor(find_browser(browser)) as door:
        return door.solve(url)


def get(url: str, *, browser: str | None = None, timeout: float = 30.0, user_agent: str = DEFAULT_AGENT) -> Got:
    """The page at url, through a challenge if it is behind one (BrowserMissing when no Chromium can clear it)."""
    first = _get(url, {"User-Agent": user_agent}, timeout)
    met = is_challenge(first.status, first.body)
    if met is None:
        return first
    solved = solve(url, browser)
    cookie = "; ".join(f"{name}={value}" for name, value in solved.cookies.items())
    again = _get(url, {"User-Agent": solved.user_agent, "Cookie": cookie}, timeout)
    return Got(again.url, again.status, again.headers, again.body, met)


def _get(url: str, headers: dict[str, str], timeout: float) -> Got:
    request = urllib.request.Request(url, headers={"Accept-Language": "zh-CN,zh;q=0.9", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Got(answer.url, answer.status, dict(answer.headers.items()), answer.read(), None)
    except urllib.error.HTTPError as error:  # a 4xx/5xx still has a page (a challenge is one)
        with error:
            return Got(url, error.code, dict(error.headers.items()), error.read(), None)
