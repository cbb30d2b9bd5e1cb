"""The `eduwatch` command as users and scripts rely on it: help, exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json

import pytest

from crawler.cli.main import COMMANDS
from tests.conftest import run_cli, site_toml

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "example: eduwatch" in result.out
    assert "--config" in result.out
    # a crawl node writes no database (the recorder does): only its help leaves --db out
    assert ("--db" in result.out) is (command != "node")


def test_bad_usage_exits_2():
    assert run_cli("crawl", "--no-such-flag").code == 2
    assert run_cli().code == 2


def one_line_error(result) -> str:
    assert result.code == 1, (result.out, result.err)
    lines = [line for line in result.err.strip().splitlines() if line.startswith("eduwatch: error:")]
    assert len(lines) >= 1, result.err
    return lines[0]


def test_unknown_site_is_named(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    line = one_line_error(workspace.cli("crawl", "--site", "nosuch"))
    assert "nosuch" in line and "moe" in line


def test_unwritable_database_path_is_explained(tmp_path, server):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    line = one_line_error(run_cli("crawl", "--db", str(blocker / "sub" / "e.db"), "--url",
                                  server.url_for("moe", server.sites["moe"].article_paths()[0])))
    assert str(blocker / "sub" / "e.db") in line


def test_unreachable_url_fails_with_its_address(workspace):
    workspace.write_config("")
    url = "http://127.0.0.1:9/nothing-here.html"
    line = one_line_error(workspace.crawl("--url", url))
    assert url in line


def test_history_of_an_unknown_page_says_how_to_get_one(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    assert workspace.crawl().code == 0
    line = one_line_error(workspace.cli("history", "http://example.invalid/x.html"))
    assert "eduwatch crawl --url" in line


def test_commands_on_a_missing_database_fail_clearly(tmp_path):
    line = one_line_error(run_cli("changes", "--db", str(tmp_path / "none.db")))
    assert "none.db" in line


def test_extract_batch_prints_json_lines_in_input_order(tmp_path, sites):
    files = []
    for name in ("moe", "ccgp", "ceiea", "portal"):
        site = sites[name]
        path = site.article_paths()[0]
        target = tmp_path / f"{name}.html"
        target.write_bytes(site.render(path).body)
        files.append((str(target), site.article(path).title))
    missing = str(tmp_path / "missing.html")
    result = run_cli("extract", "--json", files[0][0], missing, *[f for f, _ in files[1:]])
    assert result.code == 1
    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["input"] for r in records] == [files[0][0], missing, *[f for f, _ in files[1:]]]
    assert "no such file" in records[1]["error"]
    good = [r for r in records if "error" not in r]
    assert [r["title"] for r in good] == [title for _, title in files]
    for record in good:
        assert {"url", "title", "published", "source", "body", "attachments", "fields", "encoding"} <= set(record)
        assert record["body"] and "\ufffd" not in record["body"]
    assert good[2]["encoding"] == "gb18030"  # the GBK ceiea page


def test_extract_reads_stdin(sites):
    site = sites["moe"]
    path = site.article_paths()[0]
    result = run_cli("extract", "--json", "--url", "http://www.moe.gov.cn" + path, "-", stdin=site.render(path).body)
    assert result.code == 0, result.err
    assert json.loads(result.out)["title"] == site.article(path).title


def test_search_finds_chinese_words_of_any_length(workspace, server):
    workspace.write_config(site_toml(server, ["moe", "ccgp"]))
    assert workspace.crawl().code == 0
    ccgp = server.sites["ccgp"]
    tender = next(p for p in ccgp.article_paths() if "预算金额" in ccgp.article(p).fields)
    title = ccgp.article(tender).title
    for query in (title[:2], title[:3], title[2:8]):
        result = workspace.cli("search", query, "--json")
        assert result.code == 0, result.err
        hits = result.json()
        assert hits, f"nothing found for {query!r}"
        assert all(query in h["title"] or query in h["snippet"].replace("【", "").replace("】", "")
                   for h in hits), f"false hit for {query!r}"
        assert server.url_for("ccgp", tender) in [h["url"] for h in hits]
    only_moe = workspace.cli("search", title[:3], "--site", "moe", "--json").json()
    assert all("/moe/" in h["url"] for h in only_moe)
    assert workspace.cli("search", "量子引力弦论", "--json").json() == []


def test_changes_since_filters_by_time(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    assert workspace.crawl().code == 0
    path = server.sites["moe"].article_paths()[0]
    server.sites["moe"].set_title(path, "新标题：教育部召开会议")
    assert workspace.crawl().code == 0
    assert len(workspace.cli("changes", "--since", "1h", "--json").json()) == 1
    assert workspace.cli("changes", "--since", "2999-01-01", "--json").json() == []
    line = one_line_error(workspace.cli("changes", "--since", "yesterday-ish"))
    assert "yesterday-ish" in line


def test_demo_runs_offline_and_shows_a_detected_change(tmp_path):
    result = run_cli("demo", "--keep", str(tmp_path / "demo"), timeout=120)
    assert result.code == 0, result.err[-2000:]
    assert "change(s) detected" in result.out
    assert "[changed]" in result.out
    assert "Subject: [eduwatch]" in result.out
