"""The browser's guard proxy never holds eduwatch up: a lookup that hangs (a name server that drops the query, or
names that do not resolve where the crawler runs) must not keep a finished crawl
from exiting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A real proxy and a real connection to it, as Chromium opens one for its own background traffic; the name
# server behind the rule never answers (the lookup outlasts the test many times over).
HUNG_LOOKUP = r'''
import socket, time
from crawler.fetch.guard_proxy import GuardProxy

class NameServerThatNeverAnswers:
    def destination(self, host, port):
        time.sleep(600)
        return [], None

proxy = GuardProxy(NameServerThatNeverAnswers(), lambda reason: None)
port = int(proxy.start().rsplit(":", 1)[1])
browser = socket.create_connection(("127.0.0.1", port))
name = b"names.that-never-answer.example"
browser.sendall(b"\x05\x01\x00" + b"\x05\x01\x00\x03" + bytes([len(name)]) + name + (443).to_bytes(2, "big"))
assert browser.recv(2) == b"\x05\x00"  # greeted; the CONNECT now waits on the lookup
time.sleep(0.5)
proxy.close()
print("closed", flush=True)
'''


def test_a_lookup_that_never_answers_does_not_keep_the_process_from_exiting():
    done = subprocess.run([sys.executable, "-c", HUNG_LOOKUP], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "closed" in done.stdout
