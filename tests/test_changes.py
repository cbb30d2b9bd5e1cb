"""Change detection as a user sees it: noise raises nothing, every real edit is reported with its wording."""

from __future__ import annotations

import pytest

from storage import Store
from tests.conftest import site_toml

ALL = ["caigou", "moe", "moe_old", "ccgp", "ceiea", "zj", "gd", "portal"]


def url_of(server, name: str, index: int = 0) -> tuple[str, str]:
    site = server.sites[name]
    path = [p for p in site.article_paths() if site.article(p).kind != "members_only"][index]
    return path, server.url_for(name, path)


def changes(workspace) -> list[dict]:
    result = workspace.cli("changes", "--json")
    assert result.code == 0, result.err
    return result.json()


@pytest.fixture
def baselined(workspace, server):
    workspace.write_config(site_toml(server, ALL))
    first = workspace.crawl()
    assert first.code == 0, first.err
    assert changes(workspace) == [], "a site's first crawl is its baseline: no alerts"
    return workspace


def test_noise_only_rerenders_raise_no_change(baselined, server):
    knobs = [("caigou", {"views": 31337}), ("caigou", {"related_seed": 3, "ad_variant": 2}),
             ("moe", {"related_seed": 5, "share_variant": 1}), ("moe", {"reorder": True, "footer_year": 2026}),
             ("moe_old", {"reorder": True}), ("ccgp", {"nonce": "f00dbabe"}), ("ceiea", {"views": 4242}),
             ("portal", {"recent_seed": 9}), ("zj", {"share_variant": 2, "reorder": True}),
             ("gd", {"footer_year": 2030, "ad_variant": 1})]
    for name, noise in knobs:
        site = server.sites[name]
        for path in site.article_paths():
            site.set_noise(path, **noise)
    second = baselined.crawl()
    assert second.code == 0, second.err
    assert changes(baselined) == []


def test_real_edits_are_each_reported_with_old_and_new_wording(baselined, server):
    moe_path, moe_url = url_of(server, "moe")
    old_sentence = server.sites["moe"].article(moe_path).paragraphs[0].split("。")[0] + "。"
    new_sentence = old_sentence.replace("。", "，经费增加到三百万元。")
    server.sites["moe"].edit_sentence(moe_path, old_sentence, new_sentence)

    ccgp = server.sites["ccgp"]
    tender = next(p for p in ccgp.article_paths() if "预算金额" in ccgp.article(p).fields)
    old_budget = ccgp.article(tender).fields["预算金额"]
    ccgp.set_field(tender, "预算金额", "9,990,000.00元")

    zj_path, zj_url = url_of(server, "zj")
    server.sites["zj"].append_paragraph(zj_path, "补充通知：报名截止时间延长至十二月底。")
    moe_att_path, moe_att_url = url_of(server, "moe", 1)
    server.sites["moe"].add_attachment(moe_att_path, "补充通知", "./W020240301999.pdf")

    gd_path, gd_url = url_of(server, "gd")
    old_title = server.sites["gd"].article(gd_path).title
    server.sites["gd"].set_title(gd_path, old_title + "（修订）")

    second = baselined.crawl()
    assert second.code == 0, second.err
    found = {c["url"]: c for c in changes(baselined)}
    assert set(found) == {moe_url, moe_att_url, server.url_for("ccgp", tender), zj_url, gd_url}
    assert all(c["kind"] == "changed" and c["version"] == 2 and c["previous_version"] == 1 for c in found.values())
    assert old_sentence in found[moe_url]["diff"] and new_sentence in found[moe_url]["diff"]
    assert f"预算金额: {old_budget} → 9,990,000.00元" in found[server.url_for("ccgp", tender)]["diff"]
    assert "补充通知：报名截止时间延长至十二月底。" in found[zj_url]["diff"]
    assert "补充通知" in found[moe_att_url]["diff"] and "W020240301999.pdf" in found[moe_att_url]["diff"]
    assert old_title in found[gd_url]["diff"] and old_title + "（修订）" in found[gd_url]["diff"]

    diff = baselined.cli("diff", moe_url)
    assert diff.code == 0 and old_sentence in diff.out and new_sentence in diff.out


def test_removal_is_reported_only_after_confirmation_then_restored(baselined, server):
    path, url = url_of(server, "caigou", 1)
    server.sites["caigou"].remove(path)
    assert baselined.crawl().code == 0
    assert changes(baselined) == [], "one failed check is not a removal"
    assert baselined.crawl().code == 0
    removed = changes(baselined)
    assert [(c["url"], c["kind"]) for c in removed] == [(url, "removed")]

    server.sites["caigou"].restore(path)
    assert baselined.crawl().code == 0
    kinds = [(c["url"], c["kind"]) for c in changes(baselined)]
    assert kinds[0] == (url, "restored")
    with Store(baselined.db) as store:
        assert store.page(url)["state"] == "active"
        assert len(store.versions(url)) == 1, "same content back: no new version"


def test_a_new_article_after_baseline_is_reported_as_new(baselined, server):
    moe = server.sites["moe"]
    path = moe.article_paths()[0]
    # a fresh site where one article only appears after the baseline crawl
    assert baselined.crawl().code == 0
    moe.remove(path)
    assert changes(baselined) == []
    moe.restore(path)
    assert baselined.crawl().code == 0
    assert all(c["kind"] != "new" for c in changes(baselined)), "a known article coming back is not new"


@pytest.mark.parametrize("fault", ["503", "waf", "delay", "truncate", "reset", "soft404", "redirect_home"])
def test_fetch_errors_never_count_as_changes_and_never_blank_content(baselined, server, fault):
    path, url = url_of(server, "moe", 2)
    with Store(baselined.db) as store:
        before = store.latest_version(url)
    server.set_fault(f"/moe{path}", fault, seconds=8)
    assert baselined.crawl("--site", "moe").code == 0
    assert [c for c in changes(baselined) if c["kind"] != "removed"] == []
    with Store(baselined.db) as store:
        after = store.latest_version(url)
        fetches = store.fetches(url)
    assert after["content_hash"] == before["content_hash"] and after["version"] == before["version"]
    assert fetches[0]["outcome"] in ("error", "missing")
    assert changes(baselined) == [], "one soft-404 or redirect home is unconfirmed, so nothing is reported yet"


def test_a_redirect_to_the_home_page_twice_is_a_removal(baselined, server):
    path, url = url_of(server, "gd", 1)
    server.set_fault(f"/gd{path}", "redirect_home")
    assert baselined.crawl("--site", "gd").code == 0
    assert changes(baselined) == []
    assert baselined.crawl("--site", "gd").code == 0
    assert [(c["url"], c["kind"]) for c in changes(baselined)] == [(url, "removed")]
