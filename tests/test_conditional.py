"""Rechecks ask the site "changed since?" with the validators kept in the database, and a 304 reuses the reading.

What the user relies on: every recheck still asks the site (never a stale copy), an unchanged page costs a
304 and one small fetch row (no new version, no new raw bytes), an edit after a 304 is still caught, and a
server error is recorded as an error, never answered with stored bytes.
"""

from __future__ import annotations

import sqlite3

import pytest

from storage import Store
from tests.conftest import site_toml

pytestmark = pytest.mark.e2e  # starts crawls and a server

EDIT = "（修订：报名截止时间延后一周。）"


def _counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                for table in ("pages", "versions", "raw", "fetches", "changes")}


def _article_hits(server, since: int) -> dict[str, int]:
    """Status of each article fetch the server answered after hit number `since` (list pages left out)."""
    articles = {f"/moe{p}" for p in server.sites["moe"].article_paths()}
    return {path: status for path, status in server.hits[since:] if path in articles}


@pytest.fixture
def crawled(workspace):
    """A moe site crawled once (the baseline): every article stored with the server's validators."""
    workspace.write_config(site_toml(workspace.server, ["moe"]))
    done = workspace.crawl()
    assert done.code == 0, done.err
    return workspace


def test_an_unchanged_recheck_is_answered_304_and_adds_only_fetch_rows(crawled):
    server, before = crawled.server, _counts(crawled.db)
    mark = len(server.hits)

    done = crawled.crawl()

    assert done.code == 0, done.err
    hits = _article_hits(server, mark)
    site = server.sites["moe"]
    full = {f"/moe{p}" for p in site.article_paths() if site.article(p).attachments}
    assert full and hits and {p: s for p, s in hits.items() if p not in full} == dict.fromkeys(set(hits) - full, 304), \
        "every known article without attachments was asked 'changed since?'"
    assert {hits[p] for p in full} == {200}, "a 304 carries no links: pages with attachments are fetched in full"
    after = _counts(crawled.db)
    assert {k: after[k] - before[k] for k in after} == {"pages": 0, "versions": 0, "raw": 0,
                                                         "fetches": len(hits), "changes": 0}
    with Store(crawled.db) as store:
        run = store.runs(limit=1)[0]
        url = server.url_for("moe", server.sites["moe"].article_paths()[0])
        fetch = store.fetches(url, limit=1)[0]
    assert run["stats"]["not_modified"] == len(hits) - len(full) and run["stats"]["extractions_reused"] == len(hits)
    assert run["stats"].get("unchanged") == len(hits) and run["stats"].get("changed", 0) == 0
    assert (fetch["status"], fetch["outcome"], fetch["raw_hash"]) == (304, "unchanged", None)


def test_an_edit_after_a_304_is_still_detected(crawled):
    server = crawled.server
    assert crawled.crawl().code == 0  # the recheck: all 304
    site = server.sites["moe"]
    path = next(p for p in site.article_paths()[1:] if not site.article(p).attachments)
    sentence = site.article(path).paragraphs[0].split("。")[0]
    site.edit_sentence(path, sentence, sentence + EDIT)
    mark = len(server.hits)

    done = crawled.crawl()

    assert done.code == 0, done.err
    hits = _article_hits(server, mark)
    assert hits[f"/moe{path}"] == 200 and 304 in hits.values()
    with Store(crawled.db) as store:
        changes = store.changes(limit=None)
        versions = store.versions(server.url_for("moe", path))
    assert [(c["kind"], c["url"]) for c in changes] == [("changed", server.url_for("moe", path))]
    assert len(versions) == 2 and EDIT in versions[-1]["article"]["body"]
    assert crawled.crawl().code == 0  # and the edited page's new validators give a 304 next time
    assert _article_hits(server, mark)[f"/moe{path}"] == 304


@pytest.mark.parametrize("settings", [[], ["-s", "HTTPCACHE_ENABLED=true"]], ids=["validators", "scrapy-cache"])
def test_a_server_error_is_recorded_never_answered_from_stored_bytes(workspace, settings):
    workspace.write_config(site_toml(workspace.server, ["moe"]))
    assert workspace.crawl(*settings).code == 0
    server, path = workspace.server, workspace.server.sites["moe"].article_paths()[0]
    url = server.url_for("moe", path)
    server.set_fault(f"/moe{path}", "500")

    done = workspace.crawl(*settings)

    assert done.code == 0, done.err
    with Store(workspace.db) as store:
        fetch = store.fetches(url, limit=1)[0]
        page = store.page(url)
        assert (fetch["status"], fetch["outcome"]) == (500, "error")
        assert "HTTP 500" in fetch["error"] and page["last_status"] == 500
        assert len(store.versions(url)) == 1 and store.changes(limit=None) == []
    server.clear_fault()
    mark = len(server.hits)
    assert workspace.crawl(*settings).code == 0  # healed: the page is fine and was never blanked
    with Store(workspace.db) as store:
        assert store.fetches(url, limit=1)[0]["outcome"] == "unchanged"
    if not settings:
        assert _article_hits(server, mark)[f"/moe{path}"] == 304, "the error left the stored validators alone"
