"""Pick two stored versions of a page (default: the last two) and diff them: `eduwatch diff` and the web view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crawler.errors import EduwatchError
from crawler.model import Article
from crawler.track.attachment_diff import AttachmentDiff, combined, diff_attachments
from crawler.track.diff import Diff, diff_articles


class VersionNotStored(EduwatchError):
    """A version number the page does not have; the message names the stored range."""

    def __init__(self, url: str, wanted: int, stored: list[int]):
        span = f"{stored[0]}…{stored[-1]}" if stored else "none"
        super().__init__(f"{url} has no version {wanted}; stored versions: {span}")
        self.url, self.wanted, self.stored = url, wanted, stored


@dataclass
class Comparison:
    from_version: int
    to_version: int
    old: dict  # the stored version rows, article included
    new: dict
    diff: Diff | None  # None when the two have the same content
    attachments: AttachmentDiff | None = None  # edits inside attachments, when a loader was given

    @property
    def same(self) -> bool:
        return self.diff is None and self.attachments is None

    def rendered(self) -> tuple[str | None, str | None, str]:
        """(text, html, summary) of the page and its attachments together."""
        return combined(self.diff, self.attachments)


def compare_versions(url: str, versions: list[dict], from_version: int | None = None,
                     to_version: int | None = None, load: Callable[[str], dict | None] | None = None) -> Comparison:
    """`to` defaults to the latest version and `from` to the one before `to`; a bad `to` is named first."""
    by_number = {v["version"]: v for v in versions}
    stored = sorted(by_number)
    to_v = to_version or (stored[-1] if stored else 1)
    from_v = from_version or max(1, to_v - 1)
    for wanted in (to_v, from_v):
        if wanted not in by_number:
            raise VersionNotStored(url, wanted, stored)
    old, new = by_number[from_v], by_number[to_v]
    before, after = Article.from_dict(old["article"]), Article.from_dict(new["article"])
    diff = diff_articles(before, after, old_label=f"v{from_v}", new_label=f"v{to_v}")
    inside = diff_attachments(before, after, load, (f"v{from_v}", f"v{to_v}")) if load else None
    return Comparison(from_v, to_v, old, new, diff, inside)
