"""Run one crawl as a child process and measure it whole: wall time, CPU (with its children), memory, pages."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The politeness overrides, the only settings changed from the defaults, for bare Scrapy and eduwatch alike.
POLITENESS = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=false", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


@dataclass
class CrawlResult:
    label: str
    code: int
    wall_s: float  # process wall time: start to exit, start-up and shutdown included
    cpu_s: float  # user + sys of the process and the children it reaped (the recording worker)
    pages: int  # article pages fetched (eduwatch: fetch rows of the run; bare: items scraped)
    peak_rss_mb: float  # the crawl process alone (wait4)
    tree_mb: float  # the crawl process plus its children: summed PSS, sampled every 50 ms
    stats: dict
    stderr_tail: str = ""


def compile_checkout(root: Path = ROOT) -> None:
    """Write the checkout's bytecode before timing, as a user's machine has it (pip compiles what it installs; a
    first run writes the rest). Without it, a shell with PYTHONDONTWRITEBYTECODE set (CI, this VM) compiles every
    eduwatch module from source in every crawl and in its recording worker, and bare Scrapy imports fewer."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(root / d) for d in ("crawler", "spiders", "storage",
                                                                                       "bench"))],
                   check=True, stdout=subprocess.DEVNULL)


def eduwatch_command(workdir: Path, db: Path, extra: list[str], root: Path = ROOT) -> list[str]:
    """`eduwatch crawl` of this checkout, or `python -m crawler crawl` of another one (run from its root)."""
    exe = Path(sys.executable).with_name("eduwatch")
    base = [str(exe)] if exe.exists() and root == ROOT else [sys.executable, "-m", "crawler"]
    settings = [arg for setting in POLITENESS + extra for arg in ("-s", setting)]
    return [*base, "crawl", "--config", str(workdir / "eduwatch.toml"), "--db", str(db), *settings]


def bare_command(workdir: Path, extra: list[str]) -> list[str]:
    settings = [arg for setting in POLITENESS + extra for arg in ("-s", setting)]
    return [sys.executable, str(ROOT / "bench" / "bare_crawl.py"), "--config", str(workdir / "eduwatch.toml"),
            *settings]


def run(label: str, command: list[str], workdir: Path, db: Path | None, root: Path = ROOT) -> CrawlResult:
    """Start the command, wait for it (wait4: its CPU and peak RSS), and read what it did."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("EDUWATCH_DB", None)
    err_path, out_path = workdir / f"{label}.stderr", workdir / f"{label}.stdout"
    before = _last_run(db) if db else 0
    started = time.monotonic()
    with open(err_path, "wb") as err, open(out_path, "wb") as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=err)
        sampler = TreeMemory(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        sampler.stop()
    code = os.waitstatus_to_exitcode(status)
    text = err_path.read_text("utf-8", "replace")
    if db is not None:
        stats = _run_stats(db, before)
        pages = int(stats.get("pages", 0))
    else:
        stats = _bare_stats(out_path.read_text("utf-8", "replace"))
        pages = int(stats.get("item_scraped_count", 0))
    return CrawlResult(label, code, wall, usage.ru_utime + usage.ru_stime, pages, usage.ru_maxrss / 1024,
                       sampler.peak_mb, stats, "\n".join(text.splitlines()[-8:]))


def _last_run(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone():
            return 0
        return conn.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]


def _run_stats(db: Path, after: int) -> dict:
    """The runs' closing stats summed (one run per site), read from the database the crawl wrote."""
    total: dict = {}
    with sqlite3.connect(db) as conn:
        for (raw,) in conn.execute("SELECT stats FROM runs WHERE id > ?", [after]):
            for key, value in json.loads(raw or "{}").items():
                if isinstance(value, int | float):
                    total[key] = total.get(key, 0) + value
    return total


def _bare_stats(stdout: str) -> dict:
    total: dict = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            for key, value in json.loads(line).items():
                total[key] = total.get(key, 0) + value
    return total


class TreeMemory:
    """Peak summed PSS of a process and its descendants (RSS where PSS is unreadable), sampled every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb = pid, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from tests.procs import descendants

        while not self._done.wait(0.05):
            pids = [self.pid, *descendants(self.pid)]
            self.peak_mb = max(self.peak_mb, sum(_memory_kb(p) for p in pids) / 1024)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _memory_kb(pid: int) -> int:
    for path, field_name in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as f:
                return next(int(line.split()[1]) for line in f if line.startswith(field_name))
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    return 0


def db_bytes(path: Path) -> int:
    """Bytes the database's pages in use hold, after folding the WAL back in. Not the file size: SQLite
    reuses pages an earlier transaction freed (FTS5 merges free many) before it grows the file, so a
    recheck's rows can land in free pages and leave the file's size unchanged."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size, pages, free = (conn.execute(f"PRAGMA {name}").fetchone()[0]
                             for name in ("page_size", "page_count", "freelist_count"))
    return size * (pages - free)


def dir_bytes(path: Path) -> int:
    """Bytes of every file under path (Scrapy's HTTP cache directory), 0 when absent."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def changes_since(db: Path, after_run: int) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM changes WHERE kind = 'changed' AND run_id > ?",
                            [after_run]).fetchone()[0]


def last_run(db: Path) -> int:
    return _last_run(db)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """Every value, in run order: 'a / b / c'."""
    return " / ".join(fmt.format(v) for v in values)


def scrapy_figure(stderr: str, key: str) -> float | None:
    found = re.findall(rf"'{re.escape(key)}': ([\d.]+)", stderr)
    return float(found[-1]) if found else None
