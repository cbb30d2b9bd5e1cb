"""A user crawls fixture sites in every known template: list pages → articles, one version each, no duplicates."""

from __future__ import annotations

import pytest

from storage import Store
from tests.conftest import site_toml

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses


def versions_by_url(db) -> dict[str, int]:
    with Store(db) as store:
        counts = {page["url"]: len(store.versions(page["url"])) for page in store.pages()}
    return {url: n for url, n in counts.items() if n}


def public_articles(server, name: str) -> list[str]:
    """The article URLs of a fixture site that carry a public body (members-only pages have none)."""
    site = server.sites[name]
    return [server.url_for(name, p) for p in site.article_paths() if site.article(p).kind != "members_only"]


@pytest.mark.parametrize("name", ["caigou", "moe", "moe_old", "ccgp", "ceiea", "zj", "gd", "portal"])
def test_each_spider_stores_exactly_one_version_per_article(workspace, server, name):
    workspace.write_config(site_toml(server, [name]))
    first = workspace.crawl("--site", name)
    assert first.code == 0, first.err
    stored = versions_by_url(workspace.db)
    expected = public_articles(server, name)
    assert sorted(stored) == sorted(expected)
    assert set(stored.values()) == {1}

    again = workspace.crawl("--site", name)
    assert again.code == 0, again.err
    assert "Disabled" not in first.err + again.err, "a single-machine crawl names no cluster component"
    assert versions_by_url(workspace.db) == stored, "an unchanged site must add no versions"
    assert workspace.cli("changes", "--json").json() == []


def test_pagination_reaches_every_list_page(tmp_path, big_site):
    from crawler.demo.server import SiteServer
    from tests.conftest import Workspace

    with SiteServer({"moe": big_site}) as srv:
        ws = Workspace(tmp_path, srv)
        ws.write_config(site_toml(srv, ["moe"]))
        assert ws.crawl().code == 0
        assert len(versions_by_url(ws.db)) == 45


def test_history_json_shows_the_single_version(workspace, server):
    workspace.write_config(site_toml(server, ["moe"]))
    assert workspace.crawl().code == 0
    url = public_articles(server, "moe")[0]
    history = workspace.cli("history", url, "--json").json()
    assert len(history) == 1
    entry = history[0]
    assert entry["version"] == 1 and entry["title"] == server.sites["moe"].article(url.split("/moe", 1)[1]).title
    assert entry["first_seen"] and entry["last_seen"] and len(entry["content_hash"]) == 64


def test_crawl_single_url_then_recrawl_adds_nothing(workspace, server):
    workspace.write_config("")
    url = public_articles(server, "ccgp")[0]
    first = workspace.crawl("--url", url)
    assert first.code == 0, first.err
    assert versions_by_url(workspace.db) == {url: 1}
    assert workspace.crawl("--url", url).code == 0
    assert versions_by_url(workspace.db) == {url: 1}
    assert len(workspace.cli("history", url, "--json").json()) == 1


def test_a_url_crawl_of_a_configured_site_gives_no_health_verdict(workspace, server):
    """`crawl --url ARTICLE` walks no list page: "the list pages yielded no articles" would be a false alarm."""
    workspace.write_config(site_toml(server, ["moe"], recipients=["ops@example.org"]))
    assert workspace.crawl().code == 0
    for _ in range(3):  # as many as the site's failure threshold
        result = workspace.crawl("--url", public_articles(server, "moe")[0])
        assert result.code == 0, result.err
    assert workspace.cli("changes", "--json").json() == []
    with Store(workspace.db) as store:
        assert store.site("moe")["consecutive_failures"] == 0


def test_gbk_site_is_stored_as_correct_text(workspace, server):
    workspace.write_config(site_toml(server, ["ceiea"]))
    assert workspace.crawl().code == 0
    url = public_articles(server, "ceiea")[0]
    record = workspace.cli("history", url, "--json").json()[0]
    title = server.sites["ceiea"].article(url.split("/ceiea", 1)[1]).title
    assert record["title"] == title
    with Store(workspace.db) as store:
        body = store.latest_version(url)["article"]["body"]
    assert "\ufffd" not in body and len(body) > 20


def test_a_local_crawl_lists_only_the_database_pipeline_even_in_a_node_shell(monkeypatch):
    from crawler.config import Config
    from crawler.fetch.runner import scrapy_settings

    monkeypatch.setenv("EDUWATCH_STREAM", "redis://127.0.0.1:1/0")  # left over from running a node
    pipelines = scrapy_settings("x.db", Config(path=None), {}).getdict("ITEM_PIPELINES")
    assert list(pipelines) == ["crawler.fetch.pipelines.SnapshotPipeline"]


def test_a_crawl_reports_only_its_own_runs_even_one_that_failed_in_the_same_second(workspace, server):
    """A crawl that failed a moment ago (here: stamped a minute ahead, as a clock step would) is not this crawl's
    failure: the report and the exit status are the new crawl's alone."""
    from datetime import UTC, datetime, timedelta

    workspace.write_config(site_toml(server, ["moe"]))
    with Store(workspace.db) as store:
        soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat(timespec="seconds")
        run = store.start_run(kind="crawl", sites=["moe"], started_at=soon)
        store.finish_run(run, finished_at=soon, status="failed", stats={"finish_reason": "disk full"})
    done = workspace.crawl()
    assert done.code == 0, done.err
    assert f"run {run} " not in done.out and "did not finish" not in done.err, done.out + done.err
