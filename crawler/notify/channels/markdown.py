"""The digest as chat markdown (WeCom, DingTalk): a heading, then per change label, linked title, summary."""

from __future__ import annotations

import re

from crawler.notify.channels.base import ChatChange, ChatDigest

_SPACE = re.compile(r"\s+")
_COLOURS = {"health": "warning", "removed": "comment"}  # WeCom's font colours; the rest "info"


def plain(text: str) -> str:
    """One line of page text that cannot open markdown syntax: no newlines, brackets made full-width."""
    text = _SPACE.sub(" ", text or "").strip()
    return text.replace("[", "［").replace("]", "］").replace("*", "＊").replace("#", "＃").replace("<", "＜")


def href(url: str) -> str:
    """A URL safe inside markdown's (…): spaces and parentheses percent-encoded."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def heading(digest: ChatDigest, part: tuple[int, int] | None) -> str:
    """'eduwatch · 教育部：3 条变更（1/2）' — the site, the count, and which part of a split digest."""
    label = f"（{part[0]}/{part[1]}）" if part else ""
    return f"eduwatch · {plain(digest.site_label)}：{len(digest.changes)} 条变更{label}"


def block(change: ChatChange, *, colour: bool, newline: str) -> str:
    """One change: 【label】 linked title, then the summary and the history link on their own lines."""
    label = f"【{change.label}】"
    if colour:
        label = f'<font color="{_COLOURS.get(change.kind, "info")}">{label}</font>'
    lines = [f"**{label}** [{plain(change.title) or '（无标题）'}]({href(change.link or change.url)})"]
    if change.summary:
        lines.append(f"> {plain(change.summary)}")
    extra = [f"[原文]({href(change.url)})" if change.link and change.link != change.url else ""]
    extra.append(f"[历史版本]({href(change.history)})" if change.history else "")
    extra = [e for e in extra if e]
    if extra:
        lines.append(" · ".join(extra))
    return newline.join(lines)


def render(digest: ChatDigest, changes: list[ChatChange], part: tuple[int, int] | None, *,
           colour: bool, newline: str, title_line: bool = True) -> str:
    """The whole markdown text; `newline` is what the service renders as a line break (DingTalk needs a
    blank line), changes are separated by a blank line."""
    head = [f"### {heading(digest, part)}"] if title_line else []
    head.append(digest.at)
    blocks = [block(c, colour=colour, newline=newline) for c in changes]
    return "\n\n".join([newline.join(h for h in head if h), *blocks])
