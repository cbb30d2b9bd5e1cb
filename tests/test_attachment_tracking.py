"""Attachment readings joined to articles, carried over on failure, and diffed by page (no crawl, no server)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from crawler.model import Article, Attachment, FetchedAttachment
from crawler.track.attachment_diff import combined, diff_attachments
from crawler.track.attachments import first_readings_only, read_attachments
from crawler.track.diff import diff_articles

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
URL = "http://x.gov.cn/files/zb.pdf"


class Files:
    """A stand-in for the store's attachment_files table: readings by sha256."""

    def __init__(self):
        self.documents: dict[str, dict] = {}

    def load(self, sha256: str) -> dict | None:
        return self.documents.get(sha256)

    def keep(self, readings) -> None:
        for new in readings.new_files:
            self.documents[new.sha256] = new.document


def page(title: str = "招标文件") -> Article:
    return Article(url="http://x.gov.cn/a.html", title="公告", body="详见附件。", attachments=[Attachment(title, URL)])


def fetched(name: str) -> FetchedAttachment:
    return FetchedAttachment(URL, status=200, body=(FIXTURES / name).read_bytes(), content_type="application/pdf")


def read(files: Files, name: str | None, previous: Article | None = None, error: str | None = None) -> Article:
    article = page()
    got = [FetchedAttachment(URL, error=error)] if error else [fetched(name)] if name else []
    readings = read_attachments(article, got, previous, files.load)
    files.keep(readings)
    return article


def test_a_read_attachment_records_its_hash_and_text_length():
    article = read(Files(), "tender.pdf")
    [a] = article.attachments
    assert a.sha256 == hashlib.sha256((FIXTURES / "tender.pdf").read_bytes()).hexdigest()
    assert a.kind == "pdf" and a.text_chars > 200 and a.content_sha256 != a.sha256


def test_a_stored_file_is_not_read_again():
    files = Files()
    first = read(files, "tender.pdf")
    sha = first.attachments[0].sha256
    files.documents[sha] = {"kind": "pdf", "parts": [{"label": "第1页", "text": "已存的读取结果", "note": ""}],
                            "flags": [], "error": None}
    again = page()
    readings = read_attachments(again, [fetched("tender.pdf")], first, files.load)
    assert readings.new_files == [] and again.attachments[0].text_chars == len("已存的读取结果")


def test_a_failed_download_keeps_the_last_good_reading_and_is_an_error():
    files = Files()
    good = read(files, "tender.pdf")
    article = page()
    readings = read_attachments(article, [FetchedAttachment(URL, status=404, error="HTTP 404")], good, files.load)
    assert readings.errors == {URL: "HTTP 404"}
    assert article.content_hash() == good.content_hash()


def test_a_damaged_file_is_an_error_and_not_stored():
    files = Files()
    good = read(files, "tender.pdf")
    article = page()
    readings = read_attachments(article, [fetched("corrupt.pdf")], good, files.load)
    assert "damaged PDF" in readings.errors[URL] and readings.new_files == []
    assert article.content_hash() == good.content_hash()


def test_first_readings_complete_a_version_instead_of_changing_it():
    unread = page()
    read_now = read(Files(), "tender.pdf", previous=unread)
    assert unread.content_hash() != read_now.content_hash()
    assert first_readings_only(unread, read_now)
    edited = read(Files(), "tender.pdf", previous=unread)
    edited.body = "正文改了。"
    assert not first_readings_only(unread, edited)


def test_a_pdf_edit_is_diffed_on_its_page_with_the_field_it_changes():
    files = Files()
    old = read(files, "tender.pdf")
    new = read(files, "tender_v2.pdf", previous=old)
    d = diff_attachments(old, new, files.load, ("v1", "v2"))
    [edit] = d.edits
    assert [p.label for p in edit.parts] == ["第2页"]
    assert "+ 四、开标时间：2024年4月9日 14:30（北京时间）" in d.text
    assert d.summary.startswith("开标时间（附件《招标文件》）: 2024年4月2日 09:30（北京时间） → 2024年4月9日 14:30（北京时间）")
    assert "<del" in d.html and "<ins" in d.html and "招标文件" in d.html
    assert diff_attachments(old, read(files, "tender.pdf", previous=old), files.load) is None


def test_a_scan_that_changes_is_reported_without_text():
    files = Files()
    old = read(files, "scan.pdf")
    article = page()
    body = (FIXTURES / "scan.pdf").read_bytes() + b"\n%re-scanned\n"
    files.keep(read_attachments(article, [FetchedAttachment(URL, status=200, body=body)], old, files.load))
    d = diff_attachments(old, article, files.load)
    assert d.edits[0].note == "附件已更新（扫描件，无法读取文本）"


OPENING = "开标时间: 2024年4月2日 09:30（北京时间） → 2024年4月9日 14:30（北京时间）"


def test_a_field_moved_in_the_page_and_its_attachment_is_summarised_once():
    files = Files()
    old = read(files, "tender.pdf")
    new = read(files, "tender_v2.pdf", previous=old)
    old.fields, new.fields = {"开标时间": "2024年4月2日 09:30（北京时间）"}, {"开标时间": "2024年4月9日 14:30（北京时间）"}
    new.body = "详见附件。开标时间已调整。"
    _, _, summary = combined(diff_articles(old, new), diff_attachments(old, new, files.load))
    assert summary.count("开标时间") == 1 and summary.startswith(OPENING), summary
    assert "正文 1 处修改" in summary and "附件《招标文件》第2页 1 处修改" in summary


def test_a_field_found_only_in_an_attachment_is_labelled_with_it():
    files = Files()
    old = read(files, "tender.pdf")
    new = read(files, "tender_v2.pdf", previous=old)
    new.body = "详见附件。开标时间已调整。"
    _, _, summary = combined(diff_articles(old, new), diff_attachments(old, new, files.load))
    assert summary.startswith("正文 1 处修改；开标时间（附件《招标文件》）: 2024年4月2日"), summary


def _sheet(price: int) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "报价清单"
    sheet.append(["设备名称", "数量", "单价（元）"])
    sheet.append(["理化生实验台", 12, price])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_spreadsheet_cell_that_changes_is_diffed_as_whole_numbers():
    files = Files()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    old, new = page(), page()
    for article, price, previous in ((old, 23000, None), (new, 25800, old)):
        got = [FetchedAttachment(URL, status=200, body=_sheet(price), content_type=xlsx, filename="报价清单.xlsx")]
        files.keep(read_attachments(article, got, previous, files.load))
    d = diff_attachments(old, new, files.load)
    assert "[-23000-]{+25800+}" in d.text, d.text
    assert ">23000</del>" in d.html and ">25800</ins>" in d.html
