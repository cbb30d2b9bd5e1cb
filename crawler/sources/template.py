"""Placeholders in a site's URLs and request bodies: {page}, {page_size}, {offset}, {date:FMT}, {date-Nd:FMT}, {field}.

Only names the caller knows are replaced; every other brace stays as written, so a JSON body such as
'{"pageNo": {page}}' keeps its own braces.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.clock import DISPLAY_ZONE

_PLACEHOLDER = re.compile(r"\{(date(?:-\d+d)?:[^{}]+|[A-Za-z_][\w.]*)\}")
_DATE = re.compile(r"^date(?:-(\d+)d)?:(.+)$")


def today(zone: str = DISPLAY_ZONE) -> date:
    """Today's date where the sites are (Beijing): a search window must end on their today, not the host's."""
    return datetime.now(ZoneInfo(zone)).date()


def expand(text: str, values: dict[str, object] | None = None, *, on: date | None = None) -> str:
    """`text` with {date:FMT} / {date-Nd:FMT} (Beijing today, N days earlier) and the given names filled in."""
    values = values or {}
    day = on or today()

    def fill(match: re.Match) -> str:
        name = match.group(1)
        dated = _DATE.match(name)
        if dated:
            back = int(dated.group(1) or 0)
            return (day - timedelta(days=back)).strftime(dated.group(2))
        if name in values and values[name] is not None:
            return str(values[name])
        return match.group(0)

    return _PLACEHOLDER.sub(fill, text)


def has_dates(text: str) -> bool:
    """True when `text` carries a date placeholder (its URL differs from day to day)."""
    return any(_DATE.match(m.group(1)) for m in _PLACEHOLDER.finditer(text))


def page_values(page: int, page_size: int) -> dict[str, int]:
    """The paging names: {page} (1-based), {page_size}, {offset} = (page-1) × page_size."""
    return {"page": page, "page_size": page_size, "offset": (page - 1) * page_size}
