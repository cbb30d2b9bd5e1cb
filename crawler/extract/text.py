"""Render an lxml subtree as paragraph lines: blocks become lines, table rows become one line each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

from lxml import etree

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul caption".split()
)
CELL_TAGS = frozenset({"td", "th"})
# Whitespace is what str.split() splits on (Unicode whitespace, the same set as re's \s: full-width space and
# nbsp included) plus the zero-width space and BOM, which pages use as spacing. split/join is 3× a regex.
_ZERO_WIDTH = ("\u200b", "\ufeff")
# An element's text (lxml.html's text_content()) in one C call: libxml2's content walk, serialised as text without
# the element's tail (an XPath string() does the same walk after setting up an XPath context on every call). A
# function, not a method: no element class of ours, whose Python-level lookup would cost on every node visited.
text_content = partial(etree.tostring, method="text", encoding="unicode", with_tail=False)


class AttrPattern:
    """A case-insensitive pattern for id/class values and hrefs. Those are ASCII on real pages: lowered once and
    matched without re.IGNORECASE, which makes Python's re 3× slower on a long alternation (other text keeps
    IGNORECASE)."""

    def __init__(self, pattern: str):
        if pattern != pattern.lower():
            raise ValueError(f"write the attribute pattern in lower case: {pattern!r}")
        self._lower = re.compile(pattern)
        self._any_case = re.compile(pattern, re.I)

    def search(self, attrs: str) -> re.Match | None:
        return self._lower.search(attrs.lower()) if attrs.isascii() else self._any_case.search(attrs)

    def finditer(self, attrs: str) -> Iterator[re.Match]:
        """Every match, at the positions they hold in `attrs` (lowering ASCII keeps every character in place)."""
        return self._lower.finditer(attrs.lower()) if attrs.isascii() else self._any_case.finditer(attrs)


def norm(text: str) -> str:
    """Collapse every run of whitespace (full-width and nbsp included) to one space and strip."""
    if _ZERO_WIDTH[0] in text or _ZERO_WIDTH[1] in text:
        text = text.replace(_ZERO_WIDTH[0], " ").replace(_ZERO_WIDTH[1], " ")
    return " ".join(text.split())


def squash(text: str) -> str:
    """Text with all whitespace removed, for comparisons that must ignore layout."""
    if _ZERO_WIDTH[0] in text or _ZERO_WIDTH[1] in text:
        text = text.replace(_ZERO_WIDTH[0], "").replace(_ZERO_WIDTH[1], "")
    return "".join(text.split())


# The same lines drawn by libxslt in C, twice as fast as the walk below on pages with heavy chrome: blocks open and
# close a line, marked by U+FDD0 (a noncharacter, not for interchange: no page text holds it, so the text's own
# newlines stay spaces); cells start with a space; comments and PIs draw nothing. A transform of a document's root
# element sees the whole document (a second <html> root that text after </html> opens, too), so it starts at the
# first root element only.
_BREAK = "\ufdd0"
_LINES_XSLT = etree.XSLT(etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="utf-8"/>
<xsl:template match="/"><xsl:apply-templates select="*[1]"/></xsl:template>
<xsl:template match="{' | '.join(sorted(BLOCK_TAGS))}">{_BREAK}<xsl:apply-templates/>{_BREAK}</xsl:template>
<xsl:template match="br">{_BREAK}</xsl:template>
<xsl:template match="td | th"><xsl:text> </xsl:text><xsl:apply-templates/></xsl:template>
</xsl:stylesheet>"""))


def node_lines(node: etree._Element) -> list[str]:
    """The node's text as lines: a line per block (and per <br>), table cells space-separated."""
    if node.getparent() is None and any(isinstance(s.tag, str) for s in node.itersiblings(preceding=True)):
        return walk_lines(node)  # a second <html> root (text after </html>): libxslt would start at the first
    try:
        text = str(_LINES_XSLT(node))
    except etree.XSLTApplyError:  # nesting deeper than libxslt recurses (thousands of levels)
        return walk_lines(node)
    # norm() once over the whole text (its spaces then stand beside the breaks, which strip() takes off each line)
    return [line for part in norm(text).split(_BREAK) if (line := part.strip())]


def walk_lines(node: etree._Element) -> list[str]:
    """node_lines by an iterative walk in Python (any depth). iterwalk skips comments and processing
    instructions, so the text after one (its tail) is picked up beside the element before it."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = norm("".join(buf))
        buf.clear()
        if line:
            lines.append(line)

    def comment_tails(sib: etree._Element | None) -> None:
        while sib is not None and not isinstance(sib.tag, str):
            if sib.tail:
                buf.append(sib.tail)
            sib = sib.getnext()

    for event, el in etree.iterwalk(node, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if buf and (tag in BLOCK_TAGS or tag == "br"):
                flush()
            elif tag in CELL_TAGS:
                buf.append(" ")
            if el.text:
                buf.append(el.text)
            if len(el):
                comment_tails(el[0])
        else:
            if buf and tag in BLOCK_TAGS:
                flush()
            if el is not node:
                if el.tail:
                    buf.append(el.tail)
                comment_tails(el.getnext())
    if buf:
        flush()
    return lines
