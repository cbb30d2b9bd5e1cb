"""Decide whether a finished crawl says a site is broken: pure, like detect.py's page rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListWalk:
    """What the crawl saw on a site's list pages."""

    links: int  # article links found
    errors: int  # list pages that failed


@dataclass(frozen=True)
class HealthVerdict:
    ok: bool  # the lists worked: the site's failure streak resets
    problem: str | None  # set when a health change must be recorded and alerted


def judge_site_health(site: str, walk: ListWalk, *, failures_before: int, last_article_count: int,
                      threshold: int) -> HealthVerdict:
    """A site whose lists fail `threshold` crawls in a row, or suddenly yield nothing, raises one alert.

    `failures_before` is the stored streak before this crawl; the alert fires when the streak reaches the
    threshold (once, not on every later failure)."""
    ok = walk.links > 0 and walk.errors == 0
    if not ok and failures_before + 1 == threshold:
        return HealthVerdict(ok, f"{site}: {threshold} crawls in a row found no articles on the list pages "
                                 f"({walk.errors} list-page errors); the site may be down or its layout changed")
    if walk.links == 0 and last_article_count > 0 and walk.errors == 0:
        return HealthVerdict(ok, f"{site}: the list pages yielded no articles (last crawl: {last_article_count}); "
                                 "the layout may have changed")
    return HealthVerdict(ok, None)
