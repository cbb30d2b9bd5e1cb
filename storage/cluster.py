"""Cluster mode's bookkeeping: stream messages already recorded, and runs dispatched to crawl nodes."""

from __future__ import annotations

from .util import loads, now_iso, one, rows

_RUN_COLUMNS = ("c.token, c.run_id, c.site, c.node, c.job, c.spider, c.baselined, c.started_at, "
                "r.id, r.sites, r.started_at AS dispatched_at, r.finished_at, r.status, r.stats")


class ClusterMixin:
    """Store methods for the stream_entries and cluster_runs tables."""

    def entry_recorded(self, mid: str) -> bool:
        """True when the stream message `mid` was already recorded: a replay must record nothing."""
        return self.db.execute("SELECT 1 FROM stream_entries WHERE mid = ?", [mid]).fetchone() is not None

    def mark_entry_recorded(self, mid: str, entry_id: str, at: str | None = None) -> None:
        """Call inside the transaction that records the message, so both commit or neither does."""
        with self.transaction():
            self.db.execute("INSERT INTO stream_entries (mid, entry_id, recorded_at) VALUES (?, ?, ?)",
                            [mid, entry_id, at or now_iso()])

    def prune_recorded_entries(self, before: str) -> int:
        """Forget ids recorded before `before` (ISO): their entries are acknowledged and trimmed long since."""
        with self.transaction():
            return self.db.execute("DELETE FROM stream_entries WHERE recorded_at < ?", [before]).rowcount

    def open_cluster_run(self, token: str, *, site: str, node: str, job: str, spider: str | None,
                         dispatched_at: str) -> dict:
        """The run row for a dispatched job, created once per token; later calls return the same run."""
        with self.transaction():
            found = self.cluster_run(token)
            if found is not None:
                return found
            site_row = self.site(site)
            run_id = self.start_run(kind="crawl", sites=[site], started_at=dispatched_at)
            self.db.execute(
                "INSERT INTO cluster_runs (token, run_id, site, node, job, spider, baselined) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [token, run_id, site, node, job, spider, int(bool(site_row and site_row.get("baseline_run")))])
            return self.cluster_run(token)

    def mark_cluster_run_started(self, token: str, at: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE cluster_runs SET started_at = ? WHERE token = ? AND started_at IS NULL",
                            [at, token])

    def cluster_run(self, token: str) -> dict | None:
        return _decode(one(self.db.execute(
            f"SELECT {_RUN_COLUMNS} FROM cluster_runs c JOIN runs r ON r.id = c.run_id WHERE c.token = ?", [token])))

    def cluster_runs(self, *, open_only: bool = False, site: str | None = None, limit: int = 1000) -> list[dict]:
        """Dispatched runs, newest first; `open_only` keeps those the recorder has not closed yet."""
        where, params = [], []
        if open_only:
            where.append("r.finished_at IS NULL")
        if site is not None:
            where.append("c.site = ?")
            params.append(site)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        found = rows(self.db.execute(
            f"SELECT {_RUN_COLUMNS} FROM cluster_runs c JOIN runs r ON r.id = c.run_id {clause} "
            "ORDER BY c.run_id DESC LIMIT ?", [*params, limit]))
        return [_decode(row) for row in found]

    def run_outcome_counts(self, run_id: int) -> dict[str, int]:
        """How many fetches of the run ended in each outcome (the run's summary, rebuilt from the fetch log)."""
        from .pages import OUTCOMES

        found = self.db.execute(
            "SELECT outcome, count(*) FROM fetches WHERE run_id = ? GROUP BY outcome", [run_id]).fetchall()
        return {OUTCOMES[code]: n for code, n in found}


def _decode(row: dict | None) -> dict | None:
    if row is None:
        return None
    row["baselined"] = bool(row["baselined"])
    row["stats"] = loads(row["stats"])
    row["sites"] = loads(row["sites"])
    return row

