"""URL patterns for a proposed site block: `follow` from links that repeat with a shared shape, `pagination` from
the pager's links, and date placeholders for dates in a start URL (a search window)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from urllib.parse import parse_qsl, urlsplit

_DIGITS = re.compile(r"\d+")
_PAGE_PARAM = re.compile(r"^(?:page|pageno|page_index|pageindex|pagenum|pn|p|index|curpage|currentpage|cur)$", re.I)
_URL_DATE = re.compile(r"(?<!\d)(\d{4})([:/.-]?)(\d{2})\2(\d{2})(?!\d)")
PAGER_WORDS = ("下一页", "下页", "尾页", "末页", "上一页", "首页", ">", ">>", "»", "next", "Next")


def shape_of(url: str) -> str:
    """A link's path (and query) with its digit runs as \\d+ and other query values as [^&]*: links of one kind
    (articles, list pages) share it."""
    parts = urlsplit(url)
    path = _generalize(parts.path)
    if not parts.query:
        return path
    params = [f"{re.escape(k)}=" + (r"\d+" if v.isdigit() else r"[^&]*") for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return path + r"\?" + "&".join(params)


def _generalize(text: str) -> str:
    pieces = _DIGITS.split(text)
    return r"\d+".join(re.escape(piece) for piece in pieces)


def follow_for(urls: list[str]) -> tuple[str, int, str] | None:
    """(regex, how many of the links share it, an example) for the largest group of same-shaped links."""
    if not urls:
        return None
    counts = Counter(shape_of(u) for u in urls)
    shape, count = counts.most_common(1)[0]
    example = next(u for u in urls if shape_of(u) == shape)
    return shape + "$", count, example


def pagination_for(urls: list[str]) -> tuple[str, str] | None:
    """(regex, an example) for pager links: a page-numbered query parameter, else a numbered last path segment."""
    params: Counter = Counter()
    segments: Counter = Counter()
    for url in urls:
        parts = urlsplit(url)
        for key, value in parse_qsl(parts.query):
            if value.isdigit() and _PAGE_PARAM.match(key):
                params[key] += 1
        last = parts.path.rsplit("/", 1)[-1]
        if _DIGITS.search(last):
            segments["/" + _generalize(last) + "$"] += 1
    if params:
        key = params.most_common(1)[0][0]
        return rf"[?&]{re.escape(key)}=\d+", next(u for u in urls if f"{key}=" in u)
    if segments:
        pattern = segments.most_common(1)[0][0]
        return pattern, next(u for u in urls if re.search(pattern, urlsplit(u).path))
    return None


def date_placeholders(url: str, today: date) -> str:
    """Dates written in a URL (2026:12:06, 2026-11-06, 20261206) as {date:…} / {date-Nd:…} placeholders relative
    to `today`, so a search window moves with each crawl."""
    def swap(match: re.Match) -> str:
        y, sep, m, d = match.groups()
        try:
            found = date(int(y), int(m), int(d))
        except ValueError:
            return match.group(0)
        back = (today - found).days
        if not 0 <= back <= 3660:
            return match.group(0)
        fmt = sep.join(["%Y", "%m", "%d"])
        return "{date:" + fmt + "}" if back == 0 else "{date-" + str(back) + "d:" + fmt + "}"
    parts = urlsplit(url)
    if not parts.query:
        return url
    return url[: len(url) - len(parts.query)] + _URL_DATE.sub(swap, parts.query) if not parts.fragment else url


_QUERY_NUMBER = re.compile(r"([?&])([^=&#]+)=(\d+)(?=[&#]|$)")


def page_placeholder(url: str) -> str | None:
    """The URL with its page-number query parameter (page=1, pageNo=1, page_index=1 …) as {page}, so an API's
    pages 2… are asked by number; None when no parameter names a page."""
    found = [m for m in _QUERY_NUMBER.finditer(url) if _PAGE_PARAM.match(m.group(2))]
    if not found:
        return None
    match = found[-1]
    return url[: match.start()] + f"{match.group(1)}{match.group(2)}={{page}}" + url[match.end():]
