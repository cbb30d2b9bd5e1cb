"""Run the stages on one page: guard the bytes, decode, parse, read metadata, find the body, flag oddities."""

from __future__ import annotations

import logging
import re

from lxml import etree

from crawler.model import (
    FLAG_BINARY,
    FLAG_EMPTY,
    FLAG_ERROR_PAGE,
    FLAG_HUGE,
    FLAG_MEMBERS_ONLY,
    FLAG_NOT_ARTICLE,
    FLAG_TRUNCATED,
    FLAG_WAF,
    Article,
    Attachment,
)

from . import clean, generic, profiles
from .encoding import decode_html
from .fields import extract_fields
from .metadata import read_meta, title_text
from .text import node_lines, norm, squash, text_content

log = logging.getLogger(__name__)

MAX_BYTES = 8 * 1024 * 1024  # pages past this are cut to a prefix and flagged FLAG_HUGE
_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"Rar!", b"\x1f\x8b")
_ERROR_TITLE = re.compile(r"错误页面|页面不存在|页面未找到|404|not found|找不到(该|此)?页面", re.I)
_WAF_TEXT = re.compile(r"安全验证|频繁访问|访问过于频繁|人机验证|滑动验证|请开启JavaScript|检测到异常访问")
_TAG = re.compile(r"<[^>]*>")
# "<html" in any letter case, what `in text.lower()` would find (no other character lowers to these letters)
# without lowering 8,000 characters of a Chinese page, which costs more than the whole regex scan
_HTML_OPEN = re.compile(r"<[hH][tT][mM][lL]")
_HTML_CLOSE = re.compile(r"</[hH][tT][mM][lL]")


def says_verification(text: str) -> bool:
    """The words of a WAF or rate-limit page (安全验证, 访问过于频繁 …): what the article flag and the list check read."""
    return bool(_WAF_TEXT.search(text))


_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_CONTAINERS = re.compile(r"</?(div|span|font|section|center)\b[^>]*>", re.I)
# every tag but the page's frame, paragraphs, line breaks and headings: the last resort for nesting of any tag
_ANY_TAG = re.compile(r"</?(?!(?:p|br|h[1-6]|title|head|meta|body|html|script|style)\b)[a-zA-Z][a-zA-Z0-9]*\b[^>]*>")
# 64+ tags opened (or closed) in a row: pathological nesting, collapsed to its first tag when libxml2 gives up
_OPEN_RUN = re.compile(r"(<[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>)(?:\s*<[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>){63,}")
_CLOSE_RUN = re.compile(r"(</[a-zA-Z][a-zA-Z0-9]*\s*>)(?:\s*</[a-zA-Z][a-zA-Z0-9]*\s*>){63,}")
_MIN_BODY = 20  # non-whitespace chars below which a page holds no article


def _guard(body: bytes) -> tuple[bytes, list[str]]:
    """Cap the size and spot non-HTML bytes before any parsing."""
    flags = []
    if len(body) > MAX_BYTES:
        body, flags = body[:MAX_BYTES], [FLAG_HUGE]
    head = body[:16].lstrip()
    if head.startswith(_MAGIC) or b"\x00" in body[:2048] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        flags.append(FLAG_BINARY)
    return body, flags


def _parse(text: str) -> tuple[etree._Element | None, bool]:
    """Parse leniently: (root, whether text was lost). libxml2 gives up past ~2,000 levels of nesting and
    drops the rest of the page, so a page it gave up on is parsed again with its runs of nested tags
    collapsed (the layout around them kept); if text is still missing (levels that each hold a little
    text or an inline tag are no run), with its container tags flattened, kept when that reads more of
    the page; if some is still missing after that, the loss is reported, never silent."""
    root, gave_up = _parse_once(text)
    if not gave_up:
        return root, False
    visible = len(squash(_TAG.sub(" ", _SCRIPT.sub(" ", text))))
    slack = max(10, visible // 50)
    collapsed = _OPEN_RUN.sub(r"\1", _CLOSE_RUN.sub(r"\1", text))
    if collapsed != text:
        log.info("parser gave up (deep nesting); collapsing runs of nested tags")
        again, gave_up = _parse_once(collapsed)
        if again is not None:
            root = again
    kept = len(squash(text_content(root))) if root is not None else 0
    if visible >= 10 and (kept < 0.5 * visible or gave_up and kept < visible - slack):
        log.info("parser lost text (deep nesting?); flattening container tags")
        root, kept, gave_up = _reparse(_CONTAINERS.sub("\n", text), (root, kept, gave_up), kept < 0.5 * visible)
    if visible >= 10 and gave_up and kept < visible - slack:
        log.info("parser still lost text; reading the page with only its paragraph tags")
        root, kept, gave_up = _reparse(_ANY_TAG.sub("\n", text), (root, kept, gave_up))
    return root, gave_up and kept < visible - slack


def _reparse(text: str, current: tuple[etree._Element | None, int, bool],
             take_anyway: bool = False) -> tuple[etree._Element | None, int, bool]:
    """Parse a reshaped page again: its (root, text kept, gave up) when it parsed and kept more text than
    `current` (or `take_anyway`: current lost most of the page), else `current`."""
    root, gave_up = _parse_once(text)
    if root is None:
        return current
    kept = len(squash(text_content(root)))
    return (root, kept, gave_up) if take_anyway or kept > current[1] else current


def _parse_once(text: str) -> tuple[etree._Element | None, bool]:
    """(root, whether libxml2 gave up part of the document: a fatal error such as the depth limit)."""
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        log.info("unparseable page: %s", exc)
        return None, True
    gave_up = root is None or any(e.level_name == "FATAL" for e in parser.error_log)
    return root, gave_up


def _body_from_profiles(url: str, root: etree._Element, title: str, marks: dict[str, bool],
                        source: str, own_hosts: bool) -> tuple[list[str], str]:
    """The first profile body with text: among the profiles made for this host (own_hosts), or among the
    templates whose markup the page carries although it is another site's (only tried when the generic
    path found nothing: a profile has not proved itself on a site it was not made for)."""
    for profile in profiles.choose(url, root, marks, source, own_hosts):
        for node in profiles.body_nodes(profile, root):
            generic.prune_link_lists(node)
            lines = clean.filter_lines(node_lines(node), title)
            if lines or _members_only(node):
                return lines, profile.name
    return [], "generic"


def _body_generic(root: etree._Element, title: str) -> list[str]:
    node = generic.best_container(root)
    if node is None or generic.link_density(node) > 0.5:
        return []
    generic.prune_link_lists(node)
    lines = [line for lead in generic.lead_siblings(node) for line in node_lines(lead)]
    lines += node_lines(node)
    lines += [line for tail in generic.tail_siblings(node) for line in node_lines(tail)]
    return clean.filter_lines(lines, title)


def _members_only(node: etree._Element) -> bool:
    return clean.MEMBERS_ONLY in text_content(node)


def _attachments(root: etree._Element, url: str) -> list[Attachment]:
    """Links to documents (generic.document_url: by extension or a download endpoint, absolute, http(s) only), each
    URL once, its first link's title winning."""
    found: dict[str, Attachment] = {}
    for a, href in generic.document_links(root):
        absolute = generic.document_url(href, url)
        if absolute is None:
            continue
        title = norm(text_content(a)) or norm(a.get("title") or "") or absolute.rsplit("/", 1)[-1]
        found.setdefault(absolute, Attachment(title=title, url=absolute))
    return list(found.values())


def _page_flags(root: etree._Element, text: str, page_text: str, body: str, title: str) -> list[str]:
    flags = []
    if _HTML_OPEN.search(text, 0, 4096) and not _HTML_CLOSE.search(text, max(0, len(text) - 4096)):
        flags.append(FLAG_TRUNCATED)
    short = len(squash(body)) < _MIN_BODY
    head_title = norm(title_text(root))
    if _ERROR_TITLE.search(head_title) or (short and _ERROR_TITLE.search(title + page_text[:300])):
        flags.append(FLAG_ERROR_PAGE)
    elif short and (says_verification(page_text) or (not page_text.strip() and "<script" in text.lower())):
        flags.append(FLAG_WAF)
    elif short and clean.MEMBERS_ONLY in page_text:
        flags.append(FLAG_MEMBERS_ONLY)
    elif short:
        flags.append(FLAG_NOT_ARTICLE if page_text.strip() else FLAG_EMPTY)
    return flags


def extract(body: bytes, url: str, http_charset: str | None = None, *, use_profiles: bool = True) -> Article:
    """Isolate the article on one page.

    Args:
        body: the raw response bytes (any charset; capped at MAX_BYTES).
        url: the page URL, used to pick a site profile and to absolutize attachment links.
        http_charset: the Content-Type charset, if the server sent one.
        use_profiles: False forces the generic body finder (for tests and benchmarks).
    Returns:
        An Article; never raises for bad content: flags say what kind of non-article it was.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(f"extract() needs the page's raw bytes, got {type(body).__name__}; pass response.body "
                        "(or text.encode() if you only have text)")
    body = bytes(body)
    article = Article(url=url, extractor="generic")
    body, flags = _guard(body)
    if not body.strip():
        article.flags = [*flags, FLAG_EMPTY]
        return article
    if FLAG_BINARY in flags:
        article.flags = flags
        return article
    text, article.encoding = decode_html(body, http_charset)
    root, lost = _parse(text)
    if lost:  # the parser could not read all of the markup: the body may be incomplete
        flags.append(FLAG_TRUNCATED)
    if root is None:
        article.flags = [*flags, FLAG_EMPTY]
        return article
    _fill(article, root, text, url, use_profiles)
    if lost and FLAG_NOT_ARTICLE in article.flags:  # text the parser could not reach: a loss, not a non-article
        article.flags.remove(FLAG_NOT_ARTICLE)
    article.flags = list(dict.fromkeys([*flags, *article.flags]))
    return article


def _fill(article: Article, root: etree._Element, text: str, url: str, use_profiles: bool) -> None:
    title_xpaths = ()
    marks: dict[str, bool] = {}  # profile markers seen on this page (the tree only loses noise after this)
    if use_profiles:
        first = next(profiles.choose(url, root, marks, text), None)
        title_xpaths = first.titles if first else ()
    # comments go too (their tails kept): a CMS's <!--#begineditable--> marker must not hide the byline after it
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, "script", "style", "noscript",
                         with_tail=False)
    page_lines = node_lines(root)
    meta = read_meta(root, page_lines, text, title_xpaths)
    article.title, article.subtitle, article.published = meta.title, meta.subtitle, meta.published
    article.source, article.editor = meta.source, meta.editor
    article.attachments = _attachments(root, url)
    clean.strip_noise(root)
    clean.drop_tail_sections(root)
    clean.drop_title(root, meta.title)
    lines, name = _body_from_profiles(url, root, meta.title, marks, text, True) if use_profiles else ([], "generic")
    if not lines and not (use_profiles and name != "generic"):
        lines, name = _body_generic(root, meta.title), "generic"
        if not lines and use_profiles:
            lines, name = _body_from_profiles(url, root, meta.title, marks, text, False)
    page_text = "\n".join(page_lines)
    members = clean.MEMBERS_ONLY in page_text
    article.body = "" if members else "\n".join(lines)
    article.extractor = name
    article.fields = extract_fields(root, lines)
    article.flags = _page_flags(root, text, page_text, article.body, meta.title)
    if members and FLAG_MEMBERS_ONLY not in article.flags:
        article.flags.append(FLAG_MEMBERS_ONLY)
