"""The database schema as named, ordered sqlite_utils Migrations (each applied once per file)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .views import readable_schema


class _NumberedMigrations(Migrations):
    """Migrations kept in the order of their numbers ("0018_..." after "0011_..."), whichever storage module
    registers them first: modules are imported alphabetically, numbers are handed out in time."""

    def __call__(self, **kwargs):
        register = super().__call__(**kwargs)

        def inner(func):
            register(func)
            self._migrations.sort(key=lambda m: m.name)
            return func

        return inner


migrations = _NumberedMigrations("eduwatch")

_INITIAL = [
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, sites TEXT, started_at TEXT NOT NULL,
        finished_at TEXT, status TEXT NOT NULL DEFAULT 'running', stats TEXT)""",
    """CREATE TABLE sites (
        name TEXT PRIMARY KEY, baseline_run INTEGER, baselined_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0, last_ok_at TEXT, last_article_count INTEGER)""",
    """CREATE TABLE pages (
        id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, site TEXT NOT NULL, first_seen TEXT NOT NULL,
        last_checked TEXT, state TEXT NOT NULL DEFAULT 'active'
            CHECK (state IN ('active', 'missing', 'removed', 'error')),
        miss_count INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, latest_version INTEGER)""",
    "CREATE INDEX pages_site ON pages (site)",
    # raw page bytes, deduplicated by sha256; `used_at` (epoch) is bumped on every put;
    # AUTOINCREMENT so a pruned blob's id is never reused under an old fetch row
    """CREATE TABLE raw (
        id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL UNIQUE, codec TEXT NOT NULL, size INTEGER NOT NULL,
        http_charset TEXT, used_at INTEGER NOT NULL, data BLOB NOT NULL)""",
    # one small row per check: integers only, no URL text, no JSON
    """CREATE TABLE fetches (
        page_id INTEGER NOT NULL, run_id INTEGER, at INTEGER NOT NULL, status INTEGER, nbytes INTEGER,
        duration_ms INTEGER, outcome INTEGER NOT NULL, raw_id INTEGER, error TEXT)""",
    "CREATE INDEX fetches_page ON fetches (page_id)",
    """CREATE TABLE versions (
        id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL REFERENCES pages (id), version INTEGER NOT NULL,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, content_hash TEXT NOT NULL, title TEXT,
        published TEXT, article TEXT NOT NULL, raw_hash TEXT, run_id INTEGER, project_code TEXT,
        UNIQUE (page_id, version))""",
    "CREATE INDEX versions_project_code ON versions (project_code) WHERE project_code IS NOT NULL",
    """CREATE TABLE changes (
        id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, kind TEXT NOT NULL, detected_at TEXT NOT NULL,
        title TEXT, version INTEGER, previous_version INTEGER, diff_text TEXT, diff_html TEXT, summary TEXT,
        run_id INTEGER, details TEXT, related_url TEXT)""",
    "CREATE INDEX changes_detected ON changes (detected_at)",
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'failed')),
        recipients TEXT NOT NULL, subject TEXT, created_at TEXT NOT NULL, sent_at TEXT, error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0, last_attempt_at TEXT, next_attempt_at TEXT, message_id TEXT NOT NULL UNIQUE,
        run_id INTEGER, change_ids TEXT NOT NULL)""",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, change_id INTEGER NOT NULL REFERENCES changes (id), recipient TEXT NOT NULL,
        run_id INTEGER, matched TEXT, alert_id INTEGER REFERENCES alerts (id),
        UNIQUE (change_id, recipient))""",
    "CREATE INDEX outbox_pending ON outbox (alert_id, run_id, recipient)",
    # full-text index over the LATEST version of each page; rowid = pages.id, kept up by storage code
    """CREATE VIRTUAL TABLE search_fts USING fts5 (
        title, body, fields, site UNINDEXED, published UNINDEXED, tokenize = 'trigram')""",
]


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    """Create every table; plain statements (no executescript: it would commit our transaction)."""
    for statement in _INITIAL:
        db.execute(statement)


@migrations(name="0002_readable_schema")
def readable(db: Database) -> None:
    """ISO text fetch times, foreign keys to pages, and the views Datasette users read (storage/views.py)."""
    readable_schema(db)


@migrations(name="0003_cluster_stream")
def cluster_stream(db: Database) -> None:
    """Cluster mode: which stream messages are recorded (exactly once), and the runs dispatched to nodes."""
    # one row per recorded stream message, keyed by the message's own id (run token + part), written in
    # the transaction that records the message, so a replay after a crash finds it and records nothing
    db.execute("""CREATE TABLE stream_entries (
        mid TEXT PRIMARY KEY, entry_id TEXT NOT NULL, recorded_at TEXT NOT NULL) WITHOUT ROWID""")
    db.execute("CREATE INDEX stream_entries_recorded ON stream_entries (recorded_at)")
    # a crawl run dispatched to a scrapyd node: its token in stream messages ↔ its row in runs
    db.execute("""CREATE TABLE cluster_runs (
        token TEXT PRIMARY KEY, run_id INTEGER NOT NULL UNIQUE REFERENCES runs (id), site TEXT NOT NULL,
        node TEXT NOT NULL, job TEXT NOT NULL, spider TEXT, baselined INTEGER NOT NULL DEFAULT 0,
        started_at TEXT)""")
    db.execute("CREATE INDEX cluster_runs_site ON cluster_runs (site)")


@migrations(name="0004_chat_channels")
def chat_channels(db: Database) -> None:
    """Chat and webhook channels: their own outbox, and alert rows that name a channel and keep the exact
    payload built once, so a resend after a crash posts the same content."""
    db.execute("ALTER TABLE alerts ADD COLUMN channel TEXT")  # NULL: an email alert
    db.execute("ALTER TABLE alerts ADD COLUMN payload TEXT")  # JSON: what a channel message posts
    db.execute(
        """CREATE TABLE channel_outbox (
        id INTEGER PRIMARY KEY, change_id INTEGER NOT NULL REFERENCES changes (id), channel TEXT NOT NULL,
        run_id INTEGER, matched TEXT, alert_id INTEGER REFERENCES alerts (id), UNIQUE (change_id, channel))"""
    )
    db.execute("CREATE INDEX channel_outbox_pending ON channel_outbox (alert_id, run_id, channel)")


def needs_migration(db: Database) -> bool:
    """True when this file lacks a migration; read-only, so opening a current file takes no write lock."""
    return bool(migrations.pending(db))


def migrate(db: Database) -> None:
    """Apply pending migrations; the caller holds the write transaction."""
    migrations.apply(db)

