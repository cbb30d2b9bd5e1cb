"""HTTP validators (ETag, Last-Modified) of the bytes each page's stored reading stands for: conditional requests."""

from __future__ import annotations

from .schema import migrations


class ValidatorsMixin:
    """Store methods for the validators kept on each page row (crawler/fetch/validators.py sends them)."""

    def validators(self, site: str) -> dict[str, tuple[str | None, str | None]]:
        """url → (ETag, Last-Modified) for the site's pages that have a stored reading and validators.

        Pages whose reading lists attachments are left out: a 304 carries no links, so the crawl could not
        fetch the attachments to notice an edit inside one; those pages are fetched in full."""
        cur = self.db.execute(
            "SELECT p.url, p.etag, p.last_modified FROM pages p"
            " JOIN versions v ON v.page_id = p.id AND v.version = p.latest_version"
            " WHERE p.site = ? AND (p.etag IS NOT NULL OR p.last_modified IS NOT NULL)"
            " AND coalesce(json_array_length(v.article, '$.attachments'), 0) = 0",
            [site],
        )
        return {url: (etag, modified) for url, etag, modified in cur.fetchall()}

    def page_validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) stored for the page; (None, None) when none are."""
        row = self.db.execute("SELECT etag, last_modified FROM pages WHERE url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def attachment_validators(self, site: str) -> dict[tuple[str, str], tuple[str | None, str | None, str]]:
        """(page url, attachment url) → (ETag, Last-Modified, sha256 of the stored file) for the site's pages:
        a recheck asks "changed since?" for each attachment, and a 304 reuses the file's stored reading."""
        cur = self.db.execute(
            "SELECT p.url, v.url, v.etag, v.last_modified, v.sha256 FROM attachment_validators v"
            " JOIN pages p ON p.id = v.page_id WHERE p.site = ?", [site])
        return {(page, url): (etag, modified, sha) for page, url, etag, modified, sha in cur.fetchall()}

    def set_attachment_validators(self, page_url: str, url: str, sha256: str | None, etag: str | None,
                                  last_modified: str | None) -> None:
        """Keep the validators of the file the page's attachment `url` served (its bytes' sha256); forget them
        when there are none, or when no stored file stands for them (sha256 None)."""
        self.set_page_attachment_validators(page_url, [(url, sha256, etag, last_modified)])

    def set_page_attachment_validators(self, page_url: str,
                                       files: list[tuple[str, str | None, str | None, str | None]]) -> None:
        """set_attachment_validators for each (url, sha256, etag, last_modified) of one page, looked up once."""
        if not files:
            return
        with self.transaction():
            page = self.db.execute("SELECT id FROM pages WHERE url = ?", [page_url]).fetchone()
            if page is None:
                return
            for url, sha256, etag, last_modified in files:
                if sha256 is None or not (etag or last_modified):
                    self.db.execute("DELETE FROM attachment_validators WHERE page_id = ? AND url = ?", [page[0], url])
                    continue
                self.db.execute(
                    "INSERT INTO attachment_validators (page_id, url, sha256, etag, last_modified) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (page_id, url) DO UPDATE SET sha256 = excluded.sha256, etag = excluded.etag,"
                    " last_modified = excluded.last_modified", [page[0], url, sha256, etag, last_modified])

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep (or, with None, None, forget) the validators of the bytes the page's reading stands for."""
        with self.transaction():
            self.db.execute("UPDATE pages SET etag = ?, last_modified = ? WHERE url = ?", [etag, last_modified, url])


@migrations(name="0006_page_validators")
def page_validators(db) -> None:
    """HTTP validators (ETag, Last-Modified) of the bytes each page's stored reading stands for, so a recheck can
    ask "changed since?" and a 304 reuses the reading (crawler/fetch/validators.py): small text on the page row,
    rewritten in place. Registered here (store.py imports this module after attachments.py), so it follows 0005."""
    db.execute("ALTER TABLE pages ADD COLUMN etag TEXT")
    db.execute("ALTER TABLE pages ADD COLUMN last_modified TEXT")


@migrations(name="0007_attachment_validators")
def attachment_validators(db) -> None:
    """The validators of each page's attachment files, so a recheck downloads a document only when it changed
    (a 304 reuses the stored file's reading). Per page and URL: a 304 stands for the file this page's reading
    holds; rows go with the validators (a file served without any is fetched in full)."""
    db.execute("""CREATE TABLE attachment_validators (
        page_id INTEGER NOT NULL REFERENCES pages(id), url TEXT NOT NULL, sha256 TEXT NOT NULL, etag TEXT,
        last_modified TEXT, PRIMARY KEY (page_id, url))""")
