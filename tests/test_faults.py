"""A crawl survives a server that misbehaves on purpose: errors are recorded per URL, content is never blanked.

One baselined site; then a crawl where ten articles each fail a different way, one list page fails, and one
article is edited between its list page and its own fetch; then a crawl with the server healed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from storage import Store
from tests.conftest import FAST, CliResult, run_cli

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses

# fault id -> (server fault mode, a fragment the recorded error must hold, case-insensitive)
FAULTS = {
    "timeout": ("delay", "timeout"),
    "reset": ("reset", "connection"),
    "http500": ("500", "HTTP 500"),
    "http503_retry_after": ("503", "HTTP 503"),
    "http429": ("429", "HTTP 429"),
    "truncated_body": ("truncate", ""),
    "huge_20mb": ("huge", "too large"),
    "redirect_loop": ("redirect_loop", "redirect"),
    "broken_gzip": ("bad_gzip", ""),
    "waf_412": ("waf", "412"),
}
EDITED_INDEX = 20  # on list page 3: edited after its list page is served, before the article is fetched
ADDED = "（列表抓取后修订：截止时间延后一周。）"
FAULT_ARGS = ["-s", "DOWNLOAD_TIMEOUT=3", "-s", "RETRY_TIMES=1"]


@dataclass
class FaultRun:
    server: SiteServer
    db: Path
    urls: dict[str, str]  # fault id -> article URL
    edited_url: str
    good_urls: list[str]
    faulty: CliResult
    healed: CliResult
    changes_faulty: list[dict]
    changes_healed: list[dict]
    before: dict[str, dict] = field(default_factory=dict)  # url -> latest version after the baseline


def _crawl(db: Path, config: Path, *extra: str) -> CliResult:
    return run_cli("crawl", "--db", str(db), "--config", str(config), *FAST, *extra, timeout=120)


def _changes(db: Path, config: Path) -> list[dict]:
    result = run_cli("changes", "--json", "--db", str(db), "--config", str(config))
    assert result.code == 0, result.err
    return result.json()


def _edit_when_list_served(site, list_path: str, article_path: str) -> None:
    """Server hook: the article changes right after the list page linking it is rendered (once)."""
    original = site.render
    pending = [True]

    def render(path: str):
        page = original(path)
        if path == list_path and pending and pending.pop():
            sentence = site.article(article_path).paragraphs[0].split("。")[0]
            site.edit_sentence(article_path, sentence, sentence + ADDED)
        return page

    site.render = render


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> FaultRun:
    tmp = tmp_path_factory.mktemp("faults")
    site = build_site("moe", 30, seed=11, per_page=10)
    with SiteServer({"moe": site}) as server:
        config, db = tmp / "eduwatch.toml", tmp / "eduwatch.db"
        config.write_text(f'[[sites]]\nname = "moe"\nstart_urls = ["{server.url_for("moe", site.spec.list_path)}"]\n'
                          'spider = "moe"\nmax_list_pages = 10\n', encoding="utf-8")
        paths = site.article_paths()
        baseline = _crawl(db, config)
        assert baseline.code == 0, baseline.err
        assert _changes(db, config) == []
        urls = {fid: server.url_for("moe", paths[k]) for k, fid in enumerate(FAULTS)}
        for k, (mode, _) in enumerate(FAULTS.values()):
            server.set_fault(f"/moe{paths[k]}", mode, seconds=10, retry_after=1)
        failing_list = site.list_paths()[1]
        server.set_fault(f"/moe{failing_list}", "500")
        _edit_when_list_served(site, site.list_paths()[2], paths[EDITED_INDEX])
        edited_url = server.url_for("moe", paths[EDITED_INDEX])
        good = [server.url_for("moe", p) for p in paths if server.url_for("moe", p) not in (*urls.values(), edited_url)]
        with Store(db) as store:
            before = {u: store.latest_version(u) for u in (*urls.values(), *good)}
        faulty = _crawl(db, config, *FAULT_ARGS)
        changes_faulty = _changes(db, config)
        server.clear_fault()
        healed = _crawl(db, config, *FAULT_ARGS)
        changes_healed = _changes(db, config)
        yield FaultRun(server, db, urls, edited_url, good, faulty, healed, changes_faulty, changes_healed, before)


def test_the_faulty_crawl_finishes_with_exit_0_and_no_traceback(run):
    assert run.faulty.code == 0, run.faulty.err
    assert "Traceback" not in run.faulty.err


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_each_fault_is_recorded_against_its_url_and_content_is_kept(run, fault):
    url = run.urls[fault]
    with Store(run.db) as store:
        fetches = store.fetches(url)
        latest = store.latest_version(url)
        page = store.page(url)
    faulty_check = fetches[1]  # newest first: healed crawl, faulty crawl, baseline
    assert faulty_check["outcome"] == "error", faulty_check
    assert faulty_check["error"], "the reason must be recorded"
    assert FAULTS[fault][1].lower() in faulty_check["error"].lower(), faulty_check["error"]
    before = run.before[url]
    assert latest["version"] == before["version"] == 1
    assert latest["content_hash"] == before["content_hash"]
    assert latest["article"]["body"] == before["article"]["body"] and latest["article"]["body"].strip()
    assert page["state"] == "active"
    assert fetches[0]["outcome"] == "unchanged", "once the server heals, the page is simply unchanged"


def test_every_good_page_was_checked_and_kept_unchanged(run):
    with Store(run.db) as store:
        for url in run.good_urls:
            fetches = store.fetches(url)
            assert [f["outcome"] for f in fetches[:2]] == ["unchanged", "unchanged"], url
            assert store.latest_version(url)["content_hash"] == run.before[url]["content_hash"]


def test_a_failing_list_page_is_counted_and_its_articles_are_still_rechecked(run):
    with Store(run.db) as store:
        faulty_run = sorted(store.runs(limit=10), key=lambda r: r["id"])[1]
        list_page_2 = [run.server.url_for("moe", p) for p in run.server.sites["moe"].article_paths()[10:20]]
        outcomes = {u: store.fetches(u)[1]["outcome"] for u in list_page_2}
    assert faulty_run["stats"]["list_errors"] >= 1
    assert set(outcomes.values()) == {"unchanged"}, outcomes


def test_no_false_change_only_the_real_edit_is_reported(run):
    # Known articles are rechecked concurrently with the list walk, so the edited article may be fetched
    # just before or just after its list page: the edit is reported by the faulty crawl or, at the latest,
    # by the healed one — exactly once, and nothing else ever is.
    assert [(c["url"], c["kind"]) for c in run.changes_faulty] in ([], [(run.edited_url, "changed")])
    assert [(c["url"], c["kind"]) for c in run.changes_healed] == [(run.edited_url, "changed")]
    assert ADDED in run.changes_healed[0]["diff"]
    assert run.healed.code == 0, run.healed.err
