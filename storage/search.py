"""Full-text search over the latest version of each page, Chinese included (FTS5 trigram + short-query scan)."""

from __future__ import annotations

import re

from sqlite_utils import Database

from .util import rows

TRIGRAM = 3  # FTS5 trigram matches terms of at least this many characters
SNIPPET_CONTEXT = 30  # characters of context either side of the first match
_SPACE = re.compile(r"\s+")


def index_latest(db: Database, page_id: int, site: str, article: dict, first: bool = False) -> None:
    """Make the page's search row reflect this article (called inside the version's transaction); `first`: the
    page's first version, which has no row to replace."""
    fields = " ".join(str(v) for v in (article.get("fields") or {}).values())
    if not first:
        db.execute("DELETE FROM search_fts WHERE rowid = ?", [page_id])
    db.execute(
        "INSERT INTO search_fts (rowid, title, body, fields, site, published) VALUES (?, ?, ?, ?, ?, ?)",
        [
            page_id,
            article.get("title") or "",
            article.get("body") or "",
            fields,
            site,
            article.get("published"),
        ],
    )


class SearchMixin:
    """Store.search: ranked hits with a 【highlighted】 snippet."""

    def search(
        self,
        query: str,
        *,
        site: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit=20,
    ) -> list[dict]:
        """Pages whose latest version contains every whitespace-separated term of query, best first.

        The query is plain text: quotes and FTS operators are searched for literally, never parsed.
        """
        terms = [t.lower() for t in _SPACE.split(query.strip()) if t]
        if not terms:
            return []
        if all(len(t) >= TRIGRAM for t in terms):
            found = self._search_fts(terms, site, since, until, limit)
        else:
            found = self._search_scan(terms, site, since, until, limit)
        hits = [_hit(row, terms) for row in found]
        seen = {h["url"] for h in hits}  # a page found by its own text is not listed again for an attachment
        hits += [h for h in self.search_attachments(terms, site, since, until, limit) if h["url"] not in seen]
        return hits[:limit]

    def _search_fts(self, terms, site, since, until, limit) -> list[dict]:
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        filters, params = _filters(site, since, until)
        return rows(
            self.db.execute(
                "SELECT p.url, s.title, s.body, s.fields, s.site, s.published FROM search_fts s"
                f" JOIN pages p ON p.id = s.rowid WHERE search_fts MATCH ? {filters}"
                " ORDER BY s.rank, p.id LIMIT ?",
                [match, *params, limit],
            )
        )

    def _search_scan(self, terms, site, since, until, limit) -> list[dict]:
        """Terms shorter than a trigram: scan the latest texts, rank by how often the terms occur."""
        text = "lower(s.title || ' ' || s.body || ' ' || s.fields)"
        present = " AND ".join(f"instr({text}, ?) > 0" for _ in terms)
        count = " + ".join(f"(length({text}) - length(replace({text}, ?, ''))) / length(?)" for _ in terms)
        filters, params = _filters(site, since, until)
        return rows(
            self.db.execute(
                "SELECT p.url, s.title, s.body, s.fields, s.site, s.published FROM search_fts s"
                f" JOIN pages p ON p.id = s.rowid WHERE {present} {filters}"
                f" ORDER BY ({count}) DESC, p.id LIMIT ?",
                [*terms, *params, *[x for t in terms for x in (t, t)], limit],
            )
        )


def _filters(site, since, until) -> tuple[str, list]:
    """SQL for the site and published-date filters (dates compared on their YYYY-MM-DD prefix)."""
    sql, params = [], []
    if site is not None:
        sql.append("AND s.site = ?")
        params.append(site)
    day = "substr(coalesce(s.published, p.first_seen), 1, 10)"
    if since is not None:
        sql.append(f"AND {day} >= substr(?, 1, 10)")
        params.append(since)
    if until is not None:
        sql.append(f"AND {day} <= substr(?, 1, 10)")
        params.append(until)
    return " ".join(sql), params


def _hit(row: dict, terms: list[str]) -> dict:
    return {
        "url": row["url"],
        "title": row["title"],
        "published": row["published"],
        "site": row["site"],
        "snippet": snippet(_matching_text(row, terms), terms),
    }


def _matching_text(row: dict, terms: list[str]) -> str:
    """The body when it holds a term, else the title or the field values that do."""
    texts = [row["body"] or "", row["title"] or "", row["fields"] or ""]
    return next((t for t in texts if any(term in t.lower() for term in terms)), texts[0] or texts[1])


def snippet(text: str, terms: list[str]) -> str:
    """A short window around the first match with every term occurrence wrapped in 【】."""
    flat = _SPACE.sub(" ", text).strip()
    lower = flat.lower()
    positions = [lower.find(t) for t in terms if lower.find(t) >= 0]
    first = min(positions) if positions else 0
    start, end = max(0, first - SNIPPET_CONTEXT), min(len(flat), first + SNIPPET_CONTEXT * 2)
    window = flat[start:end]
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    marked = pattern.sub(lambda m: f"【{m.group(0)}】", window)
    return ("…" if start > 0 else "") + marked + ("…" if end < len(flat) else "")
