"""Keyword filters: alert only on articles that mention given words (Chinese needs no spaces)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


@dataclass
class KeywordMatch:
    wanted: bool  # should this article be alerted to the recipient?
    matched: list[str]  # the include keywords found (shown in the digest)


def _normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, no whitespace: '实验 室' and '实验室' match alike."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def article_text(article: dict) -> str:
    """Title, subtitle, body and procurement field values: everything a keyword may be found in."""
    fields = article.get("fields") or {}
    parts = [article.get("title") or "", article.get("subtitle") or "", article.get("body") or ""]
    parts += [f"{key}{value}" for key, value in fields.items()]
    return "\n".join(parts)


def match_keywords(article: dict, keywords: list[str], exclude: list[str]) -> KeywordMatch:
    """No keywords means everything is wanted; any exclude keyword vetoes."""
    text = _normalise(article_text(article))
    if any(_normalise(word) and _normalise(word) in text for word in exclude):
        return KeywordMatch(False, [])
    if not keywords:
        return KeywordMatch(True, [])
    matched = [word for word in keywords if _normalise(word) and _normalise(word) in text]
    return KeywordMatch(bool(matched), matched)
