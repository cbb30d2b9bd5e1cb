"""Article metadata: title, subtitle, publication date, source and editor, from meta tags and bylines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lxml import etree

from .text import norm, squash, text_content

_DATE_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?(?:\.\d+)?"
    r"(Z|[+-]\d{2}:?\d{2}(?![\d:]))?)?"
)
_BEIJING = timezone(timedelta(hours=8))
# the value ends at the next label when the byline's spans are glued (来源：证券时报网作者：李在山)
_SOURCE = re.compile(r"(?:来\s*源|稿源|信息来源|文章来源)\s*[:：]\s*((?:(?!(?:作\s*者|编\s*辑|责任编辑|记\s*者|发布|时\s*间|"
                     r"日\s*期|浏览|点击)\s*[:：])[^\s【\[|，,。()（）])+)")
_EDITOR = re.compile(r"责任编辑\s*[:：]\s*([^\s）)\]】]+)")
_CAIGOU_META = re.compile(r"^(\S+)\s+\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}\s+围观")
_CEIEA_META = re.compile(r"\d{4}-\d{2}-\d{2}\s+(\S+)\s+[（(]\s*\d+\s*[）)]")
# a bare 时间/日期 label counts only as a label of its own (not 发行日期 of an album, 开标时间 of a tender)
_DATE_LABEL = re.compile(r"发布时间|发布日期|发文日期|成文日期|(?:^|[\s|｜【\[])(?:时间|日期)\s*[:：]")
_SUBTITLE_JS = re.compile(r"""var\s+file_subdoctitle\s*=\s*["']([^"']*)["']""")
_TITLE_SPLIT = re.compile(r"\s*(?:\s[-|_—]\s|_|\||-{2,})\s*")
_MARKUP = re.compile(r"<[^>]*>")
# The element XPaths below go by the attribute axis from /descendant:: (the same elements, in document order):
# libxml2 then tests only the attributes that exist, where //*[contains(@class, …)] first collects every node of
# the page and tests every element, reading a missing attribute as '' (3-6× the cost on a page).
_TITLE_BOXES = etree.XPath(
    "(/descendant::*/@class[contains(., 'tit')] | /descendant::*/@id[contains(., 'tit')])"
    "/parent::*[self::div or self::p or self::td or self::span or self::strong]"
)
# an element named for the date (span#paperdate, span.content-time): last resort when no byline line holds one
# (not inside a table: a wiki's maintenance box dates its notes in span.date)
_DATE_BOXES = etree.XPath(
    "(/descendant::*/@id[contains(., 'date')] | /descendant::*/@class[contains(., 'date') or contains(., 'time')])"
    "/parent::*[not(ancestor::table)]"
)
_PUBTIME = etree.XPath("/descendant::*/@id[. = 'pubTime' or . = 'pubtime']/.. | /descendant::*/@class[. = 'pubtime']/..")
_TITLE_TEXT = etree.XPath("//title//text()")
_MOE_SUBTITLE = etree.XPath(
    "(/descendant::div/@class[contains(., 'moe-detail-box')] | /descendant::div/@id[. = 'moe-detail-box'])/../h2"
)
_DATE_META = ("PubDate", "pubdate", "publishdate", "PublishDate", "article:published_time", "firstpublishedtime")


@dataclass
class Meta:
    """What the byline area says about the article."""

    title: str = ""
    subtitle: str | None = None
    published: str | None = None
    source: str | None = None
    editor: str | None = None


def meta_content(root: etree._Element, *names: str) -> str:
    """The first non-empty <meta name|property=...> content among the names, in the order given."""
    metas = [(el.get("name"), el.get("property"), el.get("content")) for el in root.iter("meta")]
    for name in names:
        for meta_name, meta_property, content in metas:
            if name in (meta_name, meta_property):
                value = norm(_MARKUP.sub("", content or ""))  # CMSs leak <div> into ArticleTitle
                if value:
                    return value
    return ""


def normalize_date(text: str) -> str | None:
    """"2025年07月14日 01:59" → "2025-07-14T01:59:00+08:00"; a bare date stays a date. None when no date."""
    match = _DATE_TIME.search(text or "")
    if not match:
        return None
    y, mo, d, h, mi, s, offset = match.groups()
    if not (1990 <= int(y) <= 2100 and 1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    if h is None or int(h) > 23 or int(mi) > 59 or int(s or 0) > 59:
        return date
    if offset and offset not in ("+08:00", "+0800"):  # an explicit other zone (UTC "Z", "+00:00"): to Beijing time
        sign = -1 if offset.startswith("-") else 1
        digits = offset.replace(":", "")[1:] if offset != "Z" else "0000"
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        try:
            moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=zone)
        except ValueError:
            return date
        return moment.astimezone(_BEIJING).isoformat()
    return f"{date}T{int(h):02d}:{int(mi):02d}:{int(s or 0):02d}+08:00"


def title_text(root: etree._Element) -> str:
    """The text of the page's <title> element(s)."""
    return " ".join(_TITLE_TEXT(root))


def find_title(root: etree._Element, xpaths: tuple[str, ...] = (), lines: list[str] | None = None,
               head: str | None = None) -> str:
    """The article's own headline: profile heading, ArticleTitle meta, an h1 echoed in <title>, or <title> cut.
    `head`: title_text(root) when the caller has it."""
    meta = meta_content(root, "ArticleTitle")
    if meta:
        return meta
    for xp in xpaths:
        for el in root.xpath(xp):
            text = norm(text_content(el))
            if text:
                return text
    page_title = norm(title_text(root) if head is None else head)
    headings = [norm(text_content(el)) for el in root.iter("h1", "h2", "h3")]
    parts = [p for p in _TITLE_SPLIT.split(page_title) if p]
    echoed = [h for h in headings if _echoes(h, page_title, parts)]
    if len(squash(max(echoed, key=len, default=""))) < 0.5 * len(squash(max(parts, key=len, default=page_title))):
        # no heading covers the <title>'s main part: a headline in a title-classed <div>/<p>/<td> (div.tit2,
        # div.h-title) counts when <title> echoes it (looked for only then: the XPath walks the whole page)
        boxes = [text for el in _TITLE_BOXES(root) if 4 <= len(text := norm(text_content(el))) <= 120]
        echoed += [h for h in boxes if _echoes(h, page_title, parts)]
    if echoed:  # the longest: a site-name <h1> is echoed in <title> too
        return max(echoed, key=len)
    meta = meta_content(root, "citation_title", "dc.title", "DC.title", "title")
    if meta:
        return meta
    for el in root.xpath("//h1|//*[contains(@class,'title') or contains(@id,'title')]|//font[@class='font20']"):
        text = norm(text_content(el))
        # a "title"-classed box that <title> does not echo is a teaser in a side list (unless there is no <title>)
        if 4 <= len(text) <= 120 and (not page_title or squash(text) in squash(page_title)):
            return text
    return (_headline_line(page_title, lines or []) or _heading_over_byline(root, lines or [])
            or (max(parts[:2], key=len) if parts else page_title))


_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _heading_over_byline(root: etree._Element, lines: list[str]) -> str:
    """When <title> names only the column and the site (新闻动态--某学会官网): the heading element right above the
    first byline line (发布时间：… 来源：…), the way a reader finds the headline."""
    for i, line in enumerate(lines[1:200], 1):
        if len(line) <= 80 and _DATE_LABEL.search(line) and _DATE_TIME.search(line):
            above = lines[i - 1]
            if 6 <= len(above) <= 80 and not above.endswith("。"):
                key = squash(above)
                if any(squash(text_content(el)) == key for el in root.iter(*_HEADING_TAGS)):
                    return above
            return ""
    return ""


def _headline_line(page_title: str, lines: list[str]) -> str:
    """The page line that is <title> minus a site suffix glued on with "-", "_", "|" or "—" (中华人民共和国监察法-纪检),
    or a column name set off by a space before it (…调研工作 东区办事处_中山网): the headline shown in a plain <span>,
    longest such prefix first."""
    cuts = [i for i, char in enumerate(page_title) if char in "-_|—– " and i >= 4]
    prefixes = {squash(page_title[:i]): page_title[:i].strip() for i in reversed(cuts)}
    if not prefixes:
        return ""
    found = {squash(line) for line in lines if len(line) <= 120}
    return next((text for key, text in prefixes.items() if key in found), "")


def _echoes(heading: str, page_title: str, parts: list[str]) -> bool:
    """Whether <title> repeats the heading: inside it (4+ chars), or as a whole part (a 2–3 character name)."""
    key = squash(heading)
    return len(heading) >= 4 and key in squash(page_title) or len(key) >= 2 and key in map(squash, parts)


def _mentions(source: str | None, *needles: str) -> bool:
    """Whether an XPath testing attribute values for these literals can match at all: a substring test on the
    page's source is ~100× cheaper than a walk of the tree (None: the source is unknown, walk)."""
    return source is None or any(needle in source for needle in needles)


def find_subtitle(root: etree._Element, raw_text: str) -> str | None:
    if not _mentions(raw_text, "moe-detail-box"):
        return _subtitle_js(raw_text)
    for el in _MOE_SUBTITLE(root):
        text = norm(text_content(el))
        if text:
            return text
    return _subtitle_js(raw_text)


def _subtitle_js(raw_text: str) -> str | None:
    match = _SUBTITLE_JS.search(raw_text) if "file_subdoctitle" in raw_text else None  # the substring rules most out
    return norm(match.group(1)) or None if match else None


def headline_at(lines: list[str], key: str, start: int = 0) -> list[int]:
    """Indexes of the lines that are the headline (squashed `key`); the first character rules most lines out
    unsquashed (lines are stripped, so a match starts with the key's first character)."""
    first = key[:1]
    return [i for i in range(start, len(lines)) if first and lines[i][:1] == first and squash(lines[i]) == key]


def _near_title(lines: list[str], at: list[int]) -> list[str]:
    """The lines after each copy of the headline (lines `at`: a hidden or nav copy can come before the real one)."""
    near = [line for i in at for line in lines[i + 1:i + 8]]
    return near or lines[:40]


def _byline_date(line: str) -> str | None:
    """The date a short line starts its facts with; None when that date is a bracketed note ("(2020年4月17日)")."""
    match = _DATE_TIME.search(line) if len(line) <= 120 else None
    if not match or line[:match.start()].rstrip().endswith(("(", "（")):
        return None
    return normalize_date(match.group(0))


def find_published(root: etree._Element, lines: list[str], title: str, source: str | None = None,
                   head: str | None = None, at: list[int] | None = None) -> str | None:
    """The publication date: a pubtime element, the date meta (refined by the byline's time of day), the byline
    after the headline, a labelled line (发布时间/发布日期, a table cell too), a date at the page head, or an
    element named for the date; the first that has one. `head` (title_text) and `at` (headline_at of the title)
    when the caller has them."""
    for el in _PUBTIME(root) if _mentions(source, "pubTime", "pubtime") else ():
        date = normalize_date(text_content(el))
        if date:
            return date
    meta = normalize_date(meta_content(root, *_DATE_META))
    if meta and meta.endswith("T00:00:00+08:00"):  # a CMS's midnight placeholder: the page shows a bare date
        meta = meta[:10]
    key = squash(title)
    head = squash(title_text(root) if head is None else head)
    skip = 1 if lines and head and squash(lines[0]) == head else 0  # the <title> itself opens the page's lines
    at = headline_at(lines, key) if at is None else at
    after = [line for i in at if i >= skip for line in lines[i + 1:i + 8]]
    near = [date for line in after if (date := _byline_date(line))]
    if meta:  # the byline's time of day refines a bare meta date of the same day
        return next((date for date in near if len(meta) == 10 and date[:10] == meta and len(date) > 10), meta)
    if near:
        return near[0]
    for line in lines:
        label = _DATE_LABEL.search(line) if len(line) <= 120 else None
        if label and (date := normalize_date(line[label.start():])):  # "| 发布时间: 2018-05-17 |"
            return date
    for line in lines[:40]:  # no byline: a date opening a line at the page head (an e-paper's issue date)
        if _DATE_TIME.match(line) and (date := _byline_date(line)):
            return date
    for el in _DATE_BOXES(root):
        text = norm(text_content(el))
        if len(text) <= 30 and text[:1].isdigit() and (date := normalize_date(text)):  # nothing but the date
            return date
    return None


def find_source(root: etree._Element, lines: list[str], title: str, at: list[int] | None = None) -> str | None:
    at = headline_at(lines, squash(title)) if at is None else at
    near = _near_title(lines, at)
    start = at[0] if at else 0
    for line in [*near, *lines[start:]]:
        match = _SOURCE.search(line)
        if match:
            return match.group(1)
    meta = meta_content(root, "ContentSource", "source")
    if meta:
        return meta
    for line in near:
        match = _CAIGOU_META.search(line) or _CEIEA_META.search(line)
        if match:
            return match.group(1)
    return None


def find_editor(lines: list[str]) -> str | None:
    for line in lines:
        match = _EDITOR.search(line)
        if match:
            return match.group(1)
    return None


def read_meta(root: etree._Element, lines: list[str], raw_text: str, title_xpaths: tuple[str, ...]) -> Meta:
    """Metadata from the uncleaned tree and its full text lines."""
    head = title_text(root)  # read by two finders: the XPath walks the whole page
    title = find_title(root, title_xpaths, lines, head)
    at = headline_at(lines, squash(title))  # and the headline's lines, found by a scan of every line
    return Meta(
        title=title,
        subtitle=find_subtitle(root, raw_text),
        published=find_published(root, lines, title, raw_text, head, at),
        source=find_source(root, lines, title, at),
        editor=find_editor(lines),
    )
