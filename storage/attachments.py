"""Attachment files (bytes and their reading, once per sha256), per-page attachment errors, attachment search."""

from __future__ import annotations

from sqlite_utils import Database

from .attachment_search import reindex_file, search_attachments
from .schema import migrations
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
    # the text of each attachment of each page's latest version, until 0019 (storage/attachment_search.py)
    """CREATE VIRTUAL TABLE attachment_fts USING fts5 (
        title, text, url UNINDEXED, page_id UNINDEXED, tokenize = 'trigram')""",
]


@migrations(name="0005_attachments")
def add_attachment_tables(db: Database) -> None:
    for statement in _TABLES:
        db.execute(statement)


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
        """A re-reading of stored bytes (`eduwatch reextract`); its search text is indexed anew at once."""
        with self.transaction():
            self.db.execute("UPDATE attachment_files SET document = ?, kind = ? WHERE sha256 = ?",
                            [dumps(document), document.get("kind") or "other", sha256])
            reindex_file(self.db, sha256)

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
        """Pages whose latest version links an attachment holding every term; names the attachment."""
        return search_attachments(self.db, terms, site, since, until, limit)
