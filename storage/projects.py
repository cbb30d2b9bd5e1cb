"""Procurement projects: each notice page's reading, the project it belongs to, its deadlines and awards.

The rows are derived (crawler.track.projects folds notice readings into them); the recorder writes them in
the transaction that stores the version, so a project never lags its notices.
"""

from __future__ import annotations

from sqlite_utils import Database

from . import validators, versions  # noqa: F401 -- their migrations (0005-0008) register before 0015
from .errors import NotFoundError
from .schema import migrations
from .util import dumps, loads, one, rows, utc_iso

_TABLES = [
    # one row per notice page: the project it belongs to, its kind, and the page it copies (another site's copy)
    """CREATE TABLE project_notices (
        page_id INTEGER PRIMARY KEY REFERENCES pages (id), project_key TEXT NOT NULL, kind TEXT NOT NULL,
        title TEXT, published TEXT, first_seen TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0,
        copy_of INTEGER REFERENCES pages (id), reading TEXT NOT NULL)""",
    "CREATE INDEX project_notices_key ON project_notices (project_key)",
    # the reading of every stored version of a notice page (a deadline's moves are told by them)
    """CREATE TABLE project_readings (
        page_id INTEGER NOT NULL REFERENCES pages (id), version INTEGER NOT NULL, first_seen TEXT NOT NULL,
        reading TEXT NOT NULL, PRIMARY KEY (page_id, version))""",
    """CREATE TABLE project_state (
        key TEXT PRIMARY KEY, number TEXT, name TEXT, name_key TEXT, buyer TEXT, province TEXT, city TEXT,
        budget REAL, status TEXT NOT NULL, deadlines TEXT, first_seen TEXT, updated_at TEXT)""",
    "CREATE INDEX project_state_name ON project_state (buyer, name_key)",
    # one row per project and deadline kind: the calendar's event (sequence rises when it moves)
    """CREATE TABLE project_deadlines (
        project_key TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, all_day INTEGER NOT NULL DEFAULT 0,
        sequence INTEGER NOT NULL, stamp TEXT NOT NULL, url TEXT, corrected_by TEXT,
        cancelled INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (project_key, kind))""",
    """CREATE TABLE project_awards (
        project_key TEXT NOT NULL, lot TEXT, supplier TEXT NOT NULL, amount REAL, amount_text TEXT,
        page_id INTEGER REFERENCES pages (id))""",
    "CREATE INDEX project_awards_key ON project_awards (project_key)",
    # 'built' = 0 until the projects of a database that had versions before this migration are built
    "CREATE TABLE project_meta (name TEXT PRIMARY KEY, value TEXT)",
    "INSERT INTO project_meta VALUES ('built', CASE WHEN EXISTS (SELECT 1 FROM versions) THEN '0' ELSE '1' END)",
    """CREATE VIEW projects AS
        SELECT s.key, s.number, s.name, s.buyer, trim(coalesce(s.province, '') || ' ' || coalesce(s.city, ''))
            AS region, s.budget, s.status,
            (SELECT strftime('%Y-%m-%d %H:%M', d.at) FROM project_deadlines d
             WHERE d.project_key = s.key AND d.kind = '投标截止') AS submission_deadline,
            (SELECT strftime('%Y-%m-%d %H:%M', d.at) FROM project_deadlines d
             WHERE d.project_key = s.key AND d.kind = '开标') AS bid_opening,
            (SELECT count(*) FROM project_notices n WHERE n.project_key = s.key) AS notices,
            strftime('%Y-%m-%d %H:%M', s.updated_at, '+8 hours') AS updated_beijing, s.province, s.city
        FROM project_state s""",
    """CREATE VIEW awards AS
        SELECT a.project_key, s.name AS project, s.buyer, a.lot, a.supplier, a.amount, a.amount_text,
            p.url AS notice_url, trim(coalesce(s.province, '') || ' ' || coalesce(s.city, '')) AS region
        FROM project_awards a JOIN project_state s ON s.key = a.project_key
        LEFT JOIN pages p ON p.id = a.page_id""",
]


@migrations(name="0015_projects")
def projects_schema(db: Database) -> None:
    """Projects, their notices, deadlines and awards; an existing archive's are built on first use
    (crawler.track.projects.ensure_built), without alerts."""
    for statement in _TABLES:
        db.execute(statement)


@migrations(name="0016_project_name_index")
def project_name_index(db: Database) -> None:
    """Linking by buyer + name looks a project up by its normalised name (0015's index was on buyer first, which a
    coalesce() on buyer could not use: every unnumbered notice scanned the table)."""
    db.execute("CREATE INDEX project_state_name_key ON project_state (name_key)")


class ProjectsMixin:
    """Store methods for projects (written by the recorder, read by the CLI, web view and calendar)."""

    def projects_built(self) -> bool:
        found = one(self.db.execute("SELECT value FROM project_meta WHERE name = 'built'"))
        return found is None or found["value"] == "1"

    def set_projects_built(self) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO project_meta VALUES ('built', '1')")

    def forget_projects(self) -> None:
        """Drop every project row, to be built again from the stored versions (after a re-extraction)."""
        with self.transaction():
            for table in ("project_notices", "project_readings", "project_state", "project_deadlines",
                          "project_awards"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("INSERT OR REPLACE INTO project_meta VALUES ('built', '0')")

    def page_id(self, url: str) -> int | None:
        found = one(self.db.execute("SELECT id FROM pages WHERE url = ?", [url]))
        return found["id"] if found else None

    def put_notice_reading(self, page_id: int, version: int, first_seen: str, reading: dict) -> None:
        """Keep (or replace) the reading of one version. An upsert, not INSERT OR REPLACE: on a table with a foreign
        key, REPLACE needs a statement journal, whose savepoint makes FTS5 flush the page's pending search rows
        to disk mid-batch (a new index segment per notice, 0.7 ms each)."""
        self.db.execute("INSERT INTO project_readings VALUES (?, ?, ?, ?) ON CONFLICT (page_id, version)"
                        " DO UPDATE SET first_seen = excluded.first_seen, reading = excluded.reading",
                        [page_id, version, first_seen, dumps(reading)])

    def put_notice(self, page_id: int, *, project_key: str, kind: str, title: str, published: str | None,
                   first_seen: str, reading: dict, copy_of: int | None) -> None:
        """Insert or update a notice row (its first_seen and removed flag are kept when it exists). copy_of, a
        foreign key, is set only when it moves: a statement that sets it needs a statement journal (put_notice_reading)."""
        found = one(self.db.execute("SELECT copy_of FROM project_notices WHERE page_id = ?", [page_id]))
        if found is None:
            self.db.execute(
                "INSERT INTO project_notices (page_id, project_key, kind, title, published, first_seen, copy_of,"
                " reading) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [page_id, project_key, kind, title, published, first_seen, copy_of, dumps(reading)])
            return
        self.db.execute(
            "UPDATE project_notices SET project_key = ?, kind = ?, title = ?, published = ?, reading = ?, removed = 0"
            " WHERE page_id = ?", [project_key, kind, title, published, dumps(reading), page_id])
        if found["copy_of"] != copy_of:
            self.db.execute("UPDATE project_notices SET copy_of = ? WHERE page_id = ?", [copy_of, page_id])

    def set_notice_removed(self, page_id: int, removed: bool) -> str | None:
        """Mark a notice page removed (or back); returns its project key, None when the page is no notice."""
        found = one(self.db.execute("SELECT project_key FROM project_notices WHERE page_id = ?", [page_id]))
        if found:
            self.db.execute("UPDATE project_notices SET removed = ? WHERE page_id = ?", [int(removed), page_id])
        return found["project_key"] if found else None

    def notice(self, page_id: int) -> dict | None:
        return _notice(one(self.db.execute(_NOTICE_SELECT + " WHERE n.page_id = ?", [page_id])))

    def project_notices(self, key: str) -> list[dict]:
        """A project's notices with their pages' URL and site, oldest first, each with its readings."""
        found = [_notice(r) for r in rows(self.db.execute(
            _NOTICE_SELECT + " WHERE n.project_key = ? ORDER BY coalesce(n.published, n.first_seen), n.first_seen,"
            " n.page_id", [key]))]
        readings: dict[int, list[dict]] = {}
        ids = [n["page_id"] for n in found]
        if ids:
            marks = ",".join("?" * len(ids))
            for row in rows(self.db.execute(
                    f"SELECT page_id, version, first_seen, reading FROM project_readings WHERE page_id IN ({marks})"
                    " ORDER BY page_id, version", ids)):
                row["reading"] = loads(row["reading"])
                readings.setdefault(row["page_id"], []).append(row)
        for notice in found:
            notice["readings"] = readings.get(notice["page_id"], [])
        return found

    def project_by_name(self, buyer: str | None, name_key: str) -> str | None:
        """The key of a project with this buyer and normalised name (a numbered one first), or None."""
        found = one(self.db.execute(
            "SELECT key FROM project_state WHERE name_key = ? AND coalesce(buyer, '') = ?"
            " ORDER BY number IS NULL, first_seen LIMIT 1", [name_key, buyer or ""]))
        return found["key"] if found else None

    def rekey_project(self, old: str, new: str) -> None:
        """Move a name-linked project's notices to the numbered project they turned out to belong to."""
        self.db.execute("UPDATE project_notices SET project_key = ? WHERE project_key = ?", [new, old])
        self.delete_project(old)

    def delete_project(self, key: str) -> None:
        for table, column in (("project_state", "key"), ("project_deadlines", "project_key"),
                              ("project_awards", "project_key")):
            self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", [key])

    def project_state(self, key: str) -> dict | None:
        found = one(self.db.execute("SELECT * FROM project_state WHERE key = ?", [key]))
        if found:
            found["deadlines"] = loads(found["deadlines"]) or {}
        return found

    def put_project(self, state: dict, deadlines: list[dict], awards: list[dict]) -> None:
        """Replace a project's row, deadline events and awards with a fresh fold."""
        key = state["key"]
        self.db.execute(
            "INSERT OR REPLACE INTO project_state (key, number, name, name_key, buyer, province, city, budget, status,"
            " deadlines, first_seen, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key, state["number"], state["name"], state["name_key"], state["buyer"], state["province"], state["city"],
             state["budget"], state["status"], dumps(state["deadlines"]), state["first_seen"], state["updated_at"]])
        self.db.execute("DELETE FROM project_deadlines WHERE project_key = ?", [key])
        for d in deadlines:
            self.db.execute(
                "INSERT INTO project_deadlines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [key, d["kind"], d["at"], int(d["all_day"]), d["sequence"], d["stamp"], d["url"], d["corrected_by"],
                 int(d["cancelled"])])
        self.db.execute("DELETE FROM project_awards WHERE project_key = ?", [key])
        for a in awards:
            self.db.execute("INSERT INTO project_awards VALUES (?, ?, ?, ?, ?, ?)",
                            [key, a["lot"], a["supplier"], a["amount"], a["amount_text"], a["page_id"]])

    def projects(self, *, status: str | None = None, since: str | None = None) -> list[dict]:
        """Projects, most recently updated first; `since` an ISO time (any offset) on updated_at."""
        since = utc_iso(since) if since else None
        found = rows(self.db.execute(
            "SELECT * FROM project_state WHERE (? IS NULL OR status = ?) AND (? IS NULL OR updated_at >= ?)"
            " ORDER BY updated_at DESC, key", [status, status, since, since]))
        for row in found:
            row["deadlines"] = loads(row["deadlines"]) or {}
        return found

    def project_deadline_events(self, key: str | None = None) -> list[dict]:
        """Deadline events (one per project and kind) with the project's name, soonest first."""
        return rows(self.db.execute(
            "SELECT d.*, s.name AS project, s.status, (SELECT site FROM pages WHERE url = d.url) AS site"
            " FROM project_deadlines d JOIN project_state s ON s.key = d.project_key"
            " WHERE (? IS NULL OR d.project_key = ?) ORDER BY d.at, d.project_key, d.kind", [key, key]))

    def calendar_projects(self, site: str | None = None) -> dict:
        """What the bid calendar reads: every project deadline event (of projects with a notice on `site`), and
        the URL of every notice page a project holds (those get no per-page events)."""
        keys = {r[0] for r in self.db.execute(
            "SELECT n.project_key FROM project_notices n JOIN pages p ON p.id = n.page_id WHERE p.site = ?", [site])}
        events = [e for e in self.project_deadline_events() if site is None or e["project_key"] in keys]
        urls = [r[0] for r in self.db.execute("SELECT p.url FROM project_notices n JOIN pages p ON p.id = n.page_id")]
        return {"events": events, "notice_urls": urls}

    def project_awards(self, key: str) -> list[dict]:
        return rows(self.db.execute(
            "SELECT a.lot, a.supplier, a.amount, a.amount_text, p.url FROM project_awards a"
            " LEFT JOIN pages p ON p.id = a.page_id WHERE a.project_key = ? ORDER BY a.rowid", [key]))

    def project_of_url(self, url: str) -> str:
        found = one(self.db.execute(
            "SELECT n.project_key FROM project_notices n JOIN pages p ON p.id = n.page_id WHERE p.url = ?", [url]))
        if found is None:
            raise NotFoundError(f"{url} is no stored procurement notice; `eduwatch projects` lists the projects")
        return found["project_key"]

    def copies(self, url: str) -> tuple[str | None, list[str]]:
        """(the URL this notice page copies, the URLs of pages that copy it): the same notice on other sites."""
        found = one(self.db.execute(
            "SELECT n.page_id, o.url AS copy_of FROM project_notices n JOIN pages p ON p.id = n.page_id"
            " LEFT JOIN pages o ON o.id = n.copy_of WHERE p.url = ?", [url]))
        if found is None:
            return None, []
        also = [r["url"] for r in rows(self.db.execute(
            "SELECT p.url FROM project_notices n JOIN pages p ON p.id = n.page_id WHERE n.copy_of = ? ORDER BY p.id",
            [found["page_id"]]))]
        return found["copy_of"], also

    def project_record(self, key: str) -> dict:
        """A project as `projects --json` prints it: its row, its notices in order (another site's copies folded
        into `also_on` of the notice they copy), deadlines and awards; amounts in 元."""
        state = self.project_state(key)
        if state is None:
            raise NotFoundError(f"no project {key!r}; `eduwatch projects` lists them")
        notices = self.project_notices(key)
        copies: dict[int, list[str]] = {}
        for notice in notices:
            if notice["copy_of"]:
                copies.setdefault(notice["copy_of"], []).append(notice["url"])
        changes = {r["url"]: r for r in rows(self.db.execute(
            "SELECT url, summary, details FROM changes WHERE url IN (SELECT p.url FROM project_notices n"
            " JOIN pages p ON p.id = n.page_id WHERE n.project_key = ?) AND kind IN ('new', 'changed')"
            " ORDER BY detected_at, id", [key]))}
        return {
            "key": key, "number": state["number"], "name": state["name"], "buyer": state["buyer"],
            "region": " ".join(p for p in (state["province"], state["city"]) if p) or None,
            "province": state["province"], "city": state["city"], "budget": state["budget"],
            "status": state["status"], "deadlines": state["deadlines"], "updated_at": state["updated_at"],
            "notices": [{"kind": n["kind"], "title": n["title"], "url": n["url"], "site": n["site"],
                         "published": n["published"], "also_on": copies.get(n["page_id"], []),
                         "removed": bool(n["removed"]), "reading": n["reading"],
                         "summary": (changes.get(n["url"]) or {}).get("summary")}
                        for n in notices if not n["copy_of"]],
            "awards": [{"lot": a["lot"], "supplier": a["supplier"], "amount": a["amount"],
                        "amount_text": a["amount_text"]} for a in self.project_awards(key)],
        }

    def all_notice_versions(self) -> list[tuple[str, str, int]]:
        """(url, site, version) of every stored version, oldest first: what a first build reads."""
        return [(r["url"], r["site"], r["version"]) for r in rows(self.db.execute(
            "SELECT p.url, p.site, v.version FROM versions v JOIN pages p ON p.id = v.page_id"
            " ORDER BY v.first_seen, v.id"))]


_NOTICE_SELECT = ("SELECT n.page_id, n.project_key, n.kind, n.title, n.published, n.first_seen, n.removed,"
                  " n.copy_of, n.reading, p.url, p.site, p.state, o.url AS copy_of_url"
                  " FROM project_notices n JOIN pages p ON p.id = n.page_id LEFT JOIN pages o ON o.id = n.copy_of")


def _notice(row: dict | None) -> dict | None:
    if row is not None:
        row["reading"] = loads(row["reading"])
    return row
