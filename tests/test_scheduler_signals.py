"""SIGTERM/SIGINT to `eduwatch schedule` are acted on whatever the main thread holds at that instant: the
handler takes no lock (one that did deadlocked the scheduler, which ignored the stop)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

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
