"""Lists drawn from a JavaScript literal: `var … = [{…title…, …date…, …url…}, …]` in the page's script.

Field names vary per site (title/bt/name, url/link/href, date/fbsj/pubDate), so the fields are chosen by
what their values look like — a path or URL, a date, the longest text — with the names as tie-breakers.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.sources import jsliteral
from crawler.sources.api import loads
from crawler.sources.dates import as_published, looks_like_date
from crawler.sources.model import ListLink

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_LITERAL_START = re.compile(r"(?:=|\(|:)\s*(?=[\[{])")
_URLISH = re.compile(r"^(?:https?://|/|\./|\.\./)[^\s<>\"']*$|^[\w./-]+\.(?:s?html?|jsp|php|aspx?)(?:\?\S*)?$", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_URL_NAMES = re.compile(r"url|link|href|path|lj|address", re.I)
_TITLE_NAMES = re.compile(r"title|bt|name|subject|biaoti|mc", re.I)
_DATE_NAMES = re.compile(r"date|time|pub|fbsj|rq|sj", re.I)
MIN_ITEMS = 2
MAX_SCRIPT = 2_000_000
MAX_TITLE = 300  # characters: longer values are bodies or summaries


def read(text: str, url: str) -> list[ListLink]:
    """Article links from the largest array of objects in the page's scripts that has a link field; a page that
    is itself a literal (a JSON answer, TRS WAS5's docs.jsp) is read whole."""
    if text.lstrip()[:1] in ("{", "["):
        return _literal_page(text, url)
    best: list[ListLink] = []
    for attrs, body in _SCRIPT.findall(text):
        if "xml" in attrs.lower() or "src=" in attrs.lower() or len(body) > MAX_SCRIPT:
            continue
        for items in _arrays(body):
            links = links_from_items(items, url)
            if len(links) > len(best):
                best = links
    return best


def _literal_page(text: str, url: str) -> list[ListLink]:
    try:
        value = loads(text)
    except ValueError:
        return []
    return max((links_from_items(items, url) for items in _object_arrays(value)), key=len, default=[])


def _arrays(script: str):
    """Arrays of objects written as literals in the script (top-level or inside an object literal)."""
    for match in _LITERAL_START.finditer(script):
        try:
            value, _ = jsliteral.parse_at(script, match.end())
        except (ValueError, IndexError, RecursionError):
            continue
        yield from _object_arrays(value)


def _object_arrays(value: object, depth: int = 0):
    if depth > 4:
        return
    if isinstance(value, list):
        objects = [v for v in value if isinstance(v, dict)]
        if len(objects) >= MIN_ITEMS:
            yield objects
    children = value.values() if isinstance(value, dict) else (value if isinstance(value, list) else [])
    for child in children:
        if isinstance(child, dict | list):
            yield from _object_arrays(child, depth + 1)


def links_from_items(items: list[dict], base: str) -> list[ListLink]:
    """ListLinks from item objects whose fields are guessed from their values."""
    fields = guess_fields(items)
    if fields is None:
        return []
    link_key, title_key, date_key = fields
    out: list[ListLink] = []
    for item in items:
        href = item.get(link_key)
        if not isinstance(href, str) or not _URLISH.match(href.strip()):
            continue
        title = str(item.get(title_key) or "").strip() if title_key else ""
        out.append(ListLink(urljoin(base, href.strip()), title, as_published(item.get(date_key)) if date_key else None))
    return out


def guess_fields(items: list[dict]) -> tuple[str, str | None, str | None] | None:
    """(link key, title key, date key) for these items; None when no key holds paths or URLs for most of them."""
    keys = [k for k in items[0] if all(isinstance(i, dict) for i in items)]
    link = _best(keys, items, lambda v: isinstance(v, str) and bool(_URLISH.match(v.strip())), _URL_NAMES)
    if link is None:
        return None
    date = _best([k for k in keys if k != link], items, looks_like_date, _DATE_NAMES)
    texts = [k for k in keys if k not in (link, date)]
    title = max(texts, key=lambda k: _title_score(k, items), default=None)
    if title is not None and _title_score(title, items) <= 0:
        title = None
    return link, title, date


def _best(keys: list[str], items: list[dict], test, names: re.Pattern) -> str | None:
    """The key whose values pass `test` for most items (at least half); ties go to the key whose values differ
    item to item (an article's link, not its channel's), then to a telling name."""
    scored = []
    for key in keys:
        hits = sum(1 for item in items if test(item.get(key)))
        if hits * 2 >= len(items) and hits:
            distinct = len({str(item.get(key)) for item in items})
            scored.append((hits, distinct, bool(names.search(key)), key))
    return max(scored)[3] if scored else None


def _title_score(key: str, items: list[dict]) -> float:
    """How much a key's values look like titles: CJK text of some length, on one line (a summary or body is not)."""
    values = [v for v in (item.get(key) for item in items) if isinstance(v, str) and v.strip()]
    if len(values) * 2 < len(items) or any("\n" in v.strip() or len(v) > MAX_TITLE for v in values):
        return 0
    cjk = sum(len(_CJK.findall(v)) for v in values) / len(values)
    length = sum(len(v) for v in values) / len(values)
    return cjk * 2 + length + (20 if _TITLE_NAMES.search(key) else 0)
