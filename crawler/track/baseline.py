"""When a site's crawl is a baseline: its first complete one, and the first after its navigation rules changed.

Adding `follow` to a site, another start URL, a pagination rule or more list pages brings articles into
view that were there all along: they are no news, so the first crawl under the new rules records them
silently, like a site's first crawl; articles that appear after it are new. Each full crawl stores the
fingerprint of the rules it walked in its run's stats; a crawl of single `--url` pages stores none.
"""

from __future__ import annotations

import hashlib
import json

from crawler.config import SiteConfig


def rules_key(site: SiteConfig | None) -> str | None:
    """A short fingerprint of what decides which articles a crawl of the site sees."""
    if site is None:
        return None
    rules = {"start_urls": site.start_urls, "follow": site.follow, "pagination": site.pagination,
             "spider": site.spider, "max_list_pages": site.max_list_pages}
    if site.api is not None:  # only then: the fingerprints of sites without an API stay what they were
        rules["api"] = site.api.to_json()
    if site.render:  # only when on, so the fingerprints of every site without it stay what they were
        rules["render"] = True
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def rules_changed(runs: list[dict], site: str, key: str | None) -> bool:
    """True when the site's last finished full crawl (in `runs`, newest first) walked other rules than `key`.
    Runs from before fingerprints were stored say nothing, so an old database is not re-baselined."""
    if key is None:
        return False
    for run in runs:
        stats = run.get("stats") or {}
        if run.get("sites") == [site] and run.get("status") == "ok" and stats.get("rules"):
            return stats["rules"] != key
    return False
