"""An attachment that could not be fetched or read says so where people look at its page: `history` (text and
JSON) and the web view's page, not only in the crawl's log."""

from __future__ import annotations

import pytest

from crawler.model import Article, Attachment
from crawler.web.server import App
from storage import Store
from tests.conftest import run_cli

T0 = "2026-11-29T11:20:43+00:00"
PAGE = "http://www.ccgp.gov.cn/cggg/1.htm"
FILE = "http://www.ccgp.gov.cn/files/zb.pdf"
ERROR = "damaged PDF: PdfStreamError: Stream has ended unexpectedly (pypdf: EOF marker not found)"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("atterr") / "eduwatch.db"
    article = Article(url=PAGE, title="招标公告", body="详见附件。", attachments=[Attachment("招标文件", FILE)])
    with Store(path) as store:
        store.upsert_page(PAGE, "ccgp", T0)
        store.add_version(PAGE, article=article.to_dict(), content_hash=article.content_hash(), raw_hash=None,
                          seen_at=T0, run_id=1)
        store.set_attachment_error(PAGE, FILE, ERROR, T0, 1)
    return path


def test_history_names_the_failed_attachment_and_why(db):
    text = run_cli("history", PAGE, "--db", str(db))
    assert text.code == 0, text.err
    assert f"attachment {FILE}: {ERROR} (2026-11-29 19:20)" in text.out
    [version] = run_cli("history", PAGE, "--db", str(db), "--json").json()
    assert version["attachments"][0]["url"] == FILE and version["attachments"][0]["error"] == ERROR


def test_the_page_view_names_the_failed_attachment_and_why(db):
    answer = App(db).handle(f"/page?url={PAGE}")
    assert answer.status == 200
    assert "附件错误" in answer.body and "EOF marker not found" in answer.body and FILE in answer.body
