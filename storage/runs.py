"""Crawl runs and per-site state (baseline, health counters)."""

from __future__ import annotations

from .errors import NotFoundError
from .util import dumps, loads, now_iso, one, rows

RUN_STATUSES = ("ok", "failed", "interrupted")


class RunsMixin:
    """Store methods for the runs and sites tables."""

    def start_run(
        self, kind: str = "crawl", sites: list[str] | None = None, started_at: str | None = None
    ) -> int:
        """Open a run row so every fetch, version and change can say which crawl made it."""
        started_at = started_at or now_iso()
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO runs (kind, sites, started_at) VALUES (?, ?, ?)",
                [kind, dumps(list(sites or [])), started_at],
            )
            return cur.lastrowid

    def finish_run(self, run_id: int, finished_at: str, status: str, stats: dict | None = None) -> None:
        """Close a run with its outcome; an unknown status is refused rather than stored."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status {status!r} is not one of {', '.join(RUN_STATUSES)}")
        with self.transaction():
            cur = self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                [finished_at, status, dumps(stats or {}), run_id],
            )
        if not cur.rowcount:
            raise NotFoundError(f"no run with id {run_id}; start one with start_run() first")

    def runs(self, limit: int = 20) -> list[dict]:
        """The most recent runs, newest first."""
        found = rows(self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
        for run in found:
            run["sites"] = loads(run["sites"])
            run["stats"] = loads(run["stats"])
        return found

    def site(self, name: str) -> dict | None:
        return one(self.db.execute("SELECT * FROM sites WHERE name = ?", [name]))

    def _ensure_site(self, name: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO sites (name) VALUES (?)", [name])

    def mark_baselined(self, name: str, run_id: int, at: str) -> None:
        """Record the site's first complete crawl; pages found later are news worth an alert."""
        with self.transaction():
            self._ensure_site(name)
            self.db.execute(
                "UPDATE sites SET baseline_run = ?, baselined_at = ? WHERE name = ?", [run_id, at, name]
            )

    def record_site_health(self, name: str, ok: bool, article_count: int | None, at: str) -> dict:
        """Count consecutive failed crawls per site so a silently broken site gets noticed."""
        with self.transaction():
            self._ensure_site(name)
            if ok:
                self.db.execute(
                    "UPDATE sites SET consecutive_failures = 0, last_ok_at = ?, last_article_count = ? "
                    "WHERE name = ?",
                    [at, article_count, name],
                )
            else:
                self.db.execute(
                    "UPDATE sites SET consecutive_failures = consecutive_failures + 1 WHERE name = ?", [name]
                )
            return self.site(name)
