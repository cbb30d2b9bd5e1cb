"""The web view on a 390-pixel phone screen, measured in a real Chromium: no page is wider than the screen,
however long the titles, summaries and addresses it shows."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import quote

import pytest

from crawler.model import Article
from crawler.web.server import App
from storage import Store
from tests.test_web import CHROMIUM, needs_chromium

pytestmark = pytest.mark.e2e  # starts Chromium
T0 = "2026-11-29T11:20:43+00:00"
URL = "http://www.ccgp.gov.cn/cggg/dfgg/gkzb/202611/" + "t20261129_" * 12 + "1.htm"
TITLE = "浙江省第二高级中学理化生实验室设备采购项目（第二次）公开招标公告" * 2
WIDTH = 390


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    db = tmp_path_factory.mktemp("narrow") / "eduwatch.db"
    with Store(db) as store:
        for n, body in enumerate(["项目预算：2,030,000.00元。", "项目预算：1,350,000.00元。"]):
            article = Article(url=URL, title=TITLE, body=body * 8, published="2026-11-29T19:20:00+08:00",
                              fields={"预算金额": f"{n + 1},350,000.00元", "项目编号": "ZJ-" + "2026-11-29-" * 4})
            store.upsert_page(URL, "ccgp", T0)
            store.add_version(URL, article=article.to_dict(), content_hash=article.content_hash(), raw_hash=None,
                              seen_at=T0, run_id=1)
        store.add_change(url=URL, site="ccgp", kind="changed", detected_at=T0, title=TITLE, version=2,
                         previous_version=1, diff_text="- 2,030,000.00元\n+ 1,350,000.00元", diff_html=None,
                         summary="预算金额: 2,030,000.00元 → 1,350,000.00元；正文 1 处修改；" * 3, run_id=1)
        store.add_change(url=URL, site="ccgp", kind="changed", detected_at=T0, title=None, version=2,  # untitled
                         previous_version=1, diff_text="x", diff_html=None, run_id=1,
                         summary="项目编号: ZJ-2026-11-29-2026-11-29-2026-11-29 → ZJ-2026-11-29-2026-11-29-2026-11-30")
    return App(db)


def width_at_390(html: str, folder) -> tuple[int, int]:
    """(the page's scroll width, the screen's width) with the page in a 390-pixel frame.

    Chromium prints the DOM when frame.html has loaded, and a document loads only after its iframe has and the
    iframe's onload (the measurement) has run: a wait for the measurement, not for a span of time. (It used
    --virtual-time-budget=5000, which prints when 5 virtual seconds are spent, whether or not the frame has
    loaded by then; under load it once had not.)"""
    (folder / "page.html").write_text(html, encoding="utf-8")
    (folder / "frame.html").write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="page.html" style="width:{WIDTH}px;'
        'height:800px;border:0"></iframe><script>document.getElementById("f").onload = function () {'
        ' var d = this.contentDocument.documentElement; document.title = "W" + d.scrollWidth + "/" + d.clientWidth;'
        ' };</script></body></html>', encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--allow-file-access-from-files",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={folder / 'profile'}", "--dump-dom",
         (folder / "frame.html").as_uri()], capture_output=True, timeout=90)
    found = re.search(r"<title>W(\d+)/(\d+)</title>", done.stdout.decode("utf-8"))
    assert found, done.stderr.decode("utf-8", "replace")[-2000:]
    return int(found.group(1)), int(found.group(2))


@needs_chromium
@pytest.mark.parametrize("target", ["/", f"/page?url={quote(URL, safe='')}", f"/page?url={quote(URL, safe='')}&v=1",
                                    f"/diff?url={quote(URL, safe='')}&from=1&to=2", "/search?q=实验室", "/alerts"],
                         ids=["changes", "page", "page-v1", "diff", "search", "alerts"])
def test_no_page_is_wider_than_a_phone(app, tmp_path, target):
    answer = app.handle(target)
    assert answer.status == 200, answer.body
    scroll, screen = width_at_390(answer.body, tmp_path)
    assert screen <= WIDTH and scroll <= screen, f"{target} is {scroll}px wide on a {screen}px screen"
