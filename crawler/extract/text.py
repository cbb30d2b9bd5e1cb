"""Render an lxml subtree as paragraph lines: blocks become lines, table rows become one line each."""

from __future__ import annotations

import re

from lxml import etree

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul caption".split()
)
CELL_TAGS = frozenset({"td", "th"})
_SPACE = re.compile(r"[\s\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")


def norm(text: str) -> str:
    """Collapse every run of whitespace (full-width and nbsp included) to one space and strip."""
    return _SPACE.sub(" ", text).strip()


def squash(text: str) -> str:
    """Text with all whitespace removed, for comparisons that must ignore layout."""
    return _SPACE.sub("", text)


def node_lines(node: etree._Element) -> list[str]:
    """The node's text as lines (iterative walk, so 5,000-deep nesting is fine)."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = norm("".join(buf))
        buf.clear()
        if line:
            lines.append(line)

    for event, el in etree.iterwalk(node, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            tag = ""
        if event == "start":
            if buf and (tag in BLOCK_TAGS or tag == "br"):
                flush()
            elif tag in CELL_TAGS:
                buf.append(" ")
            if tag and el.text:
                buf.append(el.text)
        else:
            if buf and tag in BLOCK_TAGS:
                flush()
            if el is not node and el.tail:
                buf.append(el.tail)
    if buf:
        flush()
    return lines
