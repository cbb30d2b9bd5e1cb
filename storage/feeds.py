"""What feeds and the bid calendar read: keyword-filtered changes, announcements' version histories, correction
links."""

from __future__ import annotations

from .changes import _CHANGE_COLUMNS, _decode
from .util import loads, rows

FEED_LIMIT = 100  # entries in a feed unless the caller asks otherwise


class FeedsMixin:
    """Store.feed_changes, Store.announcement_histories, Store.correction_links."""

    def feed_changes(
        self, *, site: str | None = None, kind: str | None = None, keyword: str | None = None, limit: int = FEED_LIMIT
    ) -> list[dict]:
        """Changes newest first for one site/kind, and with keyword somewhere in the title, summary or diff."""
        text = "lower(coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(diff_text, ''))"
        found = rows(
            self.db.execute(
                f"SELECT {_CHANGE_COLUMNS} FROM changes WHERE (? IS NULL OR site = ?) AND (? IS NULL OR kind = ?)"
                f" AND (? IS NULL OR instr({text}, lower(?)) > 0) ORDER BY detected_at DESC, id DESC LIMIT ?",
                [site, site, kind, kind, keyword, keyword, limit],
            )
        )
        return [_decode(c) for c in found]

    def announcement_histories(self, site: str | None = None) -> list[dict]:
        """Pages whose latest version states procurement fields, each with every version, oldest first:
        {"url", "site", "state", "versions": [{"version", "first_seen", "article"}]}."""
        found = rows(
            self.db.execute(
                "SELECT p.id, p.url, p.site, p.state, v.version, v.first_seen, v.article FROM pages p"
                " JOIN versions v ON v.page_id = p.id WHERE p.id IN ("
                "  SELECT l.page_id FROM versions l JOIN pages q ON q.id = l.page_id"
                "  WHERE l.version = q.latest_version AND json_extract(l.article, '$.fields') != '{}'"
                "  AND (? IS NULL OR q.site = ?))"
                " ORDER BY p.id, v.version",
                [site, site],
            )
        )
        pages: dict[int, dict] = {}
        for row in found:
            page = pages.setdefault(row["id"], {"url": row["url"], "site": row["site"], "state": row["state"],
                                                "versions": []})
            page["versions"].append({"version": row["version"], "first_seen": row["first_seen"],
                                     "article": loads(row["article"])})
        return list(pages.values())

    def correction_links(self) -> dict[str, str]:
        """Correction notice URL → the URL of the announcement it corrects (the latest link recorded)."""
        found = self.db.execute(
            "SELECT url, related_url FROM changes WHERE related_url IS NOT NULL ORDER BY detected_at, id"
        ).fetchall()
        return dict(found)
