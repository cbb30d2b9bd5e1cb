"""Tracking features a demanding user relies on: 更正公告 linking, re-extraction without alerts, health alerts,
and the extraction guard."""

from __future__ import annotations

import pytest

from crawler.model import Article
from crawler.track.detect import Signal, decide
from storage import Store
from tests.conftest import site_toml

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses


def test_a_correction_notice_is_linked_to_the_announcement_it_corrects(workspace, server):
    ccgp = server.sites["ccgp"]
    correction = next(p for p in ccgp.article_paths() if ccgp.article(p).kind == "correction")
    tender = next(p for p in ccgp.article_paths() if ccgp.article(p).kind == "tender"
                  and ccgp.article(p).fields["项目编号"] == ccgp.article(correction).fields["项目编号"])
    ccgp.remove(correction)  # published only after the baseline crawl
    workspace.write_config(site_toml(server, ["ccgp"]))
    assert workspace.crawl().code == 0
    ccgp.restore(correction)
    assert workspace.crawl().code == 0

    [change] = workspace.cli("changes", "--json").json()
    assert change["kind"] == "new" and change["url"] == server.url_for("ccgp", correction)
    assert change["related_url"] == server.url_for("ccgp", tender)
    old_time = ccgp.article(tender).fields["开标时间"]
    new_time = ccgp.article(correction).fields["开标时间"]
    assert old_time != new_time
    assert f"开标时间: {old_time} → {new_time}" in change["diff"]
    assert ccgp.article(correction).fields["项目编号"] in change["diff"]


def test_reextract_rebuilds_versions_from_raw_pages_without_alerts(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    assert workspace.crawl().code == 0
    url = server.url_for("moe", server.sites["moe"].article_paths()[0])
    with Store(workspace.db) as store:
        good = store.latest_version(url)
        damaged = dict(good["article"], body="(an older extractor's output)")
        with store.transaction():
            store.replace_version_article(url, 1, damaged, Article.from_dict(damaged).content_hash())
    result = workspace.cli("reextract")
    assert result.code == 0, result.err
    assert "1 rewritten" in result.out
    with Store(workspace.db) as store:
        assert store.latest_version(url)["content_hash"] == good["content_hash"]
    assert workspace.cli("changes", "--json").json() == []
    assert workspace.crawl().code == 0
    assert workspace.cli("changes", "--json").json() == [], "after re-extraction, a recrawl sees no change"


def test_a_site_whose_lists_suddenly_yield_nothing_raises_a_health_alert(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    assert workspace.crawl().code == 0
    moe = server.sites["moe"]
    for path in moe.list_paths():
        server.set_fault(f"/moe{path}", "soft404")  # a layout change: the list page has no article links
    assert workspace.crawl().code == 0
    health = [c for c in workspace.cli("changes", "--json").json() if c["kind"] == "health"]
    assert len(health) == 1
    assert "no articles" in health[0]["diff"]


def article(body: str, extractor: str = "moe") -> Article:
    return Article(url="http://x/a.html", title="标题", body=body, extractor=extractor)


def test_a_collapsed_body_is_an_extraction_problem_not_an_edit():
    old = article("第一段。" * 200)
    new = article("分享到：", extractor="generic")
    verdict = decide(signal=Signal("ok"), state="active", miss_count=0, latest_hash=old.content_hash(),
                     latest_body_len=len(old.body), article=new, found_on_list=True, baselined=True,
                     confirmations=2)
    assert verdict.change is None and not verdict.store_version
    assert verdict.outcome == "flagged" and "extraction problem" in verdict.reason


def test_an_ordinary_edit_is_a_change():
    old = article("第一段。" * 200)
    new = article("第一段。" * 199 + "第二段。")
    verdict = decide(signal=Signal("ok"), state="active", miss_count=0, latest_hash=old.content_hash(),
                     latest_body_len=len(old.body), article=new, found_on_list=True, baselined=True,
                     confirmations=2)
    assert verdict.change == "changed" and verdict.store_version


def test_scrapy_list_shows_the_four_site_spiders_and_the_generic_one():
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["caigou", "ccgp", "ceiea", "generic", "moe"]


def test_a_run_abandoned_by_a_killed_crawl_is_closed_by_the_next_crawl(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    with Store(workspace.db) as store:
        stale = store.start_run(kind="crawl", sites=["moe"], started_at="2026-01-01T00:00:00+00:00")
    assert workspace.crawl().code == 0
    with Store(workspace.db) as store:
        runs = {run["id"]: run for run in store.runs()}
    # `eduwatch crawl` holds the site's crawl lock, so no other local crawl of it is alive: the stale run was
    # a killed process's, closed as interrupted (never baselined on)
    assert runs[stale]["status"] == "interrupted" and runs[stale]["stats"]["finish_reason"] == "process gone"
    assert [run["status"] for run_id, run in runs.items() if run_id != stale] == ["ok"]
