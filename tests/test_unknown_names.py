"""A name that matches nothing is an error everywhere, never an empty answer: --site for every command that
takes one, ?kind= on every web page that takes one."""

from __future__ import annotations

import pytest

from crawler.web.server import App
from storage import Store
from tests.conftest import run_cli

T0 = "2026-11-29T11:20:43+00:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "eduwatch.db"
    with Store(path) as store:
        store.upsert_page("http://www.moe.gov.cn/1.html", "moe", T0)
        store.add_change(url="http://www.moe.gov.cn/1.html", site="moe", kind="new", detected_at=T0, title="通知",
                         version=1, previous_version=None, diff_text="x", diff_html=None, summary="新文章", run_id=1)
    return path


@pytest.mark.parametrize("argv", [["changes"], ["feed"], ["calendar"], ["search", "通知"]],
                         ids=["changes", "feed", "calendar", "search"])
def test_an_unknown_site_exits_1_naming_the_known_ones(db, argv):
    wrong = run_cli(*argv, "--site", "nosuch", "--db", str(db))
    assert wrong.code == 1 and wrong.out == "", wrong.out
    assert wrong.err.strip().count("\n") == 0 and "unknown site 'nosuch'" in wrong.err and "moe" in wrong.err
    assert run_cli(*argv, "--site", "moe", "--db", str(db)).code == 0


@pytest.mark.parametrize("path", ["/", "/feed.atom"])
def test_an_unknown_kind_is_a_400_on_every_page(db, path):
    app = App(db)
    answer = app.handle(f"{path}?kind=bogus")
    assert answer.status == 400 and "bogus" in str(answer.body) and "health" in str(answer.body)
    assert app.handle(f"{path}?kind=new").status == 200
