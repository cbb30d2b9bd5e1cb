"""Cleared JavaScript challenges kept between crawls: per host, the cookies and the User-Agent they are bound to.

A scheduled crawl every half hour finds most clearances still valid (加速乐 sets max-age=3600; 瑞数's last
while the visit does), so it starts with them and opens the browser only when the challenge comes back. The
file sits beside the database (`<db>-clearances.json`, mode 0600: the cookies are a visitor's session) and
is written whole, beside and then moved into place, so a crawl never reads half of it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from crawler.fetch.browser import Solved

logger = logging.getLogger(__name__)
MAX_AGE = 24 * 3600.0  # seconds; an older clearance is not tried (real ones are long expired by then)


def load(path: str | None) -> dict[str, Solved]:
    """The hosts' kept clearances; an absent, unreadable or damaged file is no clearance (the browser clears)."""
    if not path:
        return {}
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        now = time.time()
        return {host: Solved(dict(entry["cookies"]), entry["user_agent"], 200, entry.get("challenge"))
                for host, entry in raw.items() if now - float(entry["saved_at"]) < MAX_AGE}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("ignoring the kept challenge clearances in %s (%s); the browser clears them again", path, exc)
        return {}


def save(path: str | None, host: str, solved: Solved) -> None:
    """Keep one host's new clearance beside the others'."""
    if not path:
        return
    try:
        kept = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    kept[host] = {"cookies": solved.cookies, "user_agent": solved.user_agent, "challenge": solved.challenge,
                  "saved_at": time.time()}
    part = Path(path + ".part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(kept, out, ensure_ascii=False)
        part.replace(path)
    except OSError as exc:  # the crawl goes on with the clearance in memory
        logger.warning("could not keep the challenge clearance for %s in %s: %s", host, path, exc)
