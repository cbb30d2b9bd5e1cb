"""The shared web view and the feed/calendar commands: a password beyond loopback, 401/200, /feed.atom, /bids.ics."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import feedparser
import pytest
from icalendar import Calendar

from crawler.config import Config
from crawler.web.auth import is_loopback
from crawler.web.calendar import project_uid
from crawler.web.server import make_server
from storage import Store
from tests.conftest import REPO, run_cli
from tests.test_calendar import CORRECTION, CORRECTION_URL, PROJECT, TENDER, TENDER_URL, _record

pytestmark = pytest.mark.e2e  # servers and subprocesses
PASSWORD = "团队口令-s3cret"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("share") / "eduwatch.db"
    with Store(path) as store:
        _record(store, path, TENDER_URL, TENDER, "2025-06-27T10:00:00+00:00")
        _record(store, path, CORRECTION_URL, CORRECTION, "2025-07-08T03:00:00+00:00")
    return path


def fetch(url: str, password: str | None = None, user: str = "eduwatch") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def shared(db):
    config = Config(path=None, web_base_url="http://watch.example:8080")
    with make_server(db, port=0, password=PASSWORD, config=config) as server:
        yield server.url.rstrip("/")


@pytest.mark.parametrize("password, user", [(None, "eduwatch"), ("wrong", "eduwatch"), (PASSWORD, "admin")],
                         ids=["none", "wrong-password", "wrong-user"])
def test_without_the_password_every_path_is_401_with_a_basic_challenge(shared, password, user):
    for path in ("/", "/feed.atom", "/bids.ics", "/search?q=" + urllib.parse.quote("招标")):
        status, headers, body = fetch(shared + path, password, user)
        assert status == 401 and headers["WWW-Authenticate"].startswith('Basic realm="eduwatch"')
        assert "清镇市" not in body.decode("utf-8")


def test_with_the_password_pages_answer_200(shared):
    status, _, body = fetch(shared + "/", PASSWORD)
    assert status == 200 and "清镇市教育局" in body.decode("utf-8")


def test_feed_atom_parses_and_takes_the_cli_filters(shared):
    status, headers, body = fetch(shared + "/feed.atom", PASSWORD)
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(body)
    assert not parsed.bozo and len(parsed.entries) == 2
    assert parsed.feed.links[0].href == "http://watch.example:8080/feed.atom"
    assert parsed.entries[0].link.startswith("http://watch.example:8080/page?url=")
    assert feedparser.parse(fetch(shared + "/feed.atom?site=moe", PASSWORD)[2]).entries == []
    only = feedparser.parse(fetch(shared + "/feed.atom?keyword=" + urllib.parse.quote("更正"), PASSWORD)[2])
    assert [e.title for e in only.entries] == ["[新增] 清镇市教育局2025年中小学智慧黑板采购项目更正公告"]


def test_bids_ics_shows_the_corrected_opening_with_a_raised_sequence(shared):
    status, headers, body = fetch(shared + "/bids.ics", PASSWORD)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    events = {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    opening = events[project_uid(PROJECT, "开标时间")]  # one event per project: the tender and its correction
    assert opening.decoded("DTSTART").isoformat() == "2025-07-25T09:30:00+08:00"
    assert int(opening["SEQUENCE"]) == 1
    assert not Calendar.from_ical(fetch(shared + "/bids.ics?site=moe", PASSWORD)[2]).walk("VEVENT")


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.53", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False), ("192.0.2.7", False),
                                            ("eduwatch.lan", False)])
def test_which_hosts_count_as_this_machine_only(host, loopback):
    assert is_loopback(host) is loopback


def _serve(db, tmp_path, *, config: str | None, env: dict | None = None, host: str = "0.0.0.0") -> subprocess.Popen:
    args = [sys.executable, "-m", "crawler", "serve", "--db", str(db), "--host", host, "--port", "0"]
    if config is not None:
        (tmp_path / "eduwatch.toml").write_text(config, encoding="utf-8")
        args += ["--config", str(tmp_path / "eduwatch.toml")]
    full_env = {key: value for key, value in os.environ.items() if key != "EDUWATCH_WEB_PASSWORD"}
    full_env.update({"PYTHONPATH": str(REPO), **(env or {})})
    return subprocess.Popen(args, cwd=tmp_path, env=full_env, stderr=subprocess.PIPE, text=True)


def _refusal(proc: subprocess.Popen) -> list[str]:
    try:
        assert proc.wait(timeout=60) == 1
        return proc.stderr.read().strip().splitlines()
    finally:
        proc.stderr.close()


def test_serving_beyond_loopback_without_a_password_refuses_in_one_line(db, tmp_path):
    lines = _refusal(_serve(db, tmp_path, config=None))
    assert len(lines) == 1 and lines[0].startswith("eduwatch: error: refusing to serve on 0.0.0.0"), lines
    assert "password_env" in lines[0] and "127.0.0.1" in lines[0]


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_a_password_env_whose_variable_is_unset_refuses_on_any_address(db, tmp_path, host):
    lines = _refusal(_serve(db, tmp_path, config='[web]\npassword_env = "EDUWATCH_WEB_PASSWORD"\n', host=host))
    assert len(lines) == 1 and lines[0].startswith(f"eduwatch: error: refusing to serve on {host}"), lines
    assert "$EDUWATCH_WEB_PASSWORD (named by [web] password_env) is not set" in lines[0]


def test_serving_beyond_loopback_with_a_password_asks_for_it(db, tmp_path):
    proc = _serve(db, tmp_path, config='[web]\npassword_env = "EDUWATCH_WEB_PASSWORD"\n',
                  env={"EDUWATCH_WEB_PASSWORD": PASSWORD})
    try:
        port = None
        for line in proc.stderr:
            match = re.search(r"at http://[^:]+:(\d+)/ .*password required", line)
            if match:
                port = int(match.group(1))
                break
        assert port, "serve never said where it listens"
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 401
        assert fetch(f"http://127.0.0.1:{port}/", PASSWORD)[0] == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def test_feed_and_calendar_commands_print_what_parsers_accept(db):
    feed = run_cli("feed", "--db", str(db), "--kind", "new")
    assert feed.code == 0, feed.err
    parsed = feedparser.parse(feed.out.encode("utf-8"))
    assert not parsed.bozo and {e.link for e in parsed.entries} == {TENDER_URL, CORRECTION_URL}
    cal = run_cli("calendar", "--db", str(db), "--site", "ccgp")
    assert cal.code == 0, cal.err
    events = Calendar.from_ical(cal.out.encode("utf-8")).walk("VEVENT")
    assert {str(e["URL"]) for e in events} == {TENDER_URL}
    assert run_cli("feed", "--db", str(db), "--kind", "bogus").code == 2
