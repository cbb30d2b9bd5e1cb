"""Attachment files (bytes and their reading, once per sha256), per-page attachment errors, attachment search."""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations
from .search import TRIGRAM, _filters, snippet
from .util import dumps, loads, one, rows

_TABLES = [
    # one row per distinct file, shared by every article that links it; `document` is the reading
    # (kind, parts with labels such as "第2页" or a sheet name, flags, error) as JSON
    """CREATE TABLE attachment_files (
        sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, kind TEXT NOT NULL, stored_at TEXT NOT NULL,
        document TEXT NOT NULL, data BLOB NOT NULL)""",
    # the last failure to fetch or read a page's attachment; the row goes when the attachment reads again
    """CREATE TABLE attachment_errors (
        page_id INTEGER NOT NULL, url TEXT NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL, run_id INTEGER,
        PRIMARY KEY (page_id, url))""",
    # the text of each attachment of each page's LATEST version (like search_fts for bodies)
    """CREATE VIRTUAL TABLE attachment_fts USING fts5 (
        title, text, url UNINDEXED, page_id UNINDEXED, tokenize = 'trigram')""",
]


@migrations(name="0005_attachments")
def add_attachment_tables(db: Database) -> None:
    for statement in _TABLES:
        db.execute(statement)


def document_text(document: dict) -> str:
    return "\n".join(p.get("text") or "" for p in document.get("parts") or [] if p.get("text"))


# A page's attachment search rows have rowids page_id × ROWS_PER_PAGE + 0, 1, …: FTS5 finds a rowid range in its
# index, while a WHERE on the page_id column reads every row of the table (2 ms per version at 2,000 rows,
# growing with the archive). Attachments past the first ROWS_PER_PAGE of one page are not searchable.
ROWS_PER_PAGE = 1024


def index_attachments(db: Database, page_id: int, article: dict, first_version: bool = False) -> None:
    """Point the attachment search rows of a page at this (latest) article's attachments. The page's first version
    has no rows to replace (pages are never deleted, so no other page held its id): no DELETE, which costs
    ~0.1–0.3 ms right after another FTS5 table's insert in the same transaction."""
    first = page_id * ROWS_PER_PAGE
    if not first_version:
        db.execute("DELETE FROM attachment_fts WHERE rowid >= ? AND rowid < ?", [first, first + ROWS_PER_PAGE])
    rowid = first
    for a in article.get("attachments") or []:
        if not a.get("sha256") or rowid >= first + ROWS_PER_PAGE:
            continue
        found = one(db.execute("SELECT document FROM attachment_files WHERE sha256 = ?", [a["sha256"]]))
        text = document_text(loads(found["document"])) if found else ""
        if text:
            db.execute("INSERT INTO attachment_fts (rowid, title, text, url, page_id) VALUES (?, ?, ?, ?, ?)",
                       [rowid, a.get("title") or "", text, a.get("url") or "", page_id])
            rowid += 1


class AttachmentsMixin:
    """Store methods for attachment files and their errors."""

    def put_attachment(self, sha256: str, data: bytes, document: dict, at: str) -> bool:
        """Keep the file and its reading once; True when it was new. The bytes are written only the first time."""
        with self.transaction():
            if self.has_attachment(sha256):
                return False
            self.db.execute(
                "INSERT INTO attachment_files (sha256, size, kind, stored_at, document, data) VALUES (?, ?, ?, ?, ?, ?)",
                [sha256, len(data), document.get("kind") or "other", at, dumps(document), data])
            return True

    def has_attachment(self, sha256: str) -> bool:
        return one(self.db.execute("SELECT 1 AS x FROM attachment_files WHERE sha256 = ?", [sha256])) is not None

    def attachment_document(self, sha256: str) -> dict | None:
        """The stored reading of a file (kind, parts, flags, error), None when the file is not stored."""
        found = one(self.db.execute("SELECT document FROM attachment_files WHERE sha256 = ?", [sha256]))
        return loads(found["document"]) if found else None

    def attachment_bytes(self, sha256: str) -> bytes | None:
        found = one(self.db.execute("SELECT data FROM attachment_files WHERE sha256 = ?", [sha256]))
        return bytes(found["data"]) if found else None

    def attachment_hashes(self) -> list[str]:
        return [r["sha256"] for r in rows(self.db.execute("SELECT sha256 FROM attachment_files ORDER BY stored_at"))]

    def replace_attachment_document(self, sha256: str, document: dict) -> None:
        """A re-reading of stored bytes (`eduwatch reextract`); search rows follow at the next version write."""
        with self.transaction():
            self.db.execute("UPDATE attachment_files SET document = ?, kind = ? WHERE sha256 = ?",
                            [dumps(document), document.get("kind") or "other", sha256])

    def set_attachment_error(self, page_url: str, url: str, error: str | None, at: str, run_id: int | None) -> None:
        """Record (or, with error=None, clear) the last failure of one attachment of a page."""
        self.set_attachment_errors(page_url, [(url, error)], at, run_id)

    def set_attachment_errors(self, page_url: str, errors: list[tuple[str, str | None]], at: str,
                              run_id: int | None) -> None:
        """Record (or, with None, clear) the last failure of each (attachment url, error) of a page, in order;
        the page is looked up once, not once per attachment."""
        if not errors:
            return
        with self.transaction():
            page_id = self._page_or_raise(page_url)["id"]
            for url, error in errors:
                if error is None:
                    self.db.execute("DELETE FROM attachment_errors WHERE page_id = ? AND url = ?", [page_id, url])
                    continue
                self.db.execute(
                    "INSERT INTO attachment_errors (page_id, url, error, at, run_id) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (page_id, url) DO UPDATE SET error = excluded.error, at = excluded.at,"
                    " run_id = excluded.run_id WHERE attachment_errors.error != excluded.error",
                    [page_id, url, error, at, run_id])

    def attachment_errors(self, page_url: str | None = None) -> list[dict]:
        """Current attachment failures: page url, attachment url, error, when, which run."""
        return rows(self.db.execute(
            "SELECT p.url AS page_url, e.url, e.error, e.at, e.run_id FROM attachment_errors e"
            " JOIN pages p ON p.id = e.page_id WHERE (? IS NULL OR p.url = ?) ORDER BY p.id, e.url",
            [page_url, page_url]))

    def search_attachments(self, terms: list[str], site=None, since=None, until=None, limit=20) -> list[dict]:
        """Pages whose latest version has an attachment containing every term; names the attachment."""
        filters, params = _filters(site, since, until)
        join = "JOIN pages p ON p.id = a.page_id JOIN search_fts s ON s.rowid = a.page_id"
        cols = "p.url, s.title, s.site, s.published, a.title AS att_title, a.url AS att_url, a.text"
        if all(len(t) >= TRIGRAM for t in terms):
            match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
            found = rows(self.db.execute(
                f"SELECT {cols} FROM attachment_fts a {join} WHERE attachment_fts MATCH ? {filters}"
                " ORDER BY a.rank, p.id LIMIT ?", [match, *params, limit]))
        else:
            present = " AND ".join("instr(lower(a.text), ?) > 0" for _ in terms)
            found = rows(self.db.execute(
                f"SELECT {cols} FROM attachment_fts a {join} WHERE {present} {filters} ORDER BY p.id LIMIT ?",
                [*terms, *params, limit]))
        return [{"url": r["url"], "title": r["title"], "published": r["published"], "site": r["site"],
                 "snippet": snippet(r["text"], terms), "attachment": {"title": r["att_title"], "url": r["att_url"]}}
                for r in found]
