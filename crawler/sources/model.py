"""What every list reader returns: an article link with the title and date the list shows beside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListLink:
    """One article as a list shows it; `published` is display-time text ("2024-03-01" or "2024-03-01 10:00")."""

    url: str  # absolute
    title: str = ""
    published: str | None = None


class SourceError(ValueError):
    """A list or article answer that cannot be read as its shape (not JSON, a missing path): a fetch error."""
