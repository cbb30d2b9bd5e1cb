"""Bad values exit 1 with one line, whatever the value; an empty filter is no filter asked for; `diff` of a page
with one version says there is nothing to compare; `--version` answers; the help speaks of every channel."""

from __future__ import annotations

import pytest

from crawler.cli.main import main
from crawler.model import Article
from storage import Store

T0 = "2026-11-29T11:20:43+00:00"
URL = "http://www.moe.gov.cn/1.html"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "eduwatch.db"
    article = Article(url=URL, title="通知", body="正文。")
    with Store(path) as store:
        store.upsert_page(URL, "moe", T0)
        store.add_version(URL, article=article.to_dict(), content_hash=article.content_hash(), raw_hash=None,
                          seen_at=T0, run_id=1)
    return path


@pytest.mark.parametrize("value", ["99999999d", "", "  ", "yesterday"], ids=["beyond-calendar", "empty", "blank", "word"])
@pytest.mark.parametrize("argv", [["changes"], ["search", "通知"]], ids=["changes", "search"])
def test_a_bad_since_exits_1_in_one_line(db, capsys, argv, value):
    assert main([*argv, "--since", value, "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("eduwatch: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_diff_of_a_page_with_one_version_says_there_is_nothing_to_compare(db, capsys):
    assert main(["diff", URL, "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "one stored version (v1)" in err and "v1 and v1" not in err and f"eduwatch history {URL}" in err


def test_version_and_help_name_every_channel(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("eduwatch 0.")
    for argv in (["--help"], ["alerts", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = " ".join(capsys.readouterr().out.split())
        assert "chat" in out and ("WeCom" in out or "chat messages" in out), out
