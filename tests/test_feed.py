"""Atom feeds of changes: a real feed parser accepts them (no bozo), ids stay put, filters filter."""

from __future__ import annotations

import feedparser

from crawler.web.feed import FeedFilter, atom_feed, change_id
from storage import Store

URL = "http://www.ccgp.gov.cn/cggg/dfgg/gkzb/202506/t20250627_1.htm"
OTHER = "http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202506/t20250627_2.html"


def _store(tmp_path) -> Store:
    store = Store(tmp_path / "eduwatch.db")
    for url, site in ((URL, "ccgp"), (OTHER, "moe")):
        store.upsert_page(url, site, "2025-06-27T01:00:00+00:00")
    store.add_change(url=URL, site="ccgp", kind="new", detected_at="2025-06-27T01:00:00+00:00",
                     title="智慧黑板采购项目公开招标公告", version=1, previous_version=None,
                     diff_text="+ 预算金额: 386万元", diff_html=None, summary="新文章", run_id=None)
    store.add_change(url=URL, site="ccgp", kind="changed", detected_at="2025-06-30T02:00:00+00:00",
                     title="智慧黑板采购项目公开招标公告 <b>&</b>\x07", version=2, previous_version=1,
                     diff_text="- 开标时间: 2025年07月18日 09:30\n+ 开标时间: 2025年07月25日 09:30",
                     diff_html="<del>2025年07月18日</del><ins>2025年07月25日</ins>",
                     summary="开标时间: 2025年07月18日 09:30 → 2025年07月25日 09:30", run_id=None)
    store.add_change(url=OTHER, site="moe", kind="new", detected_at="2025-06-29T02:00:00+00:00",
                     title="教育部关于实验室安全的通知", version=1, previous_version=None,
                     diff_text="+ 实验室安全", diff_html=None, summary="新文章", run_id=None)
    return store


def _parse(data: bytes):
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_feed_parses_with_one_entry_per_change_newest_first(tmp_path):
    with _store(tmp_path) as store:
        changes = store.feed_changes()
    parsed = _parse(atom_feed(changes, web_base="http://watch.example:8080", self_url="http://watch.example:8080/feed.atom"))
    assert [e.updated for e in parsed.entries] == [
        "2025-06-30T02:00:00+00:00", "2025-06-29T02:00:00+00:00", "2025-06-27T01:00:00+00:00"]
    assert parsed.feed.links[0].href == "http://watch.example:8080/feed.atom"
    edit = parsed.entries[0]
    assert edit.title == "[更新] 智慧黑板采购项目公开招标公告 <b>&</b>", "markup in a title is text, not tags"
    assert edit.id == change_id(changes[0]) and edit.id.startswith("urn:uuid:")
    assert edit.link == f"http://watch.example:8080/diff?url={URL.replace(':', '%3A').replace('/', '%2F')}&from=1&to=2"
    assert URL in [link.href for link in edit.links]
    assert "开标时间: 2025年07月18日 09:30 → 2025年07月25日 09:30" in edit.summary
    assert "<del>2025年07月18日</del>" in edit.content[0].value
    assert parsed.entries[2].link.startswith("http://watch.example:8080/page?url=") and parsed.entries[2].link.endswith(
        "&v=1"), "a new article has no diff: its entry opens the stored page"
    assert "+ 预算金额: 386万元" in parsed.entries[2].content[0].value


def test_entry_ids_are_stable_across_runs_and_distinct_per_change(tmp_path):
    with _store(tmp_path) as store:
        first = [e.id for e in _parse(atom_feed(store.feed_changes())).entries]
        again = [e.id for e in _parse(atom_feed(store.feed_changes())).entries]
    assert first == again and len(set(first)) == 3


def test_without_a_web_view_entries_link_the_article(tmp_path):
    with _store(tmp_path) as store:
        parsed = _parse(atom_feed(store.feed_changes()))
    assert [e.link for e in parsed.entries] == [URL, OTHER, URL]


def test_site_kind_and_keyword_filters(tmp_path):
    with _store(tmp_path) as store:
        assert [c["url"] for c in store.feed_changes(site="moe")] == [OTHER]
        assert [c["kind"] for c in store.feed_changes(kind="changed")] == ["changed"]
        assert [c["url"] for c in store.feed_changes(keyword="实验室")] == [OTHER]
        assert [c["version"] for c in store.feed_changes(keyword="开标")] == [2], "keywords search the diff too"
        assert store.feed_changes(site="ccgp", keyword="实验室") == []
        flt = FeedFilter(site="ccgp", keyword="开标")
        parsed = _parse(atom_feed(store.feed_changes(site="ccgp", keyword="开标"), flt=flt))
    assert parsed.feed.title == "eduwatch 变更（站点 ccgp，关键词 开标）"


def test_an_empty_feed_is_still_valid(tmp_path):
    with Store(tmp_path / "e.db") as store:
        assert _parse(atom_feed(store.feed_changes())).entries == []


def test_a_site_health_entry_links_the_list_page_even_with_a_web_view(tmp_path):
    health = {"url": "http://www.ccgp.gov.cn/cggg/dfgg/", "site": "ccgp", "kind": "health", "title": "列表页连续失败",
              "detected_at": "2025-06-30T02:00:00+00:00", "version": None, "previous_version": None,
              "summary": "站点异常", "diff_text": "HTTP 503", "diff_html": None}
    entry = _parse(atom_feed([health], web_base="http://watch.example:8080")).entries[0]
    assert entry.link == "http://www.ccgp.gov.cn/cggg/dfgg/" and entry.title == "[站点异常] 列表页连续失败"
