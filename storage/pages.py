"""Pages (one row per article URL), compressed deduplicated raw bytes, and the compact fetch log."""

from __future__ import annotations

import hashlib
import time
import zlib

from .errors import NotFoundError, StorageError
from .util import one, rows, to_epoch, utc_seconds

PAGE_STATES = ("active", "missing", "removed", "error")
# fetch outcomes are stored as small integers to keep each fetch row tiny
OUTCOMES = ("new", "changed", "unchanged", "error", "missing", "removed", "restored", "baseline", "flagged", "gone")
_OUTCOME_CODE = {name: code for code, name in enumerate(OUTCOMES)}
ZLIB_LEVEL = 6
_PAGE_COLUMNS = (
    "id, url, site, first_seen, last_checked, state, miss_count, last_status, last_error, latest_version"
)


class PagesMixin:
    """Store methods for pages, raw blobs and fetches."""

    def page(self, url: str) -> dict | None:
        return one(self.db.execute(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE url = ?", [url]))

    def _page_or_raise(self, url: str) -> dict:
        found = self.page(url)
        if found is None:
            raise NotFoundError(f"no stored page for URL {url}; crawl it first (upsert_page creates it)")
        return found

    def upsert_page(self, url: str, site: str, at: str) -> dict:
        """Create the page the first time its URL is seen; later calls return the existing row."""
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO pages (url, site, first_seen) VALUES (?, ?, ?)", [url, site, at]
            )
            return self.page(url)

    def set_page_state(
        self, url: str, state: str, *, at: str, miss_count=None, last_status=None, last_error=None
    ) -> None:
        """Record what the last check found (active, missing, removed, error) and when."""
        if state not in PAGE_STATES:
            raise ValueError(f"page state {state!r} is not one of {', '.join(PAGE_STATES)}")
        with self.transaction():
            page = self._page_or_raise(url)
            self.db.execute(
                "UPDATE pages SET state = ?, last_checked = ?, miss_count = ?, last_status = ?, last_error = ? "
                "WHERE id = ?",
                [
                    state,
                    at,
                    page["miss_count"] if miss_count is None else miss_count,
                    page["last_status"] if last_status is None else last_status,
                    last_error,
                    page["id"],
                ],
            )

    def pages(self, site: str | None = None) -> list[dict]:
        if site is None:
            return rows(self.db.execute(f"SELECT {_PAGE_COLUMNS} FROM pages ORDER BY id"))
        return rows(self.db.execute(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE site = ? ORDER BY id", [site]))

    # raw bytes

    def put_raw(self, body: bytes, *, http_charset: str | None = None, at: str | None = None) -> str:
        """Keep the page bytes once per distinct content, compressed, so reextract can rerun later."""
        if not isinstance(body, bytes | bytearray | memoryview):
            raise StorageError(f"put_raw needs bytes, got {type(body).__name__}")
        body = bytes(body)
        digest = hashlib.sha256(body).hexdigest()
        now = to_epoch(at) if at else int(time.time())
        with self.transaction():
            cur = self.db.execute(
                "UPDATE raw SET used_at = ?, http_charset = coalesce(?, http_charset) WHERE hash = ?",
                [now, http_charset, digest],
            )
            if not cur.rowcount:
                self.db.execute(
                    "INSERT INTO raw (hash, codec, size, http_charset, used_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                    [digest, "zlib", len(body), http_charset, now, zlib.compress(body, ZLIB_LEVEL)],
                )
        return digest

    def raw_charset(self, raw_hash: str) -> tuple[bool, str | None]:
        """(whether the bytes are still stored, the Content-Type charset they were last served with)."""
        row = self.db.execute("SELECT http_charset FROM raw WHERE hash = ?", [raw_hash]).fetchone()
        return (False, None) if row is None else (True, row[0])

    def get_raw(self, raw_hash: str) -> bytes:
        row = one(self.db.execute("SELECT codec, data FROM raw WHERE hash = ?", [raw_hash]))
        if row is None:
            raise NotFoundError(
                f"no raw bytes stored under hash {raw_hash} (never stored, or pruned by retention)"
            )
        if row["codec"] != "zlib":
            raise StorageError(f"raw blob {raw_hash} uses unknown codec {row['codec']!r}; upgrade eduwatch")
        return zlib.decompress(row["data"])

    def prune_raw(self, keep_days: int, now: str) -> int:
        """Drop bytes no latest version needs and not stored or seen within keep_days; returns the count."""
        cutoff = to_epoch(now) - int(keep_days) * 86400
        with self.transaction():
            cur = self.db.execute(
                "DELETE FROM raw WHERE used_at < ? AND hash NOT IN ("
                " SELECT v.raw_hash FROM versions v JOIN pages p ON p.id = v.page_id"
                " WHERE v.version = p.latest_version AND v.raw_hash IS NOT NULL)",
                [cutoff],
            )
            return cur.rowcount

    # fetch log

    def log_fetch(
        self,
        run_id: int | None,
        url: str,
        *,
        at: str,
        status: int | None,
        nbytes: int,
        duration_ms: int,
        error: str | None,
        raw_hash: str | None,
        outcome: str,
    ) -> None:
        """Append one compact row per check (an ISO UTC time, then integers) and stamp the page's last_checked."""
        if outcome not in _OUTCOME_CODE:
            raise ValueError(f"fetch outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        with self.transaction():
            page = self._page_or_raise(url)
            raw_id = None
            if raw_hash is not None:
                raw_id = self.db.execute("SELECT id FROM raw WHERE hash = ?", [raw_hash]).fetchone()
                raw_id = raw_id[0] if raw_id else None
            self.db.execute(
                "INSERT INTO fetches (page_id, run_id, at, status, nbytes, duration_ms, outcome, raw_id, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    page["id"],
                    run_id,
                    utc_seconds(at),
                    status,
                    nbytes,
                    duration_ms,
                    _OUTCOME_CODE[outcome],
                    raw_id,
                    error,
                ],
            )
            self.db.execute("UPDATE pages SET last_checked = ? WHERE id = ?", [at, page["id"]])

    def fetches(self, url: str, limit: int = 50) -> list[dict]:
        """The page's most recent checks, newest first, with ISO times and outcome names."""
        page = self._page_or_raise(url)
        found = rows(
            self.db.execute(
                "SELECT f.run_id, f.at, f.status, f.nbytes, f.duration_ms, f.outcome, r.hash AS raw_hash, f.error"
                " FROM fetches f LEFT JOIN raw r ON r.id = f.raw_id WHERE f.page_id = ?"
                " ORDER BY f.rowid DESC LIMIT ?",
                [page["id"], limit],
            )
        )
        for fetch in found:
            fetch["url"] = url
            fetch["outcome"] = OUTCOMES[fetch["outcome"]]
        return found
