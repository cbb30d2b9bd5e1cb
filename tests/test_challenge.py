"""Sites behind JavaScript challenges (瑞数 412, 加速乐 521) and lists drawn by script, read through real Chromium.

The replicas (crawler/demo/challenge.py, browser_sites.py) check a value their script computes from a per-visit
nonce and the browser's User-Agent, and expire the clearance mid-crawl; nothing fakes the browser or the server.
"""

from __future__ import annotations

import pytest

from crawler.demo.browser_sites import challenged_site, drawn_list_site
from crawler.demo.challenge import RS_SCRIPT_COOKIE, RS_SERVER_COOKIE, ChallengeGate, clearance
from crawler.demo.run import GENERIC_RULES
from crawler.demo.server import SiteServer
from crawler.fetch.browser import BrowserMissing, find_browser, is_challenge
from storage import Store
from tests.conftest import Workspace

try:
    CHROMIUM = find_browser()
except BrowserMissing:
    CHROMIUM = None
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="install Debian's chromium (CI does)")
FOLLOW, PAGINATION = GENERIC_RULES["gd"]
UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36"


def site_entry(server: SiteServer, name: str, extra: str = "") -> str:
    site = server.sites[name]
    return (f'[[sites]]\nname = "{name}"\nstart_urls = ["{server.url_for(name, site.spec.list_path)}"]\n'
            f"follow = '{FOLLOW}'\npagination = '{PAGINATION}'\nmax_list_pages = 20\n{extra}\n")


def stored(db) -> dict[str, list[dict]]:
    with Store(db) as store:
        return {p["url"]: store.versions(p["url"]) for p in store.pages() if p.get("latest_version")}


def run_stats(db) -> list[dict]:
    with Store(db) as store:
        return [r.get("stats") or {} for r in sorted(store.runs(limit=50), key=lambda r: r["id"])]


# --- the replica: only the script's own value passes -----------------------------------------------------


def _cookies(page) -> dict[str, str]:
    return dict(part.split("=", 1) for part in page.headers["Set-Cookie"].split(";")[:1])


def test_challenge_answers_each_visit_with_a_new_value_to_compute():
    gate = ChallengeGate("412")
    first, second = gate.check(None, UA), gate.check(None, UA)
    assert first.status == second.status == 412
    assert b"$_ts" in first.body and first.body != second.body
    assert _cookies(first)[RS_SERVER_COOKIE] != _cookies(second)[RS_SERVER_COOKIE]


def test_challenge_lets_through_only_the_computed_value_for_the_same_user_agent():
    gate = ChallengeGate("412", max_uses=2)
    ticket = _cookies(gate.check(None, UA))[RS_SERVER_COOKIE]
    visit = gate._passes[ticket]
    good = clearance(visit.nonce, UA, visit.salt)
    assert gate.check(f"{RS_SERVER_COOKIE}={ticket}; {RS_SCRIPT_COOKIE}=0badc0de", UA).status == 412
    assert gate.check(f"{RS_SERVER_COOKIE}={ticket}; {RS_SCRIPT_COOKIE}={good}", "eduwatch/0.1").status == 412
    assert gate.check(f"{RS_SERVER_COOKIE}={ticket}; {RS_SCRIPT_COOKIE}={good}", UA) is None
    assert gate.check(f"{RS_SERVER_COOKIE}={ticket}; {RS_SCRIPT_COOKIE}={good}", UA) is None
    expired = gate.check(f"{RS_SERVER_COOKIE}={ticket}; {RS_SCRIPT_COOKIE}={good}", UA)
    assert expired is not None and expired.status == 412, "the clearance expires after max_uses requests"


@pytest.mark.parametrize(("status", "body", "expected"), [
    (412, b"<html><script>$_ts=window['$_ts']||{};</script></html>", "412"),
    (521, b"<script>document.cookie=('_')+('_')+('j')</script>", "521"),
    (412, "<html><title>安全验证</title><p>请完成验证后继续访问</p></html>".encode(), None),  # a plain block page
    (200, b"<html><script>var a=1;</script></html>", None),
    (404, b"<script>location.href='/'</script>", None),
], ids=["ruishu-412", "jsl-521", "412-without-script", "200-page", "404-page"])
def test_what_counts_as_a_challenge(status, body, expected):
    assert is_challenge(status, body) == expected


def test_a_configured_browser_that_is_not_there_names_the_fix(tmp_path):
    with pytest.raises(BrowserMissing, match=r"apt install chromium"):
        find_browser(str(tmp_path / "chromium"))


# --- crawls through Chromium --------------------------------------------------------------------------------


@needs_chromium
@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["412", "521"])
def test_site_behind_a_challenge_is_crawled_whole_through_expiring_clearances(tmp_path, mode):
    site = challenged_site(10, mode=mode, max_uses=5, per_page=4)
    with SiteServer({"wafsite": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config(site_entry(server, "wafsite"))
        first = ws.crawl()
        assert first.code == 0, first.err
        versions = stored(ws.db)
        assert sorted(versions) == sorted(server.url_for("wafsite", p) for p in site.article_paths())
        for url, (version,) in versions.items():
            assert version["title"] == site.article(url.split("/wafsite", 1)[1]).title
        assert run_stats(ws.db)[-1].get("error", 0) == 0
        assert site.gate.cleared >= 2, "the clearance expired mid-crawl and the crawl cleared it again"

        path = site.article_paths()[3]
        sentence = site.article(path).paragraphs[0].split("。")[0]
        site.edit_sentence(path, sentence, sentence + "，另行通知")
        again = ws.crawl()
        assert again.code == 0, again.err
        changes = ws.cli("changes", "--json").json()
        assert [(c["kind"], c["url"]) for c in changes] == [("changed", server.url_for("wafsite", path))]
        assert run_stats(ws.db)[-1].get("error", 0) == 0


@pytest.mark.e2e
def test_without_a_browser_the_crawl_says_what_to_install_and_records_no_change(tmp_path):
    site = challenged_site(4, per_page=2)
    with SiteServer({"wafsite": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config(f'[crawl]\nbrowser = "{tmp_path / "nowhere" / "chromium"}"\n\n' + site_entry(server, "wafsite"))
        result = ws.crawl()
        assert result.code == 1
        errors = [line for line in result.err.splitlines() if line.startswith("eduwatch: error:")]
        assert len(errors) == 1 and "apt install chromium" in errors[0] and "HTTP 412" in errors[0], result.err
        assert stored(ws.db) == {}
        assert ws.cli("changes", "--json").json() == []


@needs_chromium
@pytest.mark.e2e
def test_a_challenge_that_cannot_be_cleared_later_is_no_change_and_no_removal(tmp_path):
    site = challenged_site(4, per_page=2, max_uses=3)  # the kept clearance runs out in the next crawl
    with SiteServer({"wafsite": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config(site_entry(server, "wafsite"))
        assert ws.crawl().code == 0
        before = stored(ws.db)
        ws.write_config(f'[crawl]\nbrowser = "{tmp_path / "gone"}"\n\n' + site_entry(server, "wafsite"))
        assert ws.crawl().code == 1
        assert ws.crawl().code == 1
        assert stored(ws.db) == before, "a challenge page is never a new version"
        assert ws.cli("changes", "--json").json() == []


@needs_chromium
@pytest.mark.e2e
def test_render_reads_a_list_that_only_javascript_draws(tmp_path):
    site = drawn_list_site(6, per_page=3)
    with SiteServer({"drawn": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config(site_entry(server, "drawn"))
        assert ws.crawl().code == 0
        assert stored(ws.db) == {}, "without rendering the list holds no link"
        ws.write_config(site_entry(server, "drawn", "render = true"))
        result = ws.crawl()
        assert result.code == 0, result.err
        assert sorted(stored(ws.db)) == sorted(server.url_for("drawn", p) for p in site.article_paths())
        assert ws.cli("changes", "--json").json() == [], "turning render on is a rule change: a baseline, not news"


# --- `eduwatch probe` through a challenge ---------------------------------------------------------------------


@needs_chromium
@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["412", "521"])
def test_probe_goes_through_the_challenge_and_says_which_it_met(tmp_path, mode):
    site = challenged_site(6, mode=mode, per_page=4)
    with SiteServer({"wafsite": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config("")
        found = ws.cli("probe", server.url_for("wafsite", site.spec.list_path), "--json")
    assert found.code == 0, found.err
    report = found.json()
    assert report["challenge"] == mode and report["shape"] == "html"
    assert [a["title"] for a in report["articles"]] == [site.article(p).title for p in site.article_paths()[:3]]


@pytest.mark.e2e
def test_probe_without_a_browser_names_the_fix(tmp_path):
    site = challenged_site(3)
    with SiteServer({"wafsite": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config(f'[crawl]\nbrowser = "{tmp_path / "chromium"}"\n')
        result = ws.cli("probe", server.url_for("wafsite", site.spec.list_path))
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "HTTP 412" in lines[0] and "apt install chromium" in lines[0], result.err


@needs_chromium
@pytest.mark.e2e
def test_a_kept_clearance_lets_the_next_crawl_through_without_the_browser(tmp_path):
    site = challenged_site(4, per_page=2)  # a clearance that does not expire by itself
    with SiteServer({"wafsite": site}) as server:
        ws = Workspace(tmp_path, server)
        ws.write_config(site_entry(server, "wafsite"))
        assert ws.crawl().code == 0
        issued = site.gate.issued  # Scrapy's first request met it, then the browser did
        kept = ws.db.with_name(ws.db.name + "-clearances.json")
        assert kept.stat().st_mode & 0o077 == 0, "the cookies are a visitor's session: readable by the owner only"
        ws.write_config(f'[crawl]\nbrowser = "{tmp_path / "gone"}"\n\n' + site_entry(server, "wafsite"))
        again = ws.crawl()
        assert again.code == 0, again.err
        assert site.gate.issued == issued, "the kept cookies and UA passed: no new challenge, no browser"
        assert run_stats(ws.db)[-1].get("unchanged") == 4
