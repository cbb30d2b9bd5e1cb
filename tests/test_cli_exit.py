"""An eduwatch command leaves its process as soon as it is done (the interpreter's teardown cost a crawl ~0.3 s of
CPU after its last line), and loses nothing on the way: exit handlers run, output is flushed, a thread still at
work is waited for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crawler.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = next(iter(sorted((ROOT / "tests" / "golden").glob("*/*.html"))))


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_exit_handlers_run_and_buffered_output_is_written_before_the_process_leaves():
    done = _python("import atexit, sys\n"
                   "from crawler.cli.fast_exit import exit_now\n"
                   "atexit.register(lambda: print('exit handler ran'))\n"
                   "sys.stdout.write('x' * 1_000_000)\n"
                   "print('error line', file=sys.stderr)\n"
                   "exit_now(3)\n")
    assert done.returncode == 3
    assert done.stdout == "x" * 1_000_000 + "exit handler ran\n"
    assert done.stderr == "error line\n"


def test_a_thread_still_at_work_is_waited_for(tmp_path):
    written = tmp_path / "written.txt"
    done = _python("import threading, time\n"
                   "from crawler.cli.fast_exit import exit_now\n"
                   f"def work(): time.sleep(0.5); open({str(written)!r}, 'w').write('done')\n"
                   "threading.Thread(target=work).start()\n"
                   "exit_now(0)\n")
    assert done.returncode == 0, done.stderr
    assert written.read_text() == "done"


def test_the_command_prints_all_it_has_to_say_when_run_as_a_process(capsys):
    assert main(["extract", "--json", str(PAGE)]) == 0
    in_process = capsys.readouterr().out
    done = subprocess.run([sys.executable, "-m", "crawler", "extract", "--json", str(PAGE)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == in_process and json.loads(done.stdout)
