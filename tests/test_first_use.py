"""Issue 16: what a new user ran into (pure tier: real SQLite files, the CLI and web view called in-process)."""

from __future__ import annotations

import pytest

from crawler.cli.main import build_parser, main
from crawler.config import Config, CrawlConfig, SiteConfig, load_config
from crawler.errors import ConfigError
from crawler.model import FetchedPage
from crawler.track.recorder import PageRecorder, RunContext
from crawler.web.server import App
from storage import Store

URL = "http://www.ccgp.gov.cn/cggg/zygg/gkzb/202402/t20240208_1.htm"
TITLE = "某大学实验室设备采购项目公开招标公告"


def page_html(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            f"<div class='article'>{paragraphs}</div></body></html>").encode()


def fetched(status: int, body: bytes, at: str) -> FetchedPage:
    return FetchedPage(url=URL, site="ccgp", final_url=URL, status=status, body=body, http_charset="utf-8",
                       content_type="text/html", fetched_at=at, list_url="http://www.ccgp.gov.cn/cggg/")


# --- item 1: a removal carries the last stored title ----------------------------------------------------------

def test_a_removal_is_titled_with_the_last_stored_title_not_the_404_page(tmp_path):
    db = tmp_path / "e.db"
    config = Config(None, sites=[SiteConfig("ccgp", ["http://www.ccgp.gov.cn/cggg/"], recipients=["a@example.org"])],
                    crawl=CrawlConfig(removal_confirmations=1))
    body = "项目预算为128万元，欢迎合格供应商参加投标。\n投标截止时间为2024年3月1日9时30分。" * 3
    with Store(db) as store:
        run = store.start_run(sites=["ccgp"])
        recorder = PageRecorder(RunContext(str(db), config, "ccgp", run, baselined=True), store)
        recorder.record(fetched(200, page_html(TITLE, body), "2024-02-08T01:00:00+00:00"))
        gone = b"<html><head><title>Error response</title></head><body><h1>Error response</h1>" \
               b"<p>Error code: 404</p><p>Message: File not found.</p></body></html>"
        assert recorder.record(fetched(404, gone, "2024-02-09T01:00:00+00:00")).outcome == "removed"
        removed = [c for c in store.changes() if c["kind"] == "removed"]
    assert [c["title"] for c in removed] == [TITLE]


# --- item 6: an age beyond the calendar ----------------------------------------------------------------------

def test_an_age_beyond_the_calendar_is_a_bad_value_in_the_cli_and_400_in_the_web_view(tmp_path, capsys):
    db = tmp_path / "e.db"
    Store(db).close()
    for argv in (["changes", "--since", "99999999d"], ["search", "招标", "--since", "99999999d"]):
        assert main([*argv, "--db", str(db)]) == 1, "exit 1, as every other bad value (issue 23 #16)"
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "99999999d" in err and "Traceback" not in err
    assert App(db).handle("/?since=99999999d").status == 400


# --- item 7: email addresses --------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["x@evil\r\nBcc: y@evil", "a@example.org, b@example.org", "Analyst <a@example.org>",
                                     "a@", "@example.org", "a b@example.org", "a@example.org\n", " a@example.org"])
def test_what_is_not_one_email_address_is_refused(address):
    from crawler.config import is_email_address

    assert not is_email_address(address)


@pytest.mark.parametrize("address", ["analyst@example.org", "eduwatch@localhost", "first.last+bids@mail.example.cn"])
def test_ordinary_addresses_pass(address):
    from crawler.config import is_email_address

    assert is_email_address(address)


@pytest.mark.parametrize(("table", "key"), [
    ('[smtp]\nsender = "x@evil\\r\\nBcc: y@evil"\n', "smtp.sender"),
    ('[[sites]]\nname = "moe"\nstart_urls = ["http://www.moe.gov.cn/"]\nrecipients = ["x@evil\\r\\nBcc: y@evil"]\n',
     "sites[0].recipients"),
    ('[[sites]]\nname = "moe"\nstart_urls = ["http://www.moe.gov.cn/"]\nrecipients = ["a@example.org, b@example.org"]\n',
     "sites[0].recipients"),
])
def test_a_header_injection_in_the_config_is_a_config_error_naming_the_key(tmp_path, table, key):
    path = tmp_path / "eduwatch.toml"
    path.write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert key in str(caught.value) and str(path) in str(caught.value)


# --- item 10: CLI consistency --------------------------------------------------------------------------------

def test_diff_from_zero_is_an_error_not_the_default(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["diff", URL, "--from", "0"])
    assert exited.value.code == 2
    assert "versions count from 1" in capsys.readouterr().err


@pytest.fixture
def archive(tmp_path, monkeypatch):
    """A database holding one stored article (site ccgp) and one URL whose only fetch failed."""
    monkeypatch.chdir(tmp_path)  # no ./eduwatch.toml: the config is empty
    db = tmp_path / "e.db"
    config = Config(None, sites=[SiteConfig("ccgp", ["http://www.ccgp.gov.cn/cggg/"])])
    with Store(db) as store:
        run = store.start_run(sites=["ccgp"])
        recorder = PageRecorder(RunContext(str(db), config, "ccgp", run, baselined=False), store)
        recorder.record(fetched(200, page_html(TITLE, "项目预算为128万元。" * 20), "2024-02-08T01:00:00+00:00"))
        broken = FetchedPage(url=URL + "x", site="ccgp", error="connection refused", fetched_at="2024-02-08T02:00:00+00:00")
        recorder.record(broken)
    return db


@pytest.mark.parametrize("command", [["changes"], ["reextract"]])
def test_an_unknown_site_is_named(archive, capsys, command):
    assert main([*command, "--site", "nosuch", "--db", str(archive)]) == 1
    err = capsys.readouterr().err
    assert "unknown site 'nosuch'" in err and "ccgp" in err


def test_a_known_site_still_answers(archive, capsys):
    assert main(["changes", "--site", "ccgp", "--db", str(archive)]) == 0
    assert main(["reextract", "--site", "ccgp", "--db", str(archive)]) == 0
    assert "re-extracted 1 versions" in capsys.readouterr().out


def test_history_of_a_url_that_only_failed_shows_its_failures(archive, capsys):
    assert main(["history", URL + "x", "--db", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "never stored" in out and "connection refused" in out and "crawl it first" not in out


def test_alerts_help_documents_send_and_json(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["alerts", "--help"])
    out = capsys.readouterr().out
    assert "deliver pending alerts now" in out and "print a JSON list" in out


# --- item 11: a config change is not news -----------------------------------------------------------------

def test_a_change_of_navigation_rules_changes_the_fingerprint_and_nothing_else_does():
    from crawler.track.baseline import rules_key

    site = SiteConfig("zj", ["http://jyt.zj.gov.cn/col/col1/index.html"])
    same = SiteConfig("zj", ["http://jyt.zj.gov.cn/col/col1/index.html"], recipients=["a@example.org"],
                      keywords=["实验室"], schedule="30m", label="浙江")
    assert rules_key(site) == rules_key(same)
    for changed in (SiteConfig("zj", site.start_urls, follow=r"/art/.+\.html$"),
                    SiteConfig("zj", site.start_urls, pagination=r"index_\d+\.html$"),
                    SiteConfig("zj", [*site.start_urls, "http://jyt.zj.gov.cn/col/col2/index.html"]),
                    SiteConfig("zj", site.start_urls, max_list_pages=50)):
        assert rules_key(changed) != rules_key(site)


def test_only_the_last_finished_full_crawl_of_the_site_decides():
    from crawler.track.baseline import rules_changed

    def run(site, status, rules):
        return {"sites": [site], "status": status, "stats": {"rules": rules} if rules else {}}

    assert rules_changed([run("zj", "ok", "old")], "zj", "new")
    assert not rules_changed([run("zj", "ok", "new"), run("zj", "ok", "old")], "zj", "new")
    assert rules_changed([run("zj", "interrupted", "new"), run("zj", "ok", "old")], "zj", "new")
    assert not rules_changed([run("gd", "ok", "old"), run("zj", "ok", None)], "zj", "new"), "no fingerprint yet"
    assert not rules_changed([run("zj", "ok", "old")], "zj", None), "a --url crawl walks no rules"
