"""`eduwatch probe` on each list shape prints a block that, pasted into a config, crawls every article of page 1."""

from __future__ import annotations

import shutil

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from crawler.sources.template import today
from storage import Store
from tests.conftest import Workspace
from tests.reach_sites import WAS5_LIST, reach_sites

pytestmark = pytest.mark.e2e  # starts servers, crawls and the CLI


@pytest.fixture(scope="module")
def shapes():
    with SiteServer({**reach_sites(), "moe": build_site("moe", 12, per_page=5)}) as srv:
        yield srv


def search_url(server: SiteServer) -> str:
    start, end = today().replace(day=1).strftime("%Y:%m:%d"), today().strftime("%Y:%m:%d")
    return server.url_for("search", f"/bxsearch?searchtype=1&page_index=1&kw=&start_time={start}&end_time={end}")


PAGES = {"hanweb": "/col/col1532973/index.html", "script": "/zxzx/tzgg/index.html", "moe": "/jyb_xwfb/gzdt_gzdt/index.html",
         "was5": WAS5_LIST + "1"}


@pytest.mark.parametrize("name,shape", [("moe", "html"), ("hanweb", "hanweb"), ("script", "script"), ("was5", "api"),
                                        ("search", "html")])
def test_a_probed_block_pasted_into_a_config_crawls_every_article_of_the_first_page(tmp_path, shapes, name, shape):
    url = search_url(shapes) if name == "search" else shapes.url_for(name, PAGES[name])
    ws = Workspace(tmp_path, shapes)
    ws.write_config("")
    probed = ws.cli("probe", url, "--name", name)
    assert probed.code == 0, probed.err
    assert probed.out.startswith(f"# shape: {shape}")
    ws.write_config(probed.out)
    assert ws.crawl().code == 0
    site = shapes.sites[name]
    first_page = [shapes.url_for(name, p) for p in site.article_paths()[:5]]
    with Store(ws.db) as store:
        stored = {p["url"] for p in store.pages() if p.get("latest_version")}
    assert set(first_page) <= stored


def test_probe_json_names_the_shape_site_and_first_three_articles(tmp_path, shapes):
    ws = Workspace(tmp_path, shapes)
    ws.write_config("")
    found = ws.cli("probe", search_url(shapes), "--json", "--name", "ccgpsearch").json()
    assert found["shape"] == "html" and found["challenge"] is None
    assert found["site"]["name"] == "ccgpsearch" and found["site"]["pagination"] == r"[?&]page_index=\d+"
    assert "{date:%Y:%m:%d}" in found["site"]["start_urls"][0]  # the window ends on each crawl's today
    site = shapes.sites["search"]
    assert [a["title"] for a in found["articles"]] == [site.article(p).title for p in site.article_paths()[:3]]


@pytest.mark.parametrize("path,says", [
    ("/jyb_xwfb/gzdt_gzdt/nothing.html", "HTTP 404"),
    ("/", "no repeating links"),
], ids=["404", "no-list"])
def test_a_page_probe_cannot_read_as_a_list_is_one_line_saying_what_it_saw(tmp_path, shapes, path, says):
    ws = Workspace(tmp_path, shapes)
    ws.write_config("")
    result = ws.cli("probe", shapes.url_for("moe", path))
    assert result.code == 1 and says in result.err and len(result.err.strip().splitlines()) == 1


def test_a_json_answer_without_a_list_says_so(tmp_path, shapes):
    from crawler.demo.apis import article_id
    site = shapes.sites["zcy"]
    detail = shapes.url_for("zcy", f"/portal/detail?articleId={article_id(site.article(site.article_paths()[0]))}")
    ws = Workspace(tmp_path, shapes)
    ws.write_config("")
    result = ws.cli("probe", detail)
    assert result.code == 1 and "answered JSON (success, result)" in result.err and "[sites.api]" in result.err


# --- through the browser: a challenge met on the way, a list drawn by script --------------------------------

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="install Debian's chromium (CI does)")


@needs_chromium
def test_a_list_drawn_by_script_is_probed_rendered_and_its_block_crawls_page_one(tmp_path):
    from crawler.demo.browser_sites import drawn_list_site

    site = drawn_list_site(6, per_page=3)
    with SiteServer({"drawn": site}) as srv:
        ws = Workspace(tmp_path, srv)
        ws.write_config("")
        probed = ws.cli("probe", srv.url_for("drawn", site.spec.list_path), "--name", "drawn")
        assert probed.code == 0, probed.err
        assert probed.out.startswith("# shape: rendered") and "render = true" in probed.out
        ws.write_config(probed.out)
        assert ws.crawl().code == 0
        with Store(ws.db) as store:
            stored = {p["url"] for p in store.pages() if p.get("latest_version")}
    assert {srv.url_for("drawn", p) for p in site.article_paths()[:3]} <= stored
