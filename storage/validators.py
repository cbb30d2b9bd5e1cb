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
