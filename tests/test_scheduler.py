"""Tests for crawler.scheduler: triggers, and `eduwatch schedule` run as a real process against local servers."""

import datetime as dt
import functools
import os
import pickle
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.errors import ScheduleError
from crawler.scheduler import crawl_command, jobstore_path
from crawler.schedules import build_trigger

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE = ("<html><head><meta charset='utf-8'><title>关于开展实验室建设的通知</title></head><body>"
        "<h1>关于开展实验室建设的通知</h1><p>各学校：为推进实验室建设，现将有关事项通知如下。"
        "一、建设内容包括录播教室和理化生实验室。二、请于月底前报送材料。</p></body></html>")


# --- triggers -----------------------------------------------------------------------------
@pytest.mark.parametrize("text, seconds, jitter", [("90s", 90, 9), ("30m", 1800, 180), ("2h", 7200, 300)],
                         ids=["90s", "30m", "2h-jitter-capped"])
def test_interval_schedule_builds_interval_trigger(text, seconds, jitter):
    trigger = build_trigger(text)
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == dt.timedelta(seconds=seconds)
    assert trigger.jitter == jitter


def test_cron_schedule_fires_on_shanghai_hours_with_a_minute_of_jitter():
    trigger = build_trigger("0 */2 * * *")
    assert isinstance(trigger, CronTrigger)
    now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
    fire = trigger.get_next_fire_time(None, now)
    planned = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert planned <= fire <= planned + dt.timedelta(seconds=60)


@pytest.mark.parametrize("text, weekday", [("0 9 * * 1", 0), ("0 9 * * 0", 6), ("0 9 * * 7", 6), ("0 9 * * 5", 4)],
                         ids=["1-is-monday", "0-is-sunday", "7-is-sunday", "5-is-friday"])
def test_cron_weekday_numbers_follow_crontab_not_apscheduler3(text, weekday):
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday, after 9:00
    fire = build_trigger(text).get_next_fire_time(None, monday)
    assert fire.weekday() == weekday and fire.hour == 9 and fire > monday


@pytest.mark.parametrize("text", ["every day", "0 9 * *", "0 25 * * *", "0 9 * * 8", "5x"],
                         ids=["words", "four-fields", "hour-25", "weekday-8", "bad-unit"])
def test_bad_schedule_is_refused_naming_the_value(text):
    with pytest.raises(ScheduleError, match=re.escape(repr(text))):
        build_trigger(text)


def test_crawl_command_runs_one_site_in_a_fresh_interpreter():
    assert crawl_command("moe", "/d/x.db", None) == [sys.executable, "-m", "crawler", "crawl", "--site", "moe",
                                                     "--db", "/d/x.db"]
    assert crawl_command("moe", "x.db", "c.toml")[-2:] == ["--config", "c.toml"]


def test_a_job_store_written_before_the_house_move_still_loads(tmp_path):
    """Job stores hold the job's function as text; the house move kept `crawler.scheduler:run_site_crawl`, so a
    store written by the previous release (state pickled with that reference) loads and resolves to the function."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from crawler.scheduler import JOB_FUNC, run_site_crawl

    db = tmp_path / "eduwatch.db"
    state = {"version": 1, "id": "crawl:moe", "func": "crawler.scheduler:run_site_crawl",
             "trigger": build_trigger("30m"), "executor": "default", "args": ["moe", str(db), None, 1800.0],
             "kwargs": {}, "name": "crawl moe", "misfire_grace_time": None, "coalesce": True, "max_instances": 1,
             "next_run_time": dt.datetime(2026, 11, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))}
    url = f"sqlite:///{Path(jobstore_path(str(db))).resolve()}"
    store = SQLAlchemyJobStore(url=url)
    store.start(None, "default")
    with store.engine.begin() as conn:
        conn.execute(store.jobs_t.insert().values(id=state["id"], next_run_time=state["next_run_time"].timestamp(),
                                                  job_state=pickle.dumps(state)))
    store.shutdown()
    reopened = SQLAlchemyJobStore(url=url)
    reopened.start(None, "default")
    [job] = reopened.get_all_jobs()
    assert JOB_FUNC == "crawler.scheduler:run_site_crawl"
    assert job.func is run_site_crawl and job.args[0] == "moe"
    reopened.shutdown()


# --- local servers ----------------------------------------------------------------------------
@pytest.fixture
def site_url(tmp_path):
    """A real HTTP server on 127.0.0.1 serving one article page; yields its URL."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "a.html").write_text(PAGE, encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/a.html"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_url():
    """A server that accepts connections and never answers: the crawl hangs until stopped."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/a.html"
    sock.close()


@pytest.fixture
def slow_site():
    """A server that answers each page after 3 s (robots.txt at once); yields its base URL and the paths requested."""
    requested: list[str] = []

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/robots.txt":
                self.send_error(404)
                return
            requested.append(self.path)
            time.sleep(3)
            body = PAGE.replace("实验室建设", f"实验室建设{self.path}").encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()
    server.server_close()


# --- the scheduler as a process -------------------------------------------------------------
class SchedulerProcess:
    """`python -m crawler schedule` in a subprocess; its stderr is collected line by line."""

    def __init__(self, workdir: Path, config: Path, db: Path):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "schedule", "--config", str(config), "--db", str(db)],
            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, count: int = 1, within: float = 60) -> list[str]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = [line for line in self.lines if re.search(pattern, line)]
            if len(found) >= count:
                return found
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no {count}× {pattern!r} in the scheduler's stderr:\n" + "\n".join(self.lines[-40:]))

    def stop(self, within: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=within)
        self._reader.join(timeout=5)
        return code

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        self.proc.stderr.close()


@pytest.fixture
def start(tmp_path):
    started: list[SchedulerProcess] = []

    def run(config: Path) -> SchedulerProcess:
        process = SchedulerProcess(tmp_path, config, tmp_path / "eduwatch.db")
        started.append(process)
        return process

    yield run
    for process in started:
        process.close()


def write_config(tmp_path: Path, *sites: str) -> Path:
    path = tmp_path / "eduwatch.toml"
    path.write_text("\n".join(sites), encoding="utf-8")
    return path


def site(name: str, url: str, schedule: str | None = None, timeout: float | None = None) -> str:
    lines = ["[[sites]]", f'name = "{name}"', f'start_urls = ["{url}"]']
    if schedule:
        lines.append(f'schedule = "{schedule}"')
    if timeout:
        lines.append(f"timeout = {timeout}")
    return "\n".join(lines) + "\n"


def finished_runs(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, sites, status FROM runs WHERE finished_at IS NOT NULL").fetchall()


def stored_jobs(db: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(jobstore_path(str(db))) as conn:
        return conn.execute("SELECT id, next_run_time FROM apscheduler_jobs ORDER BY id").fetchall()


def test_no_schedule_anywhere_is_a_one_line_error(tmp_path, site_url):
    config = write_config(tmp_path, site("t", site_url))
    result = subprocess.run([sys.executable, "-m", "crawler", "schedule", "--config", str(config),
                             "--db", str(tmp_path / "x.db")], cwd=tmp_path, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == ['eduwatch: error: no site has a schedule; add schedule = "30m" to a [[sites]] entry']


def test_scheduled_site_is_crawled_repeatedly_and_stops_cleanly(tmp_path, site_url, start):
    db = tmp_path / "eduwatch.db"
    config = write_config(tmp_path, site("t", site_url, "2s"), site("manual", site_url))
    scheduler = start(config)
    scheduler.wait_for(r"site manual has no schedule; not scheduled")
    scheduler.wait_for(r"crawl of site t ended: exit code 0 in [\d.]+s$", count=2)
    runs = finished_runs(db)
    assert len(runs) >= 2 and all(r[1] == '["t"]' and r[2] == "ok" for r in runs)
    assert scheduler.stop() == 0
    assert any(line.endswith("scheduler stopped") for line in scheduler.lines)
    assert [job for job, _ in stored_jobs(db)] == ["crawl:t"]


def test_restart_keeps_the_stored_job_and_its_next_run(tmp_path, site_url, start):
    db = tmp_path / "eduwatch.db"
    config = write_config(tmp_path, site("t", site_url, "1h"))
    first = start(config)
    first.wait_for(r"crawl of site t ended")  # a new interval job crawls at once
    assert first.stop() == 0
    [(job, next_run)] = stored_jobs(db)
    assert job == "crawl:t" and next_run > time.time() + 3000  # an hour on, not in the past

    second = start(config)
    second.wait_for(r"scheduler running with 1 site")
    assert second.stop() == 0
    assert stored_jobs(db) == [("crawl:t", next_run)]  # kept: no duplicate, no reset, no catch-up
    assert not [line for line in second.lines if "crawl of site t started" in line]


def test_restart_applies_config_changes_to_stored_jobs(tmp_path, site_url, start):
    db = tmp_path / "eduwatch.db"
    first = start(write_config(tmp_path, site("t", site_url, "0 3 * * *"), site("gone", site_url, "0 4 * * *")))
    first.wait_for(r"scheduler running with 2 site")
    assert first.stop() == 0
    before = dict(stored_jobs(db))
    assert set(before) == {"crawl:t", "crawl:gone"}

    second = start(write_config(tmp_path, site("t", site_url, "0 5 * * *")))
    second.wait_for(r"scheduler running with 1 site")
    assert second.stop() == 0
    after = dict(stored_jobs(db))
    assert set(after) == {"crawl:t"}
    fire = dt.datetime.fromtimestamp(after["crawl:t"], SHANGHAI)
    assert (fire.hour, fire.minute) == (5, 0)  # the new schedule, in Shanghai time


def test_hung_crawl_is_stopped_at_its_timeout_and_recorded(tmp_path, silent_url, start):
    config = write_config(tmp_path, site("slow", silent_url, "1h", timeout=2))
    scheduler = start(config)
    scheduler.wait_for(r"crawl of site slow timed out after 2s; sending SIGTERM")
    [ended] = scheduler.wait_for(r"crawl of site slow ended: exit code -?\d+ in [\d.]+s \(timed out\)")
    assert scheduler.proc.poll() is None  # the scheduler itself keeps going
    assert scheduler.stop() == 0
    assert "exit code 0 " not in ended


def test_stop_during_a_crawl_waits_for_it_and_keeps_the_pages_in_flight(tmp_path, slow_site, start):
    base, requested = slow_site
    urls = [f"{base}/{n}.html" for n in range(4)]
    db = tmp_path / "eduwatch.db"
    config = tmp_path / "eduwatch.toml"
    config.write_text(f'[[sites]]\nname = "slow"\nstart_urls = {urls!r}\nschedule = "1h"\n'.replace("'", '"'))
    scheduler = start(config)
    [started] = scheduler.wait_for(r"crawl of site slow started \(pid (\d+)")
    deadline = time.monotonic() + 60
    while not requested and time.monotonic() < deadline:  # wait until the crawl has a request in flight
        time.sleep(0.05)
    assert scheduler.stop(within=60) == 0
    scheduler.wait_for(r"waiting for 1 running crawl")
    # the crawl stops early, stores what it fetched, and says so: exit 1, its run recorded as interrupted
    scheduler.wait_for(r"crawl of site slow ended: exit code 1 in [\d.]+s \(stopped by shutdown\)")
    assert scheduler.lines[-1].endswith("scheduler stopped")
    assert requested  # Scrapy lets downloads already handed to the downloader finish on SIGTERM ...
    with sqlite3.connect(db) as conn:  # ... and every page it fetched is stored, its run closed
        stored = {url for (url,) in conn.execute("SELECT url FROM pages WHERE latest_version = 1")}
        assert conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NULL").fetchone() == (0,)
        assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    assert stored == {base + path for path in requested}
    with pytest.raises(ProcessLookupError):
        os.kill(int(re.search(r"pid (\d+)", started).group(1)), 0)  # the crawl is gone, not orphaned


def test_second_scheduler_on_the_same_database_is_refused(tmp_path, site_url, start):
    config = write_config(tmp_path, site("t", site_url, "0 3 * * *"))
    first = start(config)
    first.wait_for(r"scheduler running with 1 site")
    second = start(config)
    assert second.proc.wait(timeout=60) == 1
    second.close()
    assert any(re.search(rf"another `eduwatch schedule` \(pid {first.proc.pid}\) is already running", line)
               for line in second.lines)
    assert first.proc.poll() is None and first.stop() == 0


def test_unreadable_job_store_is_a_clear_error(tmp_path, site_url):
    db = tmp_path / "eduwatch.db"
    Path(jobstore_path(str(db))).write_bytes(b"this is not an SQLite file" * 100)
    config = write_config(tmp_path, site("t", site_url, "2s"))
    result = subprocess.run([sys.executable, "-m", "crawler", "schedule", "--config", str(config), "--db", str(db)],
                            cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            timeout=60)
    assert result.returncode == 1
    assert f"cannot open the job store {jobstore_path(str(db))}" in result.stderr
    assert "delete it and start again" in result.stderr


def test_runs_missed_while_down_catch_up_once_not_in_a_burst(tmp_path, site_url, start):
    db = tmp_path / "eduwatch.db"
    config = write_config(tmp_path, site("t", site_url, "1h"))
    first = start(config)
    first.wait_for(r"crawl of site t ended")
    assert first.stop() == 0
    five_hours_ago = dt.datetime.now(SHANGHAI) - dt.timedelta(hours=5)  # five runs were due while it was down
    with sqlite3.connect(jobstore_path(str(db))) as conn:
        [(state,)] = conn.execute("SELECT job_state FROM apscheduler_jobs WHERE id = 'crawl:t'").fetchall()
        job = pickle.loads(state)
        job["next_run_time"] = five_hours_ago
        conn.execute("UPDATE apscheduler_jobs SET job_state = ?, next_run_time = ? WHERE id = 'crawl:t'",
                     [pickle.dumps(job), five_hours_ago.timestamp()])

    second = start(config)
    second.wait_for(r"crawl of site t ended: exit code 0")
    assert second.stop() == 0
    assert len([line for line in second.lines if "crawl of site t started" in line]) == 1
    [(_, next_run)] = stored_jobs(db)
    assert next_run > time.time()  # the schedule moved on past the missed runs
    assert len(finished_runs(db)) == 2
