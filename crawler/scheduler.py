"""`eduwatch schedule`: crawl each site on its schedule, one subprocess per run, until SIGINT/SIGTERM.

Design:
- Scrapy's Twisted reactor cannot be restarted in a process, so every run is a fresh
  `python -m crawler crawl --site NAME --db DB [--config CFG]` subprocess. That also isolates crashes
  and memory, and lets a hung crawl be stopped: after the site's `timeout` it gets SIGTERM (Scrapy
  closes gracefully), then SIGKILL after KILL_GRACE seconds; the timeout is logged with the exit code.
- APScheduler 3 runs one job per scheduled site, id `crawl:<site>`: an IntervalTrigger for "90s"/"30m"/"2h",
  a 5-field cron in Asia/Shanghai otherwise. Jitter spreads load on the sites.
- Never duplicated: max_instances=1 (a run still going makes the next one skip), stable job ids.
  A lock file lets only one scheduler run per database. Never lost: jobs live in `<db>-jobs.sqlite`
  (SQLAlchemyJobStore), so a restart keeps next-run times; coalesce=True with no misfire limit turns
  any runs missed while the scheduler was down into exactly one catch-up run, not a burst.
- On start the stored jobs are reconciled with the config: removed sites lose their job, a changed
  schedule gets a new trigger, an unchanged one keeps its stored next-run time.
- SIGINT/SIGTERM: stop scheduling, forward SIGTERM to running crawls, wait for them (STOP_GRACE at most;
  a second signal kills them now), exit 0.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.clock import DISPLAY_ZONE, display_moment
from crawler.config import Config, SiteConfig
from crawler.errors import SchedulerError
from crawler.logsetup import ensure_stderr_logging
from crawler.schedules import TIMEZONE, build_trigger

logger = logging.getLogger(__name__)

JOB_PREFIX = "crawl:"  # job ids are crawl:<site>, stable across restarts
JOBSTORE_SUFFIX = "-jobs.sqlite"  # the job store sits beside the snapshot database
JOB_FUNC = "crawler.scheduler:run_site_crawl"  # textual reference, so stored jobs survive code reloads
KILL_GRACE = 10.0  # seconds between SIGTERM and SIGKILL for a crawl past its timeout
STOP_GRACE = 60.0  # seconds the scheduler waits for running crawls on shutdown before killing them
MISFIRE_GRACE = None  # a run missed while the scheduler was down still runs, however late (once: coalesce)
# one run at a time per site; missed runs collapse into one, however late
JOB_OPTIONS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE}
NO_SCHEDULE_HINT = 'no site has a schedule; add schedule = "30m" to a [[sites]] entry'


class NoScheduleError(SchedulerError):
    """No configured site has a schedule, so there is nothing to run."""


@dataclass
class CrawlOutcome:
    """What one scheduled run did: the job's return value, also logged."""

    site: str
    exit_code: int | None  # None when the crawl never started
    duration_s: float
    timed_out: bool = False
    stopped: bool = False  # ended because the scheduler was shutting down


# --- one run ------------------------------------------------------------------------------
def crawl_command(site: str, db_path: str, config_path: str | None) -> list[str]:
    """The one-shot crawl a run starts; a fresh interpreter because Scrapy's reactor cannot restart."""
    command = [sys.executable, "-m", "crawler", "crawl", "--site", site, "--db", db_path]
    return command + (["--config", config_path] if config_path else [])


class _RunningCrawls:
    """The crawl subprocesses of this scheduler, so a shutdown can forward SIGTERM to them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._procs: dict[int, subprocess.Popen] = {}
        self.stopping = threading.Event()

    def start(self, command: list[str]) -> subprocess.Popen | None:
        """Start a crawl unless the scheduler is stopping (then None: no new runs after a stop)."""
        with self._lock:
            if self.stopping.is_set():
                return None
            # a session of its own: a terminal's Ctrl-C reaches only the scheduler, which forwards SIGTERM once
            proc = subprocess.Popen(command, start_new_session=True)
            self._procs[proc.pid] = proc
            return proc

    def finished(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.pop(proc.pid, None)

    def count(self) -> int:
        with self._lock:
            return len(self._procs)

    def signal_all(self, signum: int) -> None:
        with self._lock:
            for proc in self._procs.values():
                if proc.poll() is None:
                    proc.send_signal(signum)


_RUNNING = _RunningCrawls()


def run_site_crawl(site: str, db_path: str, config_path: str | None, timeout: float) -> CrawlOutcome:
    """The scheduled job: one crawl of one site in a subprocess, stopped if it outlives `timeout`."""
    started = time.monotonic()
    command = crawl_command(site, db_path, config_path)
    try:
        proc = _RUNNING.start(command)
    except OSError as exc:
        logger.error("crawl of site %s could not start (%s): %s", site, exc, " ".join(command))
        return CrawlOutcome(site, None, 0.0)
    if proc is None:
        logger.info("crawl of site %s not started: the scheduler is stopping", site)
        return CrawlOutcome(site, None, 0.0, stopped=True)
    logger.info("crawl of site %s started (pid %d, timeout %gs)", site, proc.pid, timeout)
    try:
        timed_out = _wait_or_stop(proc, site, timeout)
    finally:
        _RUNNING.finished(proc)
    outcome = CrawlOutcome(site, proc.returncode, time.monotonic() - started, timed_out,
                           stopped=_RUNNING.stopping.is_set())
    _log_outcome(outcome)
    return outcome


def _wait_or_stop(proc: subprocess.Popen, site: str, timeout: float) -> bool:
    """Wait for the crawl; past its timeout send SIGTERM, then SIGKILL after KILL_GRACE. True if it timed out."""
    try:
        proc.wait(timeout=timeout)
        return False
    except subprocess.TimeoutExpired:
        pass
    logger.error("crawl of site %s timed out after %gs; sending SIGTERM (raise the site's timeout if it "
                 "needs longer)", site, timeout)
    proc.terminate()
    try:
        proc.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        logger.error("crawl of site %s ignored SIGTERM for %gs; killing it (SIGKILL)", site, KILL_GRACE)
        proc.kill()
        proc.wait()
    return True


def _log_outcome(outcome: CrawlOutcome) -> None:
    why = " (timed out)" if outcome.timed_out else " (stopped by shutdown)" if outcome.stopped else ""
    level = logging.INFO if outcome.exit_code == 0 and not why else logging.WARNING
    logger.log(level, "crawl of site %s ended: exit code %s in %.1fs%s", outcome.site, outcome.exit_code,
               outcome.duration_s, why)


# --- the scheduler ------------------------------------------------------------------------
def jobstore_path(db_path: str) -> str:
    """Jobs live beside the database, so each database keeps its own next-run times."""
    return str(db_path) + JOBSTORE_SUFFIX


def job_id(site: str) -> str:
    return JOB_PREFIX + site


def _job_name(site: SiteConfig) -> str:
    """The name carries the schedule text, so a restart can tell whether the schedule changed."""
    return f"crawl {site.name} [{site.schedule}]"


def _lock(db_path: str):
    """Hold `<db>-jobs.sqlite.lock` for the scheduler's life: two schedulers on one database would crawl twice."""
    path = jobstore_path(db_path) + ".lock"
    try:
        handle = open(path, "a+")  # held open (and locked) until the scheduler stops
    except OSError as exc:
        raise SchedulerError(f"cannot create the lock file {path} ({exc}); check the database folder is writable") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise SchedulerError(f"another `eduwatch schedule` (pid {holder}) is already running for {db_path}; "
                             "stop it first, or use another --db") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _jobstore(db_path: str):
    try:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    except ImportError:
        raise SchedulerError("the scheduler keeps its jobs in SQLite through SQLAlchemy, which is not installed; "
                             "install it: pip install 'sqlalchemy>=2,<3'") from None
    return SQLAlchemyJobStore(url=f"sqlite:///{Path(jobstore_path(db_path)).resolve()}")


def scheduled_sites(config: Config) -> list[SiteConfig]:
    """The sites with a schedule; the others are logged and left to `eduwatch crawl`."""
    for site in config.sites:
        if not site.schedule:
            logger.info("site %s has no schedule; not scheduled (add schedule = \"30m\" to its [[sites]] entry)",
                        site.name)
    sites = [site for site in config.sites if site.schedule]
    if not sites:
        raise NoScheduleError(NO_SCHEDULE_HINT)
    for site in sites:
        build_trigger(site.schedule)  # fail before anything starts, naming the bad schedule
    return sites


def reconcile(scheduler: BackgroundScheduler, sites: list[SiteConfig], db_path: str,
              config_path: str | None, zone: str = DISPLAY_ZONE) -> None:
    """Make the stored jobs match the config: drop removed sites, re-trigger changed schedules, keep the rest."""
    wanted = {job_id(site.name): site for site in sites}
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
            logger.info("site %s is no longer scheduled in the config; removing its job", job.id[len(JOB_PREFIX):])
            job.remove()
    for ident, site in wanted.items():
        args = [site.name, db_path, config_path, site.timeout]
        job = scheduler.get_job(ident)
        if job is None:
            _add_job(scheduler, site, args)
        else:
            changed = job.name != _job_name(site)
            job.modify(name=_job_name(site), args=args, **JOB_OPTIONS)  # paths, timeout, options as configured now
            if changed:
                logger.info("site %s: schedule changed to %r; rescheduling", site.name, site.schedule)
                scheduler.reschedule_job(ident, trigger=build_trigger(site.schedule))
        job = scheduler.get_job(ident)
        logger.info("scheduled site %s: %s; next run %s", site.name, site.schedule,
                    display_moment(job.next_run_time, zone) if job.next_run_time else "none")


def _add_job(scheduler: BackgroundScheduler, site: SiteConfig, args: list) -> None:
    """A new interval job runs now (its first crawl); a new cron job waits for its first time."""
    trigger = build_trigger(site.schedule)
    first = {"next_run_time": datetime.now(trigger.timezone)} if isinstance(trigger, IntervalTrigger) else {}
    scheduler.add_job(JOB_FUNC, trigger=trigger, id=job_id(site.name), name=_job_name(site), args=args,
                      replace_existing=True, **JOB_OPTIONS, **first)


def run_scheduler(config: Config, db_path: str, config_path: str | None) -> int:
    """Run the scheduled crawls in the foreground until SIGINT/SIGTERM; 0 after a clean stop."""
    ensure_stderr_logging("apscheduler", zone=config.display.timezone)  # our own lines say when runs start, end
    sites = scheduled_sites(config)
    db_path = str(Path(db_path).resolve())
    config_path = str(Path(config_path).resolve()) if config_path else None
    if config.cluster is not None:
        _check_recorder(config, db_path)
    lock = _lock(db_path)
    try:
        return _run(sites, db_path, config_path, config.display.timezone)
    finally:
        lock.close()


def _check_recorder(config: Config, db_path: str) -> None:
    """With [cluster], the crawls go to the nodes and the recorder writes: refuse a database it does not write."""
    from crawler.cluster.crawl_nodes import check_recorder
    from crawler.cluster.dispatch import open_reader

    with open_reader(db_path) as store:
        check_recorder(config, store, db_path)


class _StoppingPool(ThreadPoolExecutor):
    """APScheduler's thread pool, quiet after shutdown. The scheduler makes one last pass over the due jobs
    after its executors stopped (BlockingScheduler wakes its loop on shutdown): a run that came due while a
    stop waited for the crawls was submitted to the stopped pool, a traceback per site. No new run after a
    stop is what the scheduler wants anyway."""

    stopped = False

    def submit_job(self, job, run_times):
        if self.stopped:
            logger.info("%s not started: the scheduler is stopping", job.name)
            return
        super().submit_job(job, run_times)

    def shutdown(self, wait=True):
        self.stopped = True
        super().shutdown(wait)


def _run(sites: list[SiteConfig], db_path: str, config_path: str | None, zone: str = DISPLAY_ZONE) -> int:
    scheduler = BackgroundScheduler(
        jobstores={"default": _jobstore(db_path)},
        executors={"default": _StoppingPool(max_workers=len(sites))},
        timezone=TIMEZONE)
    stop = _install_signal_handlers()
    try:
        scheduler.start(paused=True)
    except Exception as exc:  # SQLAlchemy raises its own error types for an unusable file
        reason = getattr(exc, "orig", None) or exc  # the sqlite3 error, without SQLAlchemy's SQL and links
        raise SchedulerError(f"cannot open the job store {jobstore_path(db_path)} ({reason}); delete it and "
                             "start again: schedules are rebuilt from the config") from None
    reconcile(scheduler, sites, db_path, config_path, zone)
    scheduler.resume()
    logger.info("scheduler running with %d site(s); jobs in %s; stop with Ctrl-C or SIGTERM",
                len(sites), jobstore_path(db_path))
    while not stop.signals:
        time.sleep(SIGNAL_POLL_S)
    logger.info("%s received: stopping", stop.name)
    _shutdown(scheduler, stop)
    return 0


class _Signals:
    """SIGINT/SIGTERM seen so far. The handler only counts: it runs inside whatever the main thread was doing,
    and one that took a lock the main thread held (threading.Event.set(), the running-crawls lock)
    deadlocked the scheduler, which then ignored the stop until a second signal."""

    def __init__(self):
        self.signals = 0
        self.name = ""

    def handle(self, signum, _frame) -> None:
        self.signals += 1
        self.name = signal.Signals(signum).name


SIGNAL_POLL_S = 0.2  # how soon the main thread acts on a signal


def _install_signal_handlers() -> _Signals:
    """The first SIGINT/SIGTERM asks for a clean stop; a second one kills running crawls at once."""
    stop = _Signals()
    signal.signal(signal.SIGINT, stop.handle)
    signal.signal(signal.SIGTERM, stop.handle)
    return stop


def _shutdown(scheduler: BackgroundScheduler, stop: _Signals) -> None:
    """No new runs; running crawls get SIGTERM and STOP_GRACE seconds to store what they fetched (a second
    signal kills them at once)."""
    scheduler.pause()
    _RUNNING.stopping.set()
    running = _RUNNING.count()
    if running:
        logger.info("waiting for %d running crawl(s) to finish their current item (SIGTERM sent)", running)
        _RUNNING.signal_all(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while _RUNNING.count() and time.monotonic() < deadline and stop.signals < 2:
        time.sleep(0.1)
    if _RUNNING.count():
        if stop.signals > 1:
            logger.warning("second %s: killing running crawls now", stop.name)
        else:
            logger.error("crawl(s) still running after %gs; killing them (SIGKILL)", STOP_GRACE)
        _RUNNING.signal_all(signal.SIGKILL)
    scheduler.shutdown(wait=True)
    logger.info("scheduler stopped")
