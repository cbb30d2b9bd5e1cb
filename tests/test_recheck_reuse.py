"""A recheck that fetches the very bytes a version was read from reuses that reading instead of extracting again.

What the user relies on: rechecks of static pages are cheap, an eduwatch upgrade with a different extractor
does not report every unchanged page as edited, and an edit is never hidden by the shortcut.
"""

from __future__ import annotations

import pytest

from crawler.config import Config
from crawler.model import FetchedPage
from crawler.track.recorder import PageRecorder, RunContext
from crawler.track.reextract import reextract
from storage import Store
from tests.conftest import FAST, run_cli, site_toml

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses

URL = "http://x.test/notice.html"
BODY = ("<html><head><title>关于开展教育装备采购的通知</title></head><body><h1>关于开展教育装备采购的通知</h1>"
        "<div class='TRS_Editor'><p>各有关单位：现就教育装备采购工作通知如下，请认真做好准备。</p>"
        "<p>联系人与电话见附件，预算金额以正式公告为准。</p></div></body></html>").encode()


def _page(body: bytes = BODY, *, charset: str | None = "utf-8", final_url: str = URL) -> FetchedPage:
    return FetchedPage(url=URL, site="pages", final_url=final_url, status=200, body=body, http_charset=charset,
                       fetched_at="2026-11-23T08:00:00+00:00", list_url="http://x.test/list")


def _recorder(store: Store, db) -> PageRecorder:
    run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-11-23T08:00:00+00:00")
    return PageRecorder(RunContext(str(db), Config(path=None), "pages", run, False), store)  # a baseline run


def _store_old_reading(store: Store, recorder: PageRecorder) -> dict:
    """Version 1 of URL as an older extractor read BODY: the same page, one paragraph short."""
    recorder.record(_page())
    old = store.latest_version(URL)["article"]
    old["body"] = old["body"].split("\n")[0]
    store.replace_version_article(URL, 1, old, _content_hash(old))
    return old


def _content_hash(article: dict) -> str:
    from crawler.model import Article

    return Article.from_dict(article).content_hash()


def test_identical_bytes_reuse_the_stored_reading_so_an_extractor_upgrade_raises_no_false_edit(tmp_path):
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        old = _store_old_reading(store, recorder)

        recorded = recorder.record(_page())

        assert (recorded.outcome, recorded.reused) == ("unchanged", True)
        assert [v["article"]["body"] for v in store.versions(URL)] == [old["body"]], "no new version"
        assert store.changes(limit=None) == []


def test_other_bytes_a_new_charset_header_or_another_final_url_are_extracted_afresh(tmp_path):
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        _store_old_reading(store, recorder)
        edited = BODY.replace("请认真做好准备".encode(), "请于12月1日前报名".encode())

        assert recorder.extract_page(_page(charset="gbk")).reused_hash is None
        assert recorder.extract_page(_page(final_url=URL + "?from=list")).reused_hash is None
        recorded = recorder.record(_page(edited))

        assert (recorded.outcome, recorded.reused) == ("changed", False)
        assert "12月1日前报名" in store.latest_version(URL)["article"]["body"]


def test_a_reextract_between_lookup_and_write_is_noticed_and_raises_no_false_edit(tmp_path):
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        _store_old_reading(store, recorder)
        looked_up = recorder.extract_page(_page())  # the old reading, about to be written as "unchanged"
        assert looked_up.reused_hash is not None

        assert reextract(store).rewritten == 1  # meanwhile: the stored reading is renewed from the raw bytes
        recorded = recorder.write(_page(), looked_up)

        assert (recorded.outcome, recorded.reused) == ("unchanged", False)
        assert len(store.versions(URL)) == 1 and store.changes(limit=None) == []


def test_an_unchanged_recheck_of_a_site_reuses_every_stored_reading(tmp_path, server):
    config, db = tmp_path / "eduwatch.toml", tmp_path / "eduwatch.db"
    config.write_text(site_toml(server, ["moe"]), encoding="utf-8")
    for _ in range(2):
        done = run_cli("crawl", "--config", str(config), "--db", str(db), *FAST)
        assert done.code == 0, done.err

    with Store(db) as store:
        second, first = store.runs(limit=2)
    assert first["stats"]["extractions_reused"] == 0
    assert second["stats"]["pages"] == first["stats"]["pages"] > 0
    assert second["stats"]["extractions_reused"] == second["stats"]["pages"]
    assert second["stats"].get("changed", 0) == 0
