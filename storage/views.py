"""Schema 0002: ISO fetch times, foreign keys to pages, and SQL views that read well in Datasette."""

from __future__ import annotations

from sqlite_utils import Database

from .pages import OUTCOMES

BEIJING = "'+8 hours'"  # SQLite modifier: stored UTC times → Beijing wall-clock time


def _beijing(column: str) -> str:
    return f"strftime('%Y-%m-%d %H:%M', {column}, {BEIJING})"


# fetches.at was integer epoch seconds; now ISO 8601 UTC text like every other time, and page_id is a real
# foreign key. raw_id gets none: retention prunes raw blobs while old fetch rows keep their id.
_FETCHES = [
    """CREATE TABLE fetches_new (
        page_id INTEGER NOT NULL REFERENCES pages (id), run_id INTEGER, at TEXT NOT NULL, status INTEGER,
        nbytes INTEGER, duration_ms INTEGER, outcome INTEGER NOT NULL, raw_id INTEGER, error TEXT)""",
    "INSERT INTO fetches_new (page_id, run_id, at, status, nbytes, duration_ms, outcome, raw_id, error)"
    " SELECT page_id, run_id, strftime('%Y-%m-%dT%H:%M:%S+00:00', at, 'unixepoch'), status, nbytes,"
    " duration_ms, outcome, raw_id, error FROM fetches ORDER BY rowid",
    "DROP TABLE fetches",
    "ALTER TABLE fetches_new RENAME TO fetches",
    "CREATE INDEX fetches_page ON fetches (page_id)",
]

# changes keep their url (a site-health change may name a URL that is no page) and gain page_id,
# filled by a trigger so every writer of change rows gets it without knowing.
_CHANGES = [
    "ALTER TABLE changes ADD COLUMN page_id INTEGER REFERENCES pages (id)",
    "UPDATE changes SET page_id = (SELECT id FROM pages WHERE pages.url = changes.url)",
    "CREATE INDEX changes_page ON changes (page_id)",
    """CREATE TRIGGER changes_page_id AFTER INSERT ON changes WHEN NEW.page_id IS NULL BEGIN
        UPDATE changes SET page_id = (SELECT id FROM pages WHERE pages.url = NEW.url) WHERE id = NEW.id;
    END""",
]

_OUTCOME_NAME = "CASE f.outcome " + " ".join(
    f"WHEN {code} THEN '{name}'" for code, name in enumerate(OUTCOMES)
) + " ELSE CAST(f.outcome AS TEXT) END"

# a fields value such as 2025年7月8日 09:30 or 2025-07-08 09:30 → 2025-07-08 (NULL when it is no date)
_DAY = """CASE WHEN date(printf('%s-%02d-%02d', substr(d, 1, 4),
            CAST(substr(d, 6) AS INTEGER),
            CAST(substr(substr(d, 6), instr(substr(d, 6), '-') + 1) AS INTEGER))) IS NOT NULL
          THEN printf('%s-%02d-%02d', substr(d, 1, 4), CAST(substr(d, 6) AS INTEGER),
            CAST(substr(substr(d, 6), instr(substr(d, 6), '-') + 1) AS INTEGER)) END"""

_VIEWS = [
    f"""CREATE VIEW latest_articles AS
        SELECT p.id AS page_id, v.title, p.site, p.url, p.state, v.version, v.published,
            {_beijing('p.first_seen')} AS first_seen_beijing, {_beijing('v.first_seen')} AS version_since_beijing,
            {_beijing('p.last_checked')} AS last_checked_beijing,
            json_extract(v.article, '$.fields."项目名称"') AS project_name, v.project_code,
            json_extract(v.article, '$.fields."预算金额"') AS budget,
            json_extract(v.article, '$.fields."开标时间"') AS bid_opening,
            json_extract(v.article, '$.fields."截止时间"') AS bid_deadline,
            substr(json_extract(v.article, '$.body'), 1, 200) AS body_start
        FROM pages p JOIN versions v ON v.page_id = p.id AND v.version = p.latest_version""",
    f"""CREATE VIEW change_log AS
        SELECT c.id AS change_id, {_beijing('c.detected_at')} AS detected_beijing, c.site, c.kind, c.title,
            c.summary, c.url, c.version, c.previous_version, c.related_url AS corrects_url, c.page_id,
            c.detected_at
        FROM changes c""",
    f"""CREATE VIEW fetch_log AS
        SELECT f.rowid AS fetch_id, p.url, p.site, {_beijing('f.at')} AS at_beijing, {_OUTCOME_NAME} AS outcome,
            f.status, f.nbytes, f.duration_ms, f.error, f.run_id, f.page_id, f.at
        FROM fetches f JOIN pages p ON p.id = f.page_id""",
    """CREATE VIEW raw_info AS
        SELECT id, hash, codec, size, http_charset,
            strftime('%Y-%m-%d %H:%M', used_at, 'unixepoch', '+8 hours') AS used_beijing
        FROM raw""",
    """CREATE VIEW search_index AS
        SELECT s.rowid AS page_id, p.url, s.site, s.title, s.published, p.state
        FROM search_fts s JOIN pages p ON p.id = s.rowid""",
    f"""CREATE VIEW bid_deadlines AS
        WITH stated AS (
            SELECT p.id AS page_id, p.url, p.site, p.state, v.title,
                json_extract(v.article, '$.fields."项目名称"') AS project_name, k.kind,
                json_extract(v.article, '$.fields."' || k.kind || '"') AS stated
            FROM pages p JOIN versions v ON v.page_id = p.id AND v.version = p.latest_version
            JOIN (SELECT '开标时间' AS kind UNION ALL SELECT '截止时间') k
            WHERE json_extract(v.article, '$.fields."' || k.kind || '"') IS NOT NULL),
        normal AS (
            SELECT *, replace(replace(replace(replace(replace(trim(stated), '年', '-'), '月', '-'), '日', ' '),
                '/', '-'), '.', '-') AS d FROM stated)
        SELECT page_id, {_DAY} AS deadline_day, kind, stated, coalesce(project_name, title) AS project,
            site, url, state
        FROM normal""",
]


def readable_schema(db: Database) -> None:
    """Apply schema 0002 inside the migration's transaction (no executescript: it would commit)."""
    for statement in _FETCHES + _CHANGES + _VIEWS:
        db.execute(statement)
