"""Recognise what a list page is (HTML links, a Hanweb datastore, a script literal, a JSON answer) and propose
the site block that crawls it: the pure half of `eduwatch probe` (the fetching half lives in the CLI)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from crawler.errors import EduwatchError
from crawler.sources import api, hanweb, scriptlist
from crawler.sources.dates import find_date
from crawler.sources.model import ListLink
from crawler.sources.patterns import PAGER_WORDS, follow_for, page_placeholder, pagination_for, shape_of

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_PAGER_CLASS = re.compile(r"pag|pg|pager", re.I)
_PUBLISHER = re.compile(r"(厅|局|委|部|办|网|中心|政府|学校|大学|学院|平台)$")


class NotAList(EduwatchError):
    """The page cannot be read as a list; the message says what it saw and what to do."""


@dataclass
class Proposal:
    """A recognised list: its shape, the links it would follow, and the block's keys with a comment for each."""

    shape: str  # html | hanweb | script | api
    links: list[ListLink]
    keys: dict[str, object] = field(default_factory=dict)  # follow, pagination, api...
    notes: dict[str, str] = field(default_factory=dict)  # key → why it was guessed
    label: str = ""
    start_url: str = ""  # the start URL to propose when it differs from the page probed ({page} for a paged API)


def recognise(text: str, url: str, content_type: str = "") -> Proposal:
    """The page's list shape and a proposal; NotAList with what was seen when no list can be read."""
    label = _label(text)
    if "json" in content_type.lower() or text.lstrip()[:1] in ("{", "["):
        return _json_list(text, url)
    reading = hanweb.read(text, url)
    if reading and reading.links:
        return _with_follow(Proposal("hanweb", reading.links, label=label), reading.paging)
    anchors = _anchors(text, url)
    best = _best_group(anchors)
    if best and sum(1 for link in best if link.published) >= 2:
        return _html(best, anchors, label)
    script = scriptlist.read(text, url)
    if len(script) >= 2:
        return _with_pager(_with_follow(Proposal("script", script, label=label)), anchors, script)
    if best and len(best) >= 3:
        return _html(best, anchors, label)
    raise NotAList(f"{url}: no repeating links (saw {len(anchors)} links, no Hanweb datastore, no script list); "
                   "give the list page itself, not a home or article page")


def _label(text: str) -> str:
    """The publisher's name from the <title> ("通知公告-广东省教育厅" → 广东省教育厅, "中国政府采购网-搜索" → 中国政府采购网)."""
    match = _TITLE.search(text)
    title = " ".join(lxml_html.fromstring(match.group(1)).text_content().split()) if match and match.group(1).strip() else ""
    parts = [part.strip() for part in re.split(r"[-_|｜—]", title) if part.strip()]
    named = [part for part in parts if _PUBLISHER.search(part)]
    return (named or parts or [title])[-1]


def _anchors(text: str, url: str) -> list[tuple[ListLink, str, str]]:
    """(link, anchor text, anchor/parent class) for every same-site http(s) link, in page order."""
    try:
        root = lxml_html.fromstring(text)
    except (ValueError, TypeError):
        return []
    host = urlsplit(url).netloc
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        target = urljoin(url, href)
        if not href or href.startswith(("#", "javascript:")) or urlsplit(target).netloc != host or target == url:
            continue
        parent = a.getparent()
        context = parent.text_content() if parent is not None else ""
        words = " ".join(a.text_content().split())
        title = (a.get("title") or words).strip()
        classes = " ".join(filter(None, [a.get("class"), parent.get("class") if parent is not None else None]))
        out.append((ListLink(target, title, find_date(context)), words, classes))
    return out


def _best_group(anchors: list[tuple[ListLink, str, str]]) -> list[ListLink] | None:
    """The links sharing one shape that carry the most dates, then the most links (articles, not navigation)."""
    groups: dict[str, list[ListLink]] = {}
    for link, _, _ in anchors:
        if r"\d+" in shape_of(link.url):
            group = groups.setdefault(shape_of(link.url), [])
            if link.url not in {seen.url for seen in group}:
                group.append(link)
    if not groups:
        return None
    return max(groups.values(), key=lambda g: (sum(1 for link in g if link.published), len(g)))


def _html(best: list[ListLink], anchors, label: str) -> Proposal:
    return _with_pager(_with_follow(Proposal("html", best, label=label)), anchors, best)


def _with_follow(proposal: Proposal, paging=None) -> Proposal:
    regex, count, example = follow_for([link.url for link in proposal.links])
    proposal.links = [link for link in proposal.links if re.search(regex, link.url)]
    proposal.keys["follow"] = regex
    proposal.notes["follow"] = f"{count} links on the page share this shape, e.g. {urlsplit(example).path}"
    if paging is not None:
        total = f", {paging.total} records" if paging.total else ""
        proposal.notes["shape"] = (f"Hanweb jpage list: pages 2… come from {urlsplit(paging.proxy).path} asked by "
                                   f"{paging.ask.upper()} (columnid {paging.params.get('columnid')}, "
                                   f"{paging.per_page} a page{total}); no pagination key needed")
    elif proposal.shape == "hanweb":
        proposal.notes["shape"] = "Hanweb datastore without dataproxy parameters: page 1 only"
    return proposal


def _with_pager(proposal: Proposal, anchors, chosen: list[ListLink]) -> Proposal:
    taken = {link.url for link in chosen}
    pager = [link.url for link, words, classes in anchors if link.url not in taken
             and (words.isdigit() or words in PAGER_WORDS or _PAGER_CLASS.search(classes or ""))]
    found = pagination_for(pager)
    if found:
        proposal.keys["pagination"] = found[0]
        proposal.notes["pagination"] = f"the pager links here share this shape, e.g. {_tail(found[1])}"
    return proposal


def _tail(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _json_list(text: str, url: str) -> Proposal:
    """A JSON answer to a GET: an [sites.api] proposal when it holds an array of items with a link field; a page
    number in the URL becomes {page}, and the items on this page the page size."""
    try:
        data = api.loads(text)
    except ValueError:
        raise NotAList(f"{url}: answered something that starts like JSON but is not; check the address") from None
    best = max(_item_arrays(data, ""), key=lambda found: len(found[1]), default=None)
    fields = scriptlist.guess_fields(best[1]) if best else None
    if not best or fields is None:
        keys = ", ".join(list(data)[:6]) if isinstance(data, dict) else f"an array of {len(data)}"
        raise NotAList(f"{url}: answered JSON ({keys}) with no list of items that link articles; declare it by hand "
                       "in [sites.api] (README: Adding a site)")
    path, items = best
    link_key, title_key, date_key = fields
    block = {"items": path, "link": "{" + link_key + "}", "title": title_key or "", "date": date_key or ""}
    links = scriptlist.links_from_items(items, url)
    paged = page_placeholder(url)
    if paged:
        block["page_size"] = len(items)
    proposal = Proposal("api", links, keys={"api": block}, start_url=paged or "")
    paging = f"; pages asked by {{page}} in the URL, {len(items)} a page" if paged else ""
    proposal.notes["api"] = (f"GET answered JSON: {len(items)} items at {path!r}; their {link_key!r} holds the link"
                             f"{paging}; a POST API needs method and body by hand (README: Adding a site)")
    return proposal


def _item_arrays(value: object, path: str, depth: int = 0):
    if depth > 5:
        return
    if isinstance(value, list) and sum(isinstance(v, dict) for v in value) >= 2:
        yield path, [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _item_arrays(child, f"{path}.{key}" if path else key, depth + 1)

