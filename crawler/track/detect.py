"""Decide what one fetch means for a page: a new version, a change, a removal, or just an error.

Pure: the pipeline hands in the stored state and the fresh fetch, and applies the Verdict.
The rules that keep alerts trustworthy live here: a failed fetch never blanks content, a removal
needs confirmation, and a body that suddenly collapses is an extraction problem, not an edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.model import (
    FLAG_BINARY,
    FLAG_EMPTY,
    FLAG_ERROR_PAGE,
    FLAG_HUGE,
    FLAG_MEMBERS_ONLY,
    FLAG_NOT_ARTICLE,
    FLAG_TRUNCATED,
    FLAG_WAF,
    Article,
    ChangeKind,
    FetchedPage,
    Outcome,
)

GONE_STATUSES = {404, 410}
HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.shtml", "/default.html", "/default.htm"}
ERROR_PATH_HINTS = ("404", "error", "notfound", "not_found")
SHRINK_RATIO = 0.25  # a body below this fraction of the last one is suspect...
SHRINK_MIN_CHARS = 200  # ...when the last one was at least this long


@dataclass
class Signal:
    """What the fetch says about the page, before comparing with what is stored."""

    kind: str  # "ok" | "gone" | "error" | "flagged"
    reason: str | None = None


@dataclass
class Verdict:
    outcome: Outcome  # what the fetch log records
    change: ChangeKind | None  # the change to record and alert, or None
    state: str  # the page's state afterwards: active|missing|removed|error
    miss_count: int
    store_version: bool  # add a version for the fetched article
    reason: str | None = None


def read_signal(page: FetchedPage, article: Article | None) -> Signal:
    """Classify the fetch: removed-looking, failed, unusable, or a good article."""
    if page.error:
        return Signal("error", page.error)
    status = page.status or 0
    if status in GONE_STATUSES:
        return Signal("gone", f"HTTP {status}")
    if _redirected_away(page):
        return Signal("gone", f"redirected to {page.final_url}")
    if status >= 400:
        return Signal("error", f"HTTP {status}")
    if article is None:
        return Signal("error", "nothing to extract")
    flags = set(article.flags)
    if FLAG_ERROR_PAGE in flags:
        return Signal("gone", "the site answers with a 页面不存在 / error page")
    for flag, reason in ((FLAG_WAF, "anti-bot challenge page (安全验证) instead of content"),
                         (FLAG_EMPTY, "empty response"), (FLAG_BINARY, "not an HTML page"),
                         (FLAG_HUGE, "page too large: only a prefix was read"), (FLAG_TRUNCATED, "truncated page")):
        if flag in flags:
            return Signal("error", reason)
    for flag, reason in ((FLAG_MEMBERS_ONLY, "members-only page: no public body"),
                         (FLAG_NOT_ARTICLE, "no article body found (list or navigation page?)")):
        if flag in flags:
            return Signal("flagged", reason)
    return Signal("ok")


def _redirected_away(page: FetchedPage) -> bool:
    """A redirect to the site's home or an error page is how many sites say 'removed'."""
    if not page.final_url or page.final_url == page.url:
        return False
    path = urlsplit(page.final_url).path.lower()
    name = path.rsplit("/", 1)[-1]
    if any(hint in name for hint in ERROR_PATH_HINTS):
        return True
    # a directory or index page: the site's (or a section's) home, where a removed article's URL now lands
    original = urlsplit(page.url).path.lower()
    return (path in HOME_PATHS or path.endswith("/") or "/" + name in HOME_PATHS) and path != original


def decide(*, signal: Signal, state: str | None, miss_count: int, latest_hash: str | None,
           latest_body_len: int, article: Article | None, found_on_list: bool, baselined: bool,
           confirmations: int) -> Verdict:
    """Combine the fetch signal with the stored state into what to record."""
    state = state or "active"
    if signal.kind == "error":
        return Verdict(Outcome.ERROR, None, state, miss_count, False, signal.reason)
    if signal.kind == "flagged":
        return Verdict(Outcome.FLAGGED, None, state, miss_count, False, signal.reason)
    if signal.kind == "gone":
        return _gone(signal, state, miss_count, latest_hash, confirmations)
    assert article is not None
    if latest_hash is None:
        if baselined and found_on_list:
            return Verdict(Outcome.NEW, ChangeKind.NEW, "active", 0, True)
        return Verdict(Outcome.BASELINE, None, "active", 0, True)
    suspect = _collapsed(article, latest_body_len)
    if suspect:
        return Verdict(Outcome.FLAGGED, None, state, miss_count, False, suspect)
    restored = state == "removed"
    if article.content_hash() == latest_hash:
        if restored:
            return Verdict(Outcome.RESTORED, ChangeKind.RESTORED, "active", 0, False)
        return Verdict(Outcome.UNCHANGED, None, "active", 0, False)
    if restored:
        return Verdict(Outcome.RESTORED, ChangeKind.RESTORED, "active", 0, True)
    return Verdict(Outcome.CHANGED, ChangeKind.CHANGED, "active", 0, True)


def _gone(signal: Signal, state: str, miss_count: int, latest_hash: str | None, confirmations: int) -> Verdict:
    if latest_hash is None:  # never seen with content: nothing to remove
        return Verdict(Outcome.ERROR, None, state if state != "active" else "error", miss_count, False, signal.reason)
    if state == "removed":  # confirmed before: still gone is no news, and no longer "missing"
        return Verdict(Outcome.GONE, None, "removed", miss_count + 1, False, signal.reason)
    misses = miss_count + 1
    if misses >= confirmations:
        return Verdict(Outcome.REMOVED, ChangeKind.REMOVED, "removed", misses, False, signal.reason)
    return Verdict(Outcome.MISSING, None, "missing", misses, False, f"{signal.reason} (unconfirmed: check {misses} of {confirmations})")


def _collapsed(article: Article, latest_body_len: int) -> str | None:
    """An extraction that suddenly lost most of the body is recorded as a problem, never alerted as an edit."""
    new_len = len(article.body)
    if latest_body_len >= SHRINK_MIN_CHARS and new_len < latest_body_len * SHRINK_RATIO:
        return (f"extraction problem: body shrank from {latest_body_len} to {new_len} characters "
                f"(extractor {article.extractor}); the page template may have changed")
    return None
