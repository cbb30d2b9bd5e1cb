"""A broken eduwatch.toml stops every command with one line naming the file, the key and the fix; the DB is untouched."""

from __future__ import annotations

import hashlib

import pytest

from storage import Store
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses

SITE = '[[sites]]\nname = "moe"\nstart_urls = ["http://127.0.0.1:9/jyb_xwfb/gzdt_gzdt/"]\n'

# (config text, the dotted key the message must name, a fragment of the fix it must give)
CASES = {
    "malformed_toml": ('[[sites]\nname = "moe"\n', "line 1", "fix the syntax"),
    "unknown_top_key": (SITE + 'databse = "x.db"\n', "sites[0].databse", "allowed here"),
    "unknown_site_key": (SITE + 'folow = "/t2024"\n', "sites[0].folow", "allowed here: allow_private, api, channels, exclude_keywords, follow"),
    "port_not_a_number": (SITE + '[smtp]\nport = "x"\n', "smtp.port", "whole number from 1 to 65535"),
    "bad_follow_regex": (SITE + "follow = '([a-'\n", "sites[0].follow", "not a valid regular expression"),
    "bad_schedule": (SITE + 'schedule = "every tuesday"\n', "sites[0].schedule", 'an interval ("90s", "30m", "2h")'),
    "bad_sender_email": (SITE + '[smtp]\nsender = "nobody"\n', "smtp.sender", 'sender = "eduwatch@example.org"'),
    "bad_security": (SITE + '[smtp]\nsecurity = "tls"\n', "smtp.security", "none, starttls, ssl"),
    "start_url_not_http": ('[[sites]]\nname = "moe"\nstart_urls = ["www.moe.gov.cn"]\n', "sites[0].start_urls",
                           "not an http(s) URL"),
    "start_url_too_long": ('[[sites]]\nname = "moe"\nstart_urls = ["http://127.0.0.1:9/' + "列表" * 250 + '"]\n',
                           "sites[0].start_urls", "over the 2,083 a crawl fetches"),
    "bad_recipient_email": (SITE + 'recipients = ["nobody"]\n', "sites[0].recipients", "e.g."),
    "api_without_items": (SITE + '[sites.api]\nlink = "{url}"\n', "sites[0].api.items", 'items = "result.data.data"'),
    "api_bad_method": (SITE + '[sites.api]\nitems = "data"\nlink = "{url}"\nmethod = "PUT"\n', "sites[0].api.method",
                       "GET, POST"),
    "api_article_without_body": (SITE + '[sites.api]\nitems = "data"\nlink = "{url}"\n[sites.api.article]\ntitle = "t"\n',
                                 "sites[0].api.article.body", 'body = "result.data.content"'),
}


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    return lines[0]


@pytest.mark.parametrize(("text", "key", "fix"), list(CASES.values()), ids=list(CASES))
def test_crawl_with_bad_config_exits_1_naming_file_key_and_fix_and_creates_no_db(tmp_path, text, key, fix):
    config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
    config.write_text(text, encoding="utf-8")
    result = run_cli("crawl", "--config", str(config), "--db", str(db), cwd=tmp_path, timeout=60)
    assert result.code == 1
    line = _one_error_line(result.err)
    assert line.startswith("eduwatch: error: ")
    assert str(config) in line and key in line and fix in line, line
    assert "Traceback" not in result.err
    assert not db.exists(), "a crawl refused for a bad config must not create the database"


def test_bad_config_leaves_an_existing_database_byte_identical(tmp_path):
    config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
    with Store(db) as store:
        store.start_run(kind="crawl", sites=["moe"], started_at="2026-11-01T00:00:00+00:00")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    config.write_text(SITE + "max_list_pages = 0\n", encoding="utf-8")
    for command in (["crawl"], ["alerts", "--send"], ["schedule"]):
        result = run_cli(*command, "--config", str(config), "--db", str(db), cwd=tmp_path, timeout=60)
        assert result.code == 1, (command, result.err)
        line = _one_error_line(result.err)
        assert "sites[0].max_list_pages" in line and "whole number from 1" in line
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_missing_config_file_names_the_path_and_what_to_do(tmp_path):
    missing = tmp_path / "nope.toml"
    result = run_cli("crawl", "--config", str(missing), "--db", str(tmp_path / "x.db"), cwd=tmp_path, timeout=60)
    assert result.code == 1
    line = _one_error_line(result.err)
    assert str(missing) in line and "no such configuration file" in line and "--config" in line
    assert not (tmp_path / "x.db").exists()
