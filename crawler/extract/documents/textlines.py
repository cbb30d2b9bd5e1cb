"""Normalise extracted text into the line form the diff expects: one paragraph or table row per line."""

from __future__ import annotations

from ..text import norm


def clean_lines(raw: str) -> str:
    """Whitespace collapsed inside each line, empty lines dropped, NULs and form feeds removed."""
    raw = raw.replace("\x00", "").replace("\x0c", "\n").replace("\r", "\n")
    return "\n".join(line for line in (norm(s) for s in raw.split("\n")) if line)


def row_line(values) -> str:
    """A table row as one line: non-empty cells joined by one space, as the page extractor does."""
    return " ".join(text for text in (norm(v) for v in values) if text)
