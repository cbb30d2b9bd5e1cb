"""SIGTERM/SIGINT to `eduwatch schedule` are acted on whatever the main thread holds at that instant: the
handler takes no lock (one that did deadlocked the scheduler, which ignored the stop)."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.conftest import REPO
from tests.test_scheduler import slow_site as slow_site  # noqa: F401 - a fixture
from tests.test_scheduler import start as start  # noqa: F401 - a fixture

SCRIPT = """
import os, signal
from crawler import scheduler
stop = scheduler._install_signal_handlers()
with scheduler._RUNNING._lock:  # the main thread is inside the running-crawls lock, as when it counts them
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGTERM)  # a second signal: kill the running crawls now
print("seen", stop.signals)
"""


def test_signals_that_arrive_while_the_main_thread_holds_a_lock_are_counted_not_deadlocked():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "seen 2"


def test_sigterm_while_a_crawl_runs_past_its_next_due_time_stops_without_tracebacks(tmp_path, slow_site, start):
    """The crawl outlives its 2 s interval, so the job is due again when the scheduler shuts down: APScheduler's
    last pass used to submit it to the stopped executor and log a traceback per site."""
    base, requested = slow_site
    urls = [f"{base}/{n}.html" for n in range(3)]
    config = tmp_path / "eduwatch.toml"
    config.write_text(f'[[sites]]\nname = "slow"\nstart_urls = {urls!r}\nschedule = "2s"\n'.replace("'", '"'))
    scheduler = start(config)
    scheduler.wait_for(r"crawl of site slow started \(pid (\d+)")
    deadline = time.monotonic() + 60
    while not requested and time.monotonic() < deadline:  # a page in flight: the crawl's stop waits for it
        time.sleep(0.05)
    scheduler.wait_for(r"maximum number of running instances reached", within=60)  # due again, still running
    assert scheduler.stop(within=120) == 0
    assert scheduler.lines[-1].endswith("scheduler stopped")
    text = "\n".join(scheduler.lines)
    assert "Traceback" not in text and "Error submitting job" not in text, text[-3000:]
