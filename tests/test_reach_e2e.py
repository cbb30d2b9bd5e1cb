"""Every list shape the target sites use, crawled from local replicas: all articles on list pages 1–3, titles and
bodies right, an edit → exactly one `changed`, a removed item → `removed`, 0 fetch errors on a clean run."""

from __future__ import annotations

import pytest

from crawler.demo.server import SiteServer
from storage import Store
from tests.conftest import Workspace
from tests.reach_sites import ARTICLES, reach_sites, site_block

pytestmark = pytest.mark.e2e  # starts servers and crawls
SHAPES = ["hanweb", "hanwebget", "script", "was5", "search", "zcy", "ggzy", "sc"]
CRAWL = "[crawl]\nremoval_confirmations = 1\n\n"


@pytest.fixture(scope="module")
def reach():
    with SiteServer(reach_sites()) as srv:
        yield srv


def article_url(server: SiteServer, name: str, path: str) -> str:
    site = server.sites[name]
    if name == "zcy":
        from crawler.demo.apis import article_id
        return server.url_for(name, f"/portal/detail?articleId={article_id(site.article(path))}")
    return server.url_for(name, path)


def last_run(db) -> dict:
    with Store(db) as store:
        return store.runs(limit=1)[0]["stats"]


def stored(db) -> dict[str, list[dict]]:
    with Store(db) as store:
        return {p["url"]: store.versions(p["url"]) for p in store.pages() if store.versions(p["url"])}


def hashes(db) -> dict[str, list[str]]:
    return {url: [v["content_hash"] for v in versions] for url, versions in stored(db).items()}


@pytest.mark.parametrize("name", SHAPES)
def test_a_shape_is_crawled_whole_and_its_edits_and_removals_found(tmp_path, reach, name):
    site = reach.sites[name]
    ws = Workspace(tmp_path, reach)
    ws.write_config(CRAWL + site_block(reach, name))
    first = ws.crawl()
    assert first.code == 0, first.err
    paths = site.article_paths()
    assert len(paths) == ARTICLES
    versions = stored(ws.db)
    assert sorted(versions) == sorted(article_url(reach, name, p) for p in paths)
    for path in paths:
        latest = versions[article_url(reach, name, path)][-1]
        assert latest["title"] == site.article(path).title
        assert site.article(path).paragraphs[0] in latest["article"]["body"]
    stats = last_run(ws.db)
    assert stats.get("error", 0) == 0 and stats["list_errors"] == 0, stats
    assert stats["list_pages"] == 3

    edited, removed = paths[6], paths[11]  # on list pages 2 and 3
    sentence = site.article(edited).paragraphs[0].split("。")[0]
    site.edit_sentence(edited, sentence, sentence + "，并于年底前完成验收")
    site.remove(removed)
    try:
        again = ws.crawl()
        assert again.code == 0, again.err
        changes = ws.cli("changes", "--json").json()
        kinds = sorted((c["kind"], c["url"]) for c in changes if c["kind"] != "health")
        assert kinds == sorted([("changed", article_url(reach, name, edited)),
                                ("removed", article_url(reach, name, removed))])
    finally:
        site.restore(removed)


def test_a_hanweb_proxy_that_refuses_the_way_the_page_shows_is_asked_the_other_way(tmp_path, reach):
    site = reach.sites["hanweb"]
    site.nextgroup = True  # the page shows a page=N GET link; the proxy answers only jpage's POST
    try:
        ws = Workspace(tmp_path, reach)
        ws.write_config(CRAWL + site_block(reach, "hanweb"))
        assert ws.crawl().code == 0
        assert len(stored(ws.db)) == ARTICLES
        assert last_run(ws.db)["list_errors"] == 0
    finally:
        site.nextgroup = False


def test_a_search_page_answering_安全验证_is_a_list_error_never_a_removal(tmp_path, reach):
    site = reach.sites["search"]
    ws = Workspace(tmp_path, reach)
    ws.write_config(CRAWL + site_block(reach, "search"))
    assert ws.crawl().code == 0
    before = hashes(ws.db)
    site.waf = True
    try:
        assert ws.crawl().code == 0
    finally:
        site.waf = False
    assert last_run(ws.db)["list_errors"] == 1
    assert hashes(ws.db) == before and ws.cli("changes", "--json").json() == []


def test_a_search_window_that_is_not_today_finds_nothing(tmp_path, reach):
    """The replica answers only a window ending on Beijing's today: the {date:...} placeholders made it so."""
    ws = Workspace(tmp_path, reach)
    fixed = site_block(reach, "search").replace("{date:%Y:%m:%d}", "2020:01:01")
    ws.write_config(CRAWL + fixed)
    assert ws.crawl().code == 0
    assert stored(ws.db) == {}


@pytest.mark.parametrize("override,table,what", [
    ({}, ("result.data.content", "result.data.nope"), "article"),
    ({}, ('content_type = "application/json"', 'content_type = "application/x-www-form-urlencoded"'), "list"),
], ids=["article-path-missing", "list-not-the-declared-shape"])
def test_a_json_answer_without_the_declared_shape_is_an_error_never_a_version(tmp_path, reach, override, table, what):
    ws = Workspace(tmp_path, reach)
    ws.write_config(CRAWL + site_block(reach, "zcy", **override).replace(*table))
    assert ws.crawl().code == 0
    stats = last_run(ws.db)
    assert stored(ws.db) == {} and ws.cli("changes", "--json").json() == []
    if what == "article":
        assert stats["error"] == ARTICLES and stats["list_errors"] == 0  # each article a fetch error
    else:
        assert stats["list_errors"] == 1 and stats.get("error", 0) == 0


def test_the_demo_config_crawls_the_shape_sites_and_detects_an_edit_on_each(tmp_path):
    """`eduwatch demo` mounts a Hanweb 教育厅, a 政采云-style portal and a date-window search beside the others."""
    from crawler.demo.reach_sites import add_shape_sites, edit_shape_sites
    from crawler.demo.run import write_config

    sites: dict = {}
    add_shape_sites(sites)
    with SiteServer(sites) as srv:
        ws = Workspace(tmp_path, srv)
        write_config(ws.config, srv, 25, ws.db)
        assert ws.crawl().code == 0
        with Store(ws.db) as store:
            runs = {r["sites"][0]: r["stats"] for r in store.runs(limit=10)}
        assert {name: (stats["baseline"], stats["list_errors"]) for name, stats in runs.items()} == {
            "zjjyt": (5, 0), "zcy": (5, 0), "ccgpsearch": (5, 0)}
        edited = edit_shape_sites(sites)
        assert ws.crawl().code == 0
        changed = sorted(c["site"] for c in ws.cli("changes", "--json").json() if c["kind"] == "changed")
        assert changed == ["ccgpsearch", "zcy", "zjjyt"] and len(edited) == 3


@pytest.mark.parametrize("name", ["hanwebget", "sc"])
def test_an_article_that_appears_on_a_shape_list_after_the_baseline_is_new(tmp_path, reach, name):
    site = reach.sites[name]
    late = site.article_paths()[0]
    site.remove(late)  # not on the list (nor served) when the baseline is taken
    try:
        ws = Workspace(tmp_path, reach)
        ws.write_config(CRAWL + site_block(reach, name))
        assert ws.crawl().code == 0
        assert len(stored(ws.db)) == ARTICLES - 1
    finally:
        site.restore(late)  # published: first on page 1
    assert ws.crawl().code == 0
    changes = [(c["kind"], c["url"]) for c in ws.cli("changes", "--json").json() if c["kind"] != "health"]
    assert changes == [("new", article_url(reach, name, late))]


def test_a_literal_list_page_with_only_start_urls_and_follow_gives_its_first_page(tmp_path, reach):
    """A WAS5 column's page 1 given as a plain list (no [sites.api]): its docs are read like a script literal."""
    from tests.reach_sites import WAS5_LIST

    site = reach.sites["was5"]
    ws = Workspace(tmp_path, reach)
    ws.write_config(CRAWL + "[[sites]]\nname = \"was5\"\n"
                    f'start_urls = ["{reach.url_for("was5", WAS5_LIST + "1")}"]\n'
                    r"follow = '/gzdt_gzdt/\d+/t\d+_\d+\.html$'" "\n")
    assert ws.crawl().code == 0
    assert sorted(stored(ws.db)) == sorted(reach.url_for("was5", p) for p in site.article_paths()[:5])
    assert last_run(ws.db)["list_errors"] == 0
