"""Attachment search: a file's text is indexed once, however many pages link it; each page's latest version lists
the attachments it links (their link titles indexed, they are short).

Why: a sidebar's 下载中心 links the same forms from every page of a site. Indexed once per page, as before
migration 0019, the forms' text was nearly all of the attachment index (1.1 M characters for 1,000 pages in
`bench/throughput.py --attachments`, of one 262-character form), every page's first version tokenised it again,
and the lists FTS5 keeps per term grew with every page, so each merge of the index rewrote them.
"""

from __future__ import annotations

from sqlite_utils import Database

from .search import TRIGRAM, _filters, snippet
from .util import loads, one, rows

TABLES = [
    # one row per stored file whose reading has been indexed; has_text = 0 for a file without text (scans)
    "CREATE TABLE attachment_texts (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, has_text INTEGER NOT NULL)",
    "CREATE VIRTUAL TABLE attachment_text_fts USING fts5 (text, tokenize = 'trigram')",  # rowid = attachment_texts.id
    # the attachments with text that each page's latest version links, in the page's order
    """CREATE TABLE page_attachments (
        id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL, sha256 TEXT NOT NULL, title TEXT NOT NULL,
        url TEXT NOT NULL)""",
    "CREATE INDEX page_attachments_page ON page_attachments (page_id)",
    "CREATE INDEX page_attachments_file ON page_attachments (sha256)",
    "CREATE VIRTUAL TABLE attachment_title_fts USING fts5 (title, tokenize = 'trigram')",  # rowid = page_attachments.id
]


def document_text(document: dict) -> str:
    return "\n".join(p.get("text") or "" for p in document.get("parts") or [] if p.get("text"))


def index_attachments(db: Database, page_id: int, article: dict, first_version: bool = False) -> None:
    """Point the page's attachment search rows at this (latest) article's attachments, indexing the text of a file
    the first time any page links it. The page's first version has no rows to replace (pages are never deleted)."""
    if not first_version:
        db.execute("DELETE FROM attachment_title_fts WHERE rowid IN (SELECT id FROM page_attachments WHERE page_id = ?)",
                   [page_id])
        db.execute("DELETE FROM page_attachments WHERE page_id = ?", [page_id])
    for attachment in article.get("attachments") or []:
        sha256 = attachment.get("sha256")
        if not sha256 or not _file_indexed(db, sha256):
            continue
        title = attachment.get("title") or ""
        row = db.execute("INSERT INTO page_attachments (page_id, sha256, title, url) VALUES (?, ?, ?, ?)",
                         [page_id, sha256, title, attachment.get("url") or ""])
        if title:
            db.execute("INSERT INTO attachment_title_fts (rowid, title) VALUES (?, ?)", [row.lastrowid, title])


def _file_indexed(db: Database, sha256: str) -> bool:
    """Whether the stored file has text to search, indexing it now if no page has linked it yet (a file not
    stored has none)."""
    found = one(db.execute("SELECT has_text FROM attachment_texts WHERE sha256 = ?", [sha256]))
    if found is not None:
        return bool(found["has_text"])
    stored = one(db.execute("SELECT document FROM attachment_files WHERE sha256 = ?", [sha256]))
    if stored is None:
        return False
    text = document_text(loads(stored["document"]))
    row = db.execute("INSERT INTO attachment_texts (sha256, has_text) VALUES (?, ?)", [sha256, int(bool(text))])
    if text:
        db.execute("INSERT INTO attachment_text_fts (rowid, text) VALUES (?, ?)", [row.lastrowid, text])
    return bool(text)


def reindex_file(db: Database, sha256: str) -> None:
    """A file read again (`eduwatch reextract`): its text is indexed anew. A file that had no text and now has
    some joins the search rows of the pages linking it at their next version."""
    found = one(db.execute("SELECT id FROM attachment_texts WHERE sha256 = ?", [sha256]))
    if found is not None:
        db.execute("DELETE FROM attachment_text_fts WHERE rowid = ?", [found["id"]])
        db.execute("DELETE FROM attachment_texts WHERE id = ?", [found["id"]])
    _file_indexed(db, sha256)


def search_attachments(db: Database, terms: list[str], site=None, since=None, until=None, limit=20) -> list[dict]:
    """Pages whose latest version links an attachment that holds every (lower-case) term, in its text or its link
    title; names the attachment."""
    filters, params = _filters(site, since, until)
    conditions, values = [], []
    for term in terms:
        if len(term) >= TRIGRAM:
            quoted = '"' + term.replace('"', '""') + '"'
            conditions.append(
                "(a.id IN (SELECT rowid FROM attachment_title_fts WHERE attachment_title_fts MATCH ?)"
                " OR t.id IN (SELECT rowid FROM attachment_text_fts WHERE attachment_text_fts MATCH ?))")
            values += [quoted, quoted]
        else:  # shorter than a trigram: the index cannot find it
            conditions.append("(instr(lower(a.title), ?) > 0 OR instr(lower(f.text), ?) > 0)")
            values += [term, term]
    found = rows(db.execute(
        "SELECT p.url, s.title, s.site, s.published, a.title AS att_title, a.url AS att_url, f.text"
        " FROM page_attachments a JOIN attachment_texts t ON t.sha256 = a.sha256"
        " JOIN attachment_text_fts f ON f.rowid = t.id"
        " JOIN pages p ON p.id = a.page_id JOIN search_fts s ON s.rowid = a.page_id"
        f" WHERE {' AND '.join(conditions)} {filters} ORDER BY p.id, a.id LIMIT ?", [*values, *params, limit]))
    return [{"url": r["url"], "title": r["title"], "published": r["published"], "site": r["site"],
             "snippet": snippet(r["text"], terms), "attachment": {"title": r["att_title"], "url": r["att_url"]}}
            for r in found]


def move_to_file_index(db: Database) -> None:
    """Migration 0019: the per-page rows of attachment_fts become the tables above, rebuilt from each page's
    latest version and the stored readings (the source of both), and attachment_fts goes."""
    for statement in TABLES:
        db.execute(statement)
    for page_id, article in db.execute(
            "SELECT p.id, v.article FROM pages p JOIN versions v ON v.page_id = p.id AND v.version = p.latest_version"
            " WHERE v.article LIKE '%\"sha256\"%' ORDER BY p.id").fetchall():
        index_attachments(db, page_id, loads(article), first_version=True)
    db.execute("DROP TABLE IF EXISTS attachment_fts")
