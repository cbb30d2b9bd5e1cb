"""Attachments end to end: real crawls of the local fixture server with real PDF/DOCX/XLSX/zip files."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Store
from tests.conftest import site_toml

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Article:
    """One moe article of the fixture server with files attached to it."""

    def __init__(self, server, workspace, crawl_toml: str = ""):
        self.server, self.workspace = server, workspace
        self.site = server.sites["moe"]
        self.path = self.site.article_paths()[0]
        self.url = server.url_for("moe", self.path)
        self.dir = self.path.rsplit("/", 1)[0]
        workspace.write_config(crawl_toml + site_toml(server, ["moe"]))

    def attach(self, title: str, fixture: str, content_type: str, name: str | None = None) -> str:
        name = name or fixture
        self.put(name, (FIXTURES / fixture).read_bytes(), content_type)
        self.site.add_attachment(self.path, title, f"./{name}")
        return self.server.url_for("moe", f"{self.dir}/{name}")

    def put(self, name: str, data: bytes, content_type: str = PDF) -> None:
        self.server.put_file(f"/moe{self.dir}/{name}", data, content_type)

    def crawl(self) -> None:
        result = self.workspace.crawl("--url", self.url)
        assert result.code == 0, result.err

    def changes(self) -> list[dict]:
        """This page's changes (a --url crawl walks no list pages, so the site's health is not the point here)."""
        return [c for c in self.workspace.cli("changes", "--json").json() if c["url"] == self.url]

    def history(self) -> list[dict]:
        return self.workspace.cli("history", self.url, "--json").json()


@pytest.fixture
def page(server, workspace) -> Article:
    return Article(server, workspace)


def test_an_edit_inside_a_pdf_of_an_unchanged_page_is_one_change_naming_attachment_and_page(page):
    pdf_url = page.attach("招标文件", "tender.pdf", PDF)
    page.crawl()
    [v1] = page.history()
    assert v1["attachments"][0]["url"] == pdf_url and v1["attachments"][0]["text_chars"] > 200
    assert len(v1["attachments"][0]["sha256"]) == 64
    page.crawl()
    assert page.changes() == [], "an unchanged recheck reports nothing"

    page.put("tender.pdf", (FIXTURES / "tender_v2.pdf").read_bytes())
    page.crawl()
    [change] = page.changes()
    assert change["kind"] == "changed"
    diff = change["diff"]
    assert "附件《招标文件》 第2页" in diff
    assert "- 四、开标时间：2024年4月2日 09:30（北京时间）" in diff
    assert "+ 四、开标时间：2024年4月9日 14:30（北京时间）" in diff
    assert "开标时间（附件《招标文件》）: 2024年4月2日 09:30（北京时间） → 2024年4月9日 14:30（北京时间）" in diff
    assert "第1页" not in diff, "the unchanged page of the PDF is not reported"
    assert [len(v["attachments"]) for v in page.history()] == [1, 1]
    shown = page.workspace.cli("diff", page.url).out  # the stored versions compared again, files included
    assert "附件《招标文件》 第2页" in shown and "+ 四、开标时间：2024年4月9日 14:30（北京时间）" in shown
    page.crawl()
    assert len(page.changes()) == 1, "reported once"


def test_an_edit_in_a_docx_table_shows_the_row_before_and_after(page):
    page.attach("技术参数", "spec.docx", DOCX)
    page.crawl()
    page.put("spec.docx", (FIXTURES / "spec_v2.docx").read_bytes(), DOCX)
    page.crawl()
    [change] = page.changes()
    assert "- 2 通风橱 12 45,000" in change["diff"] and "+ 2 通风橱 15 45,000" in change["diff"]
    assert "附件《技术参数》" in change["summary"]


@pytest.mark.parametrize("fault", ["404", "500", "corrupt"])
def test_an_attachment_that_fails_is_an_error_never_a_change_or_a_blank(page, server, fault):
    page.attach("招标文件", "tender.pdf", PDF)
    page.crawl()
    before = page.history()
    if fault == "404":
        server.files.remove(f"/moe{page.dir}/tender.pdf")
    elif fault == "500":
        server.set_fault(f"/moe{page.dir}/tender.pdf", "500")
    else:
        page.put("tender.pdf", (FIXTURES / "corrupt.pdf").read_bytes())
    page.crawl()
    assert page.changes() == []
    [after] = page.history()
    expected = {"404": "HTTP 404", "500": "HTTP 500", "corrupt": "damaged PDF"}[fault]
    assert expected in after["attachments"][0].pop("error"), "history names the failure"
    before[0]["attachments"][0].pop("error")
    assert [after] == [dict(before[0], last_seen=after["last_seen"])], "the last good reading is kept"
    with Store(page.workspace.db) as store:
        [error] = store.attachment_errors(page.url)
    assert expected in error["error"]


def test_a_file_over_the_cap_is_an_error(server, workspace):
    page = Article(server, workspace, "[crawl]\nattachment_max_mb = 1\n\n")
    page.attach("图纸", "tender.pdf", PDF)
    page.put("tender.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    page.crawl()
    assert page.history()[0]["attachments"][0]["sha256"] is None
    with Store(workspace.db) as store:
        [error] = store.attachment_errors(page.url)
    assert "larger than the attachment cap (1 MB" in error["error"]


def test_zip_and_scan_are_read_and_search_names_the_attachment(page):
    page.attach("报价文件", "bundle.zip", "application/zip")
    page.attach("盖章扫描件", "scan.pdf", PDF)
    page.crawl()
    [zip_att, scan] = page.history()[0]["attachments"]
    assert zip_att["text_chars"] > 100 and scan["text_chars"] == 0 and scan["sha256"]
    hits = page.workspace.cli("search", "质保期三年", "--json").json()  # only in the XLSX inside the zip
    assert [(h["url"], h["attachment"]["title"]) for h in hits] == [(page.url, "报价文件")]
    hits = page.workspace.cli("search", "实芯理化板", "--json").json()  # only in the DOCX inside the zip
    assert hits and hits[0]["attachment"]["title"] == "报价文件"
    out = page.workspace.cli("search", "质保期三年").out
    assert "附件《报价文件》" in out


def test_a_new_scan_is_reported_as_updated_without_text(page, tmp_path):
    page.attach("盖章扫描件", "scan.pdf", PDF)
    page.crawl()
    page.put("scan.pdf", (FIXTURES / "scan.pdf").read_bytes() + b"\n%changed\n")
    page.crawl()
    [change] = page.changes()
    assert "附件已更新（扫描件，无法读取文本）" in change["diff"]


def test_reextract_rereads_attachments_from_stored_bytes_without_alerts(page):
    page.attach("招标文件", "tender.pdf", PDF)
    page.crawl()
    with Store(page.workspace.db) as store:
        sha = store.latest_version(page.url)["article"]["attachments"][0]["sha256"]
        good = store.attachment_document(sha)
        old_reader = {"kind": "pdf", "parts": [{"label": "第1页", "text": "旧读取器的结果", "note": ""}],
                      "flags": [], "error": None}
        store.replace_attachment_document(sha, old_reader)
    result = page.workspace.cli("reextract")
    assert result.code == 0, result.err
    assert "1 attachment files re-read" in result.out
    with Store(page.workspace.db) as store:
        assert store.attachment_document(sha) == good
    assert page.changes() == []
    hits = page.workspace.cli("search", "行政楼三楼会议室", "--json").json()
    assert [h["attachment"]["title"] for h in hits] == ["招标文件"]


def test_a_recheck_asks_each_attachment_changed_since_and_reads_nothing_again(page):
    page.attach("招标文件", "tender.pdf", PDF)
    page.attach("技术参数", "spec.docx", DOCX)
    page.crawl()
    path_pdf, path_docx = f"/moe{page.dir}/tender.pdf", f"/moe{page.dir}/spec.docx"
    assert {(p, s) for p, s in page.server.hits if p in (path_pdf, path_docx)} == {(path_pdf, 200), (path_docx, 200)}
    page.server.hits.clear()
    page.crawl()  # nothing changed: the site answers 304 for both files, no bytes travel
    assert sorted((p, s) for p, s in page.server.hits if p in (path_pdf, path_docx)) == [(path_docx, 304), (path_pdf, 304)]
    readings = [(a["title"], a["sha256"], a["text_chars"]) for a in page.history()[0]["attachments"]]
    assert len(page.history()) == 1 and all(sha and chars for _, sha, chars in readings)
    page.put("tender.pdf", (FIXTURES / "tender_v2.pdf").read_bytes())  # an edit inside the file: a new validator
    page.server.hits.clear()
    page.crawl()
    assert (path_pdf, 200) in page.server.hits and (path_docx, 304) in page.server.hits
    changed = [c for c in page.changes() if c["kind"] == "changed"]
    assert len(changed) == 1 and "招标文件" in changed[0]["diff"]


def test_a_download_link_that_redirects_is_followed_to_the_file(page):
    page.put("tender.pdf", (FIXTURES / "tender.pdf").read_bytes())
    page.site.add_attachment(page.path, "招标文件", "./oss/download?uuid=7")  # as ccgp links its files
    page.server.redirect(f"/moe{page.dir}/oss/download", f"/moe{page.dir}/tender.pdf")
    page.crawl()
    attachment = page.history()[0]["attachments"][0]
    assert attachment["url"].endswith("/oss/download?uuid=7")
    assert attachment["sha256"] and attachment["text_chars"] > 0
