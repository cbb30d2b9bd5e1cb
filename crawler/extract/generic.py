"""Find the article body on a never-seen page: paragraph scores bubbled to containers, weighed by link density."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from itertools import accumulate
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .clean import is_drop_line, is_meta_line, is_stop_line
from .text import BLOCK_TAGS, CELL_TAGS, AttrPattern, node_lines, norm, squash, text_content

_PUNCT = re.compile(r"[，。；：！？、,;]")
_POSITIVE = AttrPattern(r"article|content|detail|zoom|trs_editor|text|body|main|news|con\b|zw|nr")
_NEGATIVE = AttrPattern(r"comment|footer|foot|header|title|side|nav|menu|related|recommend|share|list|link|ad-|hot|rank|tag")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "a", "html"})
_PARA_TAGS = BLOCK_TAGS | CELL_TAGS
_EXTENSIONS = r"docx?|pdf|xlsx?|zip|rar|wps|ofd|7z|et"  # the files a link may name: every pattern below reads them
ATTACHMENT_HREF = re.compile(rf"\.({_EXTENSIONS})(\?|#|$)|download\.ccgp\.gov\.cn|/oss/download", re.I)
# the same test for every link of a page: hrefs are ASCII, matched lowered without re.I (what AttrPattern is for)
DOCUMENT_HREF = AttrPattern(ATTACHMENT_HREF.pattern)
# Every href ATTACHMENT_HREF matches shows, in the page's raw bytes (lowered), one of these: a document extension
# ending at a non-word character (the ?, #, quote or > after it) or "download". A page without any links no
# document, which a scan of the bytes tells ~10× faster than parsing the page to read its links. The two are
# looked for apart: a literal scan and a pattern that starts with one (the "." it finds by memchr) cost 1/8 of
# the one alternation, which re tries at every byte.
_EXTENSION_HINT = re.compile(rf"\.(?:{_EXTENSIONS})\b".encode())
# What every href DOCUMENT_HREF matches holds (its extension, or "download"), in the same letter-case rule
_DOCUMENT_HINT = AttrPattern(rf"\.(?:{_EXTENSIONS})|download")


def document_links(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """The <a> elements whose href may name a document, with their hrefs, in page order: a superset of those
    DOCUMENT_HREF matches."""
    anchors = list(root.iter("a"))
    hrefs = [a.get("href") or "" for a in anchors]
    return [(anchors[i], hrefs[i]) for i in hinted_hrefs(hrefs)]


def hinted_hrefs(hrefs: list[str]) -> list[int]:
    """The positions of the hrefs that may name a document, in order: a superset of those DOCUMENT_HREF (and
    ATTACHMENT_HREF) match. They are scanned for a hint as one string, since a regex call per link (90 on a page,
    4 of which hint at a document) costs ~5× the walk itself."""
    ends = list(accumulate(len(href) + 1 for href in hrefs))  # where each href ends in the joined string
    return sorted({bisect_right(ends, hint.start()) for hint in _DOCUMENT_HINT.finditer("\n".join(hrefs))})


def document_url(href: str, page_url: str) -> str | None:
    """The absolute URL of a link that names a document (by extension or a download endpoint), None for any other
    link. Only http(s) counts (a relative href resolved against the page): a javascript:/data:/ftp: href in any
    letter case names no file a user can fetch, whatever it ends with, and a malformed one (a bad IPv6 host) none.
    The one rule of the extractor's attachments and the spiders' document requests."""
    href = href.strip()
    if not href or href.startswith("#") or not DOCUMENT_HREF.search(href):
        return None
    try:
        absolute = urljoin(page_url, href)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    return absolute if scheme in ("http", "https") else None


def may_link_attachments(body: bytes) -> bool:
    """False only when the page cannot link an attachment (True for UTF-16/32 bytes, which hide ASCII)."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:2048]:
        return True
    lowered = body.lower()
    return b"download" in lowered or _EXTENSION_HINT.search(lowered) is not None


def _block_of(el: etree._Element) -> etree._Element:
    while el.tag not in _PARA_TAGS and el.getparent() is not None:
        el = el.getparent()
    return el


def paragraph_texts(root: etree._Element) -> dict[etree._Element, str]:
    """Text gathered onto its nearest block element: each block's own words (its text and its children's tails),
    nested blocks excluded. One pass over the page, inlined: it visits every element."""
    texts: dict[etree._Element, list[str]] = defaultdict(list)
    for el in root.iter(etree.Element):
        if el.tag == "a":
            own = el.tail
            parent = el.getparent()
            el = el if parent is None else parent
        elif len(el):
            own = (el.text or "") + "".join([child.tail or "" for child in el])
        else:
            own = el.text
        if own and not own.isspace():  # squashed once per block below, not once per element
            texts[_block_of(el)].append(own)
    joined = ((block, squash("".join(parts))) for block, parts in texts.items())
    return {block: text for block, text in joined if text}


def link_density(el: etree._Element) -> float:
    """Share of the element's text that sits inside links (1.0 for a text-less element)."""
    total = len(squash(text_content(el)))
    if not total:
        return 1.0
    links = sum(len(squash(text_content(a))) for a in el.iter("a"))
    return min(links / total, 1.0)


def _class_weight(el: etree._Element) -> float:
    """A nudge from id/class names: content-ish names up, header/footer/related-ish names down."""
    attrs = f"{el.get('id', '')} {el.get('class', '')}"
    weight = 1.0
    if _POSITIVE.search(attrs):
        weight *= 1.3
    if _NEGATIVE.search(attrs):
        weight *= 0.6
    return weight


def _is_byline(block: etree._Element) -> bool:
    """Meta lines and share/counter bars carry punctuation too; they must not vote for a container."""
    text = norm(text_content(block))
    return is_meta_line(text) or is_drop_line(text) or is_stop_line(text)


def best_container(root: etree._Element) -> etree._Element | None:
    """The element that holds the most punctuated prose and the fewest links, or None on a text-less page."""
    scores: dict[etree._Element, float] = defaultdict(float)
    for block, text in paragraph_texts(root).items():
        if len(text) < 15 or block.tag in _HEADINGS or _is_byline(block):
            continue
        score = 1 + len(_PUNCT.findall(text)) + min(len(text) / 100, 3)
        node = block  # the paragraph itself, its parent in full, then grandparents at a discount
        for share in (1.0, 1.0, 0.5, 1 / 3):
            scores[node] += score * share
            node = node.getparent()
            if node is None:
                break
    # score × class weight × (1 − link density): the density costs a walk of the element, and (1 − density) ≤ 1,
    # so candidates are weighed best bound first and the walk stops once no bound can beat the best (ties go to
    # the element found first in the page, as before)
    bounds = sorted(((s * _class_weight(el), order, el) for order, (el, s) in enumerate(scores.items())
                     if el.tag != "html"), key=lambda c: (-c[0], c[1]))
    best, best_key = None, None
    for bound, order, el in bounds:
        if best_key is not None and bound < best_key[0]:
            break
        key = (bound * (1 - link_density(el)), -order)
        if best_key is None or key > best_key:
            best, best_key = el, key
    return best


def prune_link_lists(container: etree._Element) -> None:
    """Drop link-heavy lists inside the body (related/recommended items) unless they list attachments."""
    doomed = []
    for el in container.iter("ul", "ol", "dl", "div", "table", "p"):
        if el is container:
            continue
        anchors = list(el.iter("a"))
        if len(anchors) < 2 or any(DOCUMENT_HREF.search(a.get("href", "")) for a in anchors):
            continue
        if link_density(el) > 0.5 or _is_teaser_list(el):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            el.tail = None
            parent.remove(el)


def _is_teaser_list(el: etree._Element) -> bool:
    """A recommendation block with teasers: three or more items, each headed by one link (a headline of 8+
    characters, maybe after its picture) and short (≤ 150 characters with its teaser and date). The teasers keep
    its link density low, but an article's paragraphs do not each open with a headline link."""
    items = [child for child in el if isinstance(child.tag, str) and child.tag not in ("br", "hr")]
    if len(items) < 3:
        return False
    for item in items:
        anchors = [a for a in item.iter("a") if (a.get("href") or "").strip() not in ("", "#")]
        if not anchors or len({a.get("href") for a in anchors}) != 1:
            return False
        text = norm(text_content(item))
        if len(text) > 150:
            return False
        head = next((t for a in anchors if (t := norm(text_content(a)))), "")
        if len(head) < 8 or not text.startswith(head):
            return False
    return True


_SENTENCE_END = re.compile(r"[。！？!?]")
_FURNITURE = re.compile(r"版权|免责|侵权|转载|ICP|备案号|主办单位|承办单位|技术支持|联系我们|网站地图")
_LEAD_TAGS = frozenset({"p", "div", "table", "section", "blockquote", "figure", "center"})


def lead_siblings(container: etree._Element, limit: int = 3) -> list[etree._Element]:
    """Blocks just before the body container that belong to the article: a lead (standfirst) paragraph set apart
    from the body's div, or a captioned picture placed above it. In document order; the walk stops at the first
    block that is neither (a byline, a heading, a link bar)."""
    found: list[etree._Element] = []
    sib = container.getprevious()
    while sib is not None and len(found) < limit:
        text = norm(text_content(sib)) if isinstance(sib.tag, str) else ""
        if not text:
            sib = sib.getprevious()
            continue
        if not _is_lead(sib, text):
            break
        found.append(sib)
        sib = sib.getprevious()
    return found[::-1]


def tail_siblings(container: etree._Element, limit: int = 3) -> list[etree._Element]:
    """Prose blocks just after the body container (a continuation or a reference list split off into its own
    div), in document order; the walk stops at the first block that is not plain punctuated text."""
    found: list[etree._Element] = []
    sib = container.getnext()
    while sib is not None and len(found) < limit:
        text = norm(text_content(sib)) if isinstance(sib.tag, str) else ""
        if not text:
            sib = sib.getnext()
            continue
        if not _is_continuation(sib, text):
            break
        found.append(sib)
        sib = sib.getnext()
    return found


def _is_continuation(el: etree._Element, text: str) -> bool:
    if el.tag not in _LEAD_TAGS or _class_weight(el) < 1.0 or link_density(el) > 0.1:
        return False
    if _FURNITURE.search(text):
        return False
    lines = node_lines(el)
    if any(is_meta_line(line) or is_drop_line(line) or is_stop_line(line) for line in lines):
        return False
    return len(text) >= 100 and len(_PUNCT.findall(text)) >= 5


def _is_lead(el: etree._Element, text: str) -> bool:
    if el.tag not in _LEAD_TAGS or _class_weight(el) < 1.0 or el.xpath(".//h1|.//h2|.//h3|.//a"):
        return False
    if is_meta_line(text) or is_drop_line(text) or is_stop_line(text) or _FURNITURE.search(text):
        return False
    caption = len(text) <= 60 and bool(el.xpath(".//img"))
    lead = len(text) >= 30 and bool(_SENTENCE_END.search(text))
    return caption or lead
