"""`eduwatch search`: one page of hits (--limit, --offset), publication times as people read them, and a total."""

from __future__ import annotations

import json
import sys

from crawler.clock import display_time, parse_when
from crawler.config import Config
from crawler.errors import EduwatchError

TOTAL_CAP = 1000  # hits counted for the total ("1,000+" beyond), as the web view's search counts them
JSON_KEYS = ("url", "title", "published", "site", "snippet", "attachment")


def search(store, config: Config, args) -> int:
    zone = config.display.timezone
    if args.limit < 1 or args.offset < 0:
        raise EduwatchError("--limit must be at least 1 and --offset at least 0, e.g. --limit 20 --offset 20")
    found = store.search(args.query, site=args.site, limit=TOTAL_CAP,  # publication dates: a bare date stays a date
                         since=parse_when(args.since, zone=zone, dates_in_zone=False),
                         until=parse_when(args.until, zone=zone, dates_in_zone=False))
    hits = found[args.offset:args.offset + args.limit]
    if args.json:
        print(json.dumps([{k: h.get(k) for k in JSON_KEYS} for h in hits], ensure_ascii=False, indent=2))
    elif not found:
        print(f"nothing found for {args.query!r}")
    for hit in [] if args.json else hits:
        where = f"\n    附件《{hit['attachment']['title']}》 {hit['attachment']['url']}" if hit.get("attachment") else ""
        print(f"{display_time(hit.get('published'), zone):<16} {hit['title']}\n    {hit['url']}{where}\n"
              f"    {hit['snippet']}")
    if found:
        print(footer(len(found), args.offset, len(hits), args.limit), file=sys.stderr if args.json else sys.stdout)
    return 0


def footer(total: int, offset: int, shown: int, limit: int) -> str:
    """'hits 21–40 of 120; next: --offset 40': where this page sits among all hits and how to see the next."""
    of = f"{TOTAL_CAP:,}+" if total >= TOTAL_CAP else f"{total:,}"
    span = f"hits {offset + 1}–{offset + shown} of {of}" if shown else f"no hits past {offset:,} (there are {of})"
    return span + (f"; next: --offset {offset + limit}" if offset + limit < total else "")
