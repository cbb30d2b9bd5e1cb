"""Versions of each page's extracted article: a new row only when the content changes."""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from .attachment_search import index_attachments, move_to_file_index
from .errors import NotFoundError, StorageError
from .schema import migrations
from .search import index_latest
from .util import dumps, loads, one, rows

PROJECT_CODE_FIELD = "项目编号"  # indexed as its own column so 更正公告 can find the original notice
_VERSION_COLUMNS = (
    "v.version, v.first_seen, v.last_seen, v.content_hash, v.title, v.article, v.raw_hash, v.run_id"
)


class VersionsMixin:
    """Store methods for the versions table (and the search index that follows the latest one)."""

    def latest_version(self, url: str) -> dict | None:
        return _decode(
            one(
                self.db.execute(
                    f"SELECT {_VERSION_COLUMNS} FROM versions v JOIN pages p ON p.id = v.page_id"
                    " WHERE p.url = ? AND v.version = p.latest_version",
                    [url],
                )
            )
        )

    def add_version(
        self,
        url: str,
        *,
        article: dict,
        content_hash: str,
        raw_hash: str | None,
        seen_at: str,
        run_id: int | None,
    ) -> int:
        """Store a new version (1, 2, ...) and point the page and the search index at it."""
        _check_article(url, article)
        with self.transaction():
            page = self._page_or_raise(url)
            number = (page["latest_version"] or 0) + 1
            self.db.execute(
                "INSERT INTO versions (page_id, version, first_seen, last_seen, content_hash, title, published,"
                " article, raw_hash, run_id, project_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    page["id"],
                    number,
                    seen_at,
                    seen_at,
                    content_hash,
                    article.get("title") or "",
                    article.get("published"),
                    dumps(article),
                    raw_hash,
                    run_id,
                    _project_code(article),
                ],
            )
            self.db.execute("UPDATE pages SET latest_version = ? WHERE id = ?", [number, page["id"]])
            index_latest(self.db, page["id"], page["site"], article, first=number == 1)
            index_attachments(self.db, page["id"], article, first_version=number == 1)
            return number

    def touch_version(self, url: str, seen_at: str) -> None:
        """An unchanged recheck: the latest version is still what the site shows."""
        with self.transaction():
            page = self._page_or_raise(url)
            if page["latest_version"] is None:
                raise NotFoundError(f"page {url} has no stored version to touch; add_version first")
            self.db.execute(
                "UPDATE versions SET last_seen = ? WHERE page_id = ? AND version = ?",
                [seen_at, page["id"], page["latest_version"]],
            )

    def versions(self, url: str) -> list[dict]:
        """Every stored version of the page, oldest first."""
        page = self._page_or_raise(url)
        found = rows(
            self.db.execute(
                f"SELECT {_VERSION_COLUMNS} FROM versions v WHERE v.page_id = ? ORDER BY v.version",
                [page["id"]],
            )
        )
        return [_decode(v) for v in found]

    def version(self, url: str, n: int) -> dict:
        found = one(
            self.db.execute(
                f"SELECT {_VERSION_COLUMNS} FROM versions v JOIN pages p ON p.id = v.page_id"
                " WHERE p.url = ? AND v.version = ?",
                [url, n],
            )
        )
        if found is None:
            raise NotFoundError(f"no version {n} stored for {url}; `eduwatch history URL` lists the versions")
        return _decode(found)

    def replace_version_article(self, url: str, n: int, article: dict, content_hash: str) -> None:
        """Rewrite a version in place after re-extraction (better extractor, same page): no alert."""
        _check_article(url, article)
        with self.transaction():
            self.version(url, n)
            page = self.page(url)
            self.db.execute(
                "UPDATE versions SET article = ?, content_hash = ?, title = ?, published = ?, project_code = ?"
                " WHERE page_id = ? AND version = ?",
                [
                    dumps(article),
                    content_hash,
                    article.get("title") or "",
                    article.get("published"),
                    _project_code(article),
                    page["id"],
                    n,
                ],
            )
            if n == page["latest_version"]:
                index_latest(self.db, page["id"], page["site"], article)
                index_attachments(self.db, page["id"], article)

    def find_versions_by_field(self, key: str, value: str, exclude_url: str | None = None) -> list[dict]:
        """Latest versions whose article.fields[key] equals value (e.g. the notice a 更正公告 corrects)."""
        if key == PROJECT_CODE_FIELD:
            where, params = "v.project_code = ?", [value]
        else:
            where, params = "json_extract(v.article, '$.fields.' || json_quote(?)) = ?", [key, value]
        found = rows(
            self.db.execute(
                f"SELECT p.url, p.site, {_VERSION_COLUMNS} FROM versions v JOIN pages p ON p.id = v.page_id"
                f" WHERE v.version = p.latest_version AND {where} AND (? IS NULL OR p.url != ?) ORDER BY p.id",
                [*params, exclude_url, exclude_url],
            )
        )
        return [_decode(v) for v in found]

    def raw_versions(self, site: str | None = None) -> Iterator[tuple[str, int, str, str | None]]:
        """(url, version, raw_hash, http_charset) for every version whose raw bytes are still kept."""
        cur = self.db.execute(
            "SELECT p.url, v.version, v.raw_hash, r.http_charset FROM versions v"
            " JOIN pages p ON p.id = v.page_id JOIN raw r ON r.hash = v.raw_hash"
            " WHERE (? IS NULL OR p.site = ?) ORDER BY p.id, v.version",
            [site, site],
        )
        yield from cur.fetchall()


def _decode(row: dict | None) -> dict | None:
    if row is not None:
        row["article"] = loads(row["article"])
    return row


def _check_article(url: str, article) -> None:
    if not isinstance(article, dict):
        raise StorageError(
            f"article for {url} must be a dict (Article.to_dict()), got {type(article).__name__}"
        )


def _project_code(article: dict) -> str | None:
    return (article.get("fields") or {}).get(PROJECT_CODE_FIELD) or None


# Migration 0008 numbered the per-page rows of attachment_fts page_id × ROWS_PER_PAGE + n (attachments past the
# first ROWS_PER_PAGE of a page were not searchable); 0019 replaced those rows by one per file.
ROWS_PER_PAGE = 1024


@migrations(name="0008_attachment_search_rowids")
def number_attachment_search_rows_by_page(db: Database) -> None:
    """Give the attachment search rows 0005 wrote the rowids index_attachments now deletes by (page_id ×
    ROWS_PER_PAGE + n). Here, not in attachments.py, so that it registers after 0007 (storage/validators.py)."""
    rows = db.execute("SELECT rowid, title, text, url, page_id FROM attachment_fts ORDER BY page_id, rowid").fetchall()
    db.execute("DELETE FROM attachment_fts")
    seen: dict[int, int] = {}
    for _, title, text, url, page_id in rows:
        n = seen.get(page_id, 0)
        seen[page_id] = n + 1
        if n < ROWS_PER_PAGE:
            db.execute("INSERT INTO attachment_fts (rowid, title, text, url, page_id) VALUES (?, ?, ?, ?, ?)",
                       [page_id * ROWS_PER_PAGE + n, title, text, url, page_id])


@migrations(name="0019_attachment_search_by_file")
def index_attachment_text_once_per_file(db: Database) -> None:
    """One search row per file instead of one per page linking it (storage/attachment_search.py says why)."""
    move_to_file_index(db)
