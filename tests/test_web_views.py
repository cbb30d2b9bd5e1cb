"""The web view's second round, in urllib and headless Chromium: site labels, result counts and pages,
the compare-any-two-versions form, removed pages marked in search, a digest's content, `diff --html`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.config import Config, SiteConfig
from crawler.model import Article
from crawler.web.server import make_server
from storage import Store
from tests.conftest import run_cli
from tests.test_calendar import CORRECTION, CORRECTION_URL, TENDER, TENDER_URL, _record
from tests.test_web import dump_dom, get, needs_chromium, q

pytestmark = pytest.mark.e2e
MOVED = TENDER.replace("并于2025年07月18日 09点30分".encode(), "并于2025年07月21日 14点00分".encode())
REWORDED = MOVED.replace("满足".encode(), "符合".encode())
NOTICES = 55  # more search hits than one page holds (50)
LABEL = "中国政府采购网"


def _notice(store: Store, i: int) -> None:
    url = f"http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/202506/t20250601_{i}.html"
    art = Article(url=url, title=f"关于实验室安全检查的通知（第{i}号）", body="各单位：请开展实验室安全检查。")
    store.upsert_page(url, "moe", "2025-06-01T00:00:00+00:00")
    store.add_version(url, article=art.to_dict(), content_hash=art.content_hash(), raw_hash=None,
                      seen_at="2025-06-01T00:00:00+00:00", run_id=None)


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    db = tmp_path_factory.mktemp("views") / "eduwatch.db"
    with Store(db) as store:
        _record(store, db, TENDER_URL, TENDER, "2025-06-27T10:00:00+00:00")
        _record(store, db, TENDER_URL, MOVED, "2025-06-30T10:00:00+00:00")
        _record(store, db, TENDER_URL, REWORDED, "2025-07-01T10:00:00+00:00")
        _record(store, db, CORRECTION_URL, CORRECTION, "2025-07-08T03:00:00+00:00")
        for i in range(NOTICES):
            _notice(store, i)
        store.set_page_state(CORRECTION_URL, "removed", at="2025-07-20T00:00:00+00:00")
        ids = [c["id"] for c in store.changes()]
        store.create_alert(run_id=None, recipients=["bids@example.org"], change_ids=ids,
                           subject="[eduwatch] 中国政府采购网：4 条变化", message_id="<d1@eduwatch>",
                           created_at="2025-07-08T03:00:00+00:00")
    config = Config(path=None, sites=[SiteConfig(name="ccgp", start_urls=[], label=LABEL)])
    with make_server(db, port=0, config=config) as server:
        yield server.url.rstrip("/"), db


def test_changes_show_a_count_site_labels_and_pages(view):
    base, _ = view
    first = get(base, "/" + q(limit=3)).text
    assert "共 4 条，显示第 1–3 条 第 1/2 页" in first and LABEL in first
    assert 'href="/?limit=3&amp;page=2"' in first
    second = get(base, "/" + q(limit=3, page=2)).text
    assert "显示第 4–4 条" in second and "上一页" in second and "下一页" not in second


def test_search_counts_and_pages_its_results_and_marks_removed_pages(view):
    base, _ = view
    page = get(base, "/search" + q(q="实验室")).text
    assert f"共 {NOTICES} 条，显示第 1–50 条 第 1/2 页" in page
    assert f"显示第 51–{NOTICES} 条" in get(base, "/search" + q(q="实验室", page=2)).text
    found = get(base, "/search" + q(q="更正公告")).text
    assert "（已删除）" in found and "共 1 条" in found and LABEL in found


def test_any_two_versions_can_be_compared_from_the_page_and_the_diff(view):
    base, _ = view
    page = get(base, "/page" + q(url=TENDER_URL)).text
    assert '<form method="get" action="/diff"' in page and '<option value="1"' in page
    diff = get(base, "/diff" + q(url=TENDER_URL, **{"from": 1, "to": 3})).text
    assert "v1 → v3" in diff and re.search(r"<ins[^>]*>14点</ins>", diff)
    assert re.search(r"<ins[^>]*>符合</ins>", diff), "v1→v3 holds the edits of both later versions"
    assert '<option value="1" selected>' in diff and '<option value="3" selected>' in diff


def test_the_alerts_page_opens_a_digest_with_its_content(view):
    base, _ = view
    listing = get(base, "/alerts").text
    link = re.search(r'href="(/alert\?id=\d+)"', listing).group(1)
    digest = get(base, link)
    assert digest.status == 200 and "[eduwatch] 中国政府采购网：4 条变化" in digest.text
    assert "邮件内容" in digest.text and "2025年07月21日 14点00分" in digest.text
    assert get(base, "/alert" + q(id=999)).status == 404


def test_diff_html_writes_a_standalone_document(view, tmp_path):
    _, db = view
    done = run_cli("diff", TENDER_URL, "--db", str(db), "--from", "1", "--to", "2", "--html")
    assert done.code == 0, done.err
    assert done.out.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in done.out
    assert "<style>" in done.out and done.out.rstrip().endswith("</html>")
    assert re.search(r"<ins[^>]*>14点</ins>", done.out)
    (tmp_path / "diff.html").write_text(done.out, encoding="utf-8")


@needs_chromium
def test_browser_renders_the_standalone_diff_and_the_compare_form(view, tmp_path):
    base, db = view
    done = run_cli("diff", TENDER_URL, "--db", str(db), "--html")
    path = Path(tmp_path / "diff.html")
    path.write_text(done.out, encoding="utf-8")
    dom = dump_dom(path.as_uri(), tmp_path / "profile")
    assert "清镇市教育局2025年中小学智慧黑板采购项目" in dom and "<del" in dom
    page = dump_dom(base + "/page" + q(url=TENDER_URL), tmp_path / "profile2")
    assert re.search(r'<select name="from">.*<option value="2" selected="">v2</option>', page)
