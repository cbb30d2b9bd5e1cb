"""Attachment readers over real files: Chinese PDFs from three producers, a scan, DOCX/XLSX/XLS, zips, damage."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import docx
import pytest

from crawler.extract.documents import (
    FLAG_ENCRYPTED,
    FLAG_SCANNED,
    FLAG_TRUNCATED,
    FLAG_UNREADABLE,
    FLAG_UNSUPPORTED,
    Document,
    ReadLimits,
    read_document,
    sniff_kind,
)

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def _read(name: str, **kw) -> Document:
    return read_document((FIXTURES / name).read_bytes(), name, **kw)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("name", ["tender.pdf", "tender_reportlab.pdf", "tender_stsong.pdf", "table.pdf"])
def test_chinese_pdf_text_comes_out_page_by_page(name):
    doc = _read(name)
    assert not doc.failed and doc.flags == []
    assert [p.label for p in doc.parts] == [f"第{i}页" for i in range(1, len(EXPECTED[name]) + 1)]
    assert [p.text for p in doc.parts] == EXPECTED[name]


@pytest.mark.parametrize("name", ["tender.pdf", "tender_v2.pdf"])
def test_a_font_the_pages_of_a_pdf_share_is_built_once(name, monkeypatch):
    """pypdf builds a page's fonts for each page it reads (half the time of reading a PDF); both pages of these files
    use one font, so its ToUnicode map is parsed once, and the text is pypdf's own, page by page (EXPECTED above)."""
    import pypdf._cmap

    parsed: list = []
    real = pypdf._cmap._parse_to_unicode
    monkeypatch.setattr(pypdf._cmap, "_parse_to_unicode", lambda font: parsed.append(font) or real(font))
    doc = _read(name)
    assert len(doc.parts) == 2 and len(parsed) == 1
    assert "2024年4月" in doc.parts[1].text
    parsed.clear()
    _read(name)
    assert len(parsed) == 1, "a second file (or the same one again) builds its fonts afresh"


def test_the_cp1252_table_each_page_starts_from_is_decoded_once(monkeypatch):
    import pypdf._codecs

    decoded: list[str] = []
    real = pypdf._codecs.fill_from_encoding
    monkeypatch.setattr(pypdf._codecs, "fill_from_encoding", lambda enc: decoded.append(enc) or real(enc))
    first, again = _read("tender.pdf"), _read("tender.pdf")
    assert decoded.count("cp1252") <= 1, "once per process, not once per page"
    assert [p.text for p in first.parts] == [p.text for p in again.parts] == EXPECTED["tender.pdf"]


def test_pdf_table_rows_stay_one_line_each():
    lines = _read("table.pdf").text.splitlines()
    assert "2 通风橱 12 45,000" in lines


def test_pdf_edit_shows_on_the_page_it_is_on():
    old, new = _read("tender.pdf"), _read("tender_v2.pdf")
    assert old.parts[0].text == new.parts[0].text
    assert "2024年4月2日 09:30" in old.parts[1].text and "2024年4月9日 14:30" in new.parts[1].text


def test_scan_without_text_layer_is_flagged_not_empty_text():
    doc = _read("scan.pdf")
    assert FLAG_SCANNED in doc.flags
    assert not doc.failed and doc.text == ""


def test_password_protected_pdf_is_an_error_that_says_so():
    doc = _read("encrypted.pdf")
    assert doc.failed and {FLAG_ENCRYPTED, FLAG_UNREADABLE} <= set(doc.flags)
    assert "password" in doc.error


@pytest.mark.parametrize("name", ["corrupt.pdf", "corrupt.docx"])
def test_damaged_file_is_an_error_not_an_exception(name):
    doc = _read(name)
    assert doc.failed and FLAG_UNREADABLE in doc.flags and doc.parts == []
    assert "damaged" in doc.error


def test_empty_file_is_an_error():
    assert read_document(b"", "a.pdf").error == "empty file (0 bytes)"


def test_docx_keeps_paragraphs_and_table_rows_in_document_order():
    lines = _read("spec.docx").text.splitlines()
    assert lines.index("二、配置清单见下表。") < lines.index("序号 货物名称 数量 单价（元）")
    assert lines.index("3 试剂柜 20 3,500") < lines.index("以上参数为最低要求，投标产品须满足或优于。")
    assert "2 通风橱 15 45,000" in _read("spec_v2.docx").text.splitlines()


def test_docx_merged_cell_is_read_once():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "合并标题"
    table.cell(0, 2).text = "备注"
    table.cell(1, 0).text, table.cell(1, 1).text, table.cell(1, 2).text = "1", "1", "台"
    out = io.BytesIO()
    document.save(out)
    assert read_document(out.getvalue(), "x.docx").text.splitlines() == ["合并标题 备注", "1 1 台"]


@pytest.mark.parametrize("name", ["prices.xlsx", "prices.xls"])
def test_spreadsheet_sheets_in_order_rows_as_lines(name):
    doc = _read(name)
    assert [p.label for p in doc.parts] == ["报价清单", "说明"]
    assert [p.text for p in doc.parts] == EXPECTED["prices.xlsx"]


def test_zip_members_are_read_and_named():
    doc = _read("bundle.zip")
    assert doc.kind == "zip" and not doc.failed
    assert [p.label for p in doc.parts] == ["技术参数.docx", "报价清单.xlsx 报价清单", "报价清单.xlsx 说明"]
    assert "2 通风橱 12 45,000" in doc.parts[0].text.splitlines()


def test_zip_member_names_written_in_gbk_are_decoded():
    data = _zip({"abcdefgh.pdf": (FIXTURES / "tender.pdf").read_bytes()})
    data = data.replace(b"abcdefgh", "招标文件".encode("gbk"))  # what Chinese Windows zip tools write
    assert [p.label for p in read_document(data, "a.zip").parts] == ["招标文件.pdf 第1页", "招标文件.pdf 第2页"]


def test_zip_damaged_member_gets_a_note_others_still_read():
    data = _zip({"坏.pdf": (FIXTURES / "corrupt.pdf").read_bytes(), "说明.xlsx": (FIXTURES / "prices.xlsx").read_bytes()})
    doc = read_document(data, "a.zip")
    assert not doc.failed
    assert doc.parts[0].label == "坏.pdf" and doc.parts[0].note.startswith("无法读取")
    assert "质保期三年" in doc.text


def test_zip_bomb_member_count_is_capped():
    data = _zip({f"{i}.xlsx": (FIXTURES / "prices.xlsx").read_bytes() for i in range(5)})
    doc = read_document(data, "a.zip", limits=ReadLimits(max_members=2))
    assert FLAG_TRUNCATED in doc.flags
    assert {p.label.split()[0] for p in doc.parts} == {"0.xlsx", "1.xlsx"}


def test_zip_bomb_unpacked_size_is_capped():
    data = _zip({"a.pdf": b"%PDF-1.4\n" + b"\0" * 3_000_000})
    assert len(data) < 20_000
    doc = read_document(data, "a.zip", limits=ReadLimits(max_unpacked_bytes=1_000_000))
    assert FLAG_TRUNCATED in doc.flags and doc.parts == []


def test_docx_container_over_the_cap_is_refused():
    doc = _read("spec.docx", limits=ReadLimits(max_unpacked_bytes=10_000))
    assert doc.failed and "unpacks to" in doc.error


def test_zip_inside_zip_is_followed_only_to_the_depth_cap():
    inner = _zip({"deep.zip": _zip({"报价.xlsx": (FIXTURES / "prices.xlsx").read_bytes()})})
    doc = read_document(_zip({"inner.zip": inner}), "outer.zip")
    assert [(p.label, p.note) for p in doc.parts] == [("inner.zip deep.zip", "无法读取文本")]
    one_level = read_document(inner, "inner.zip")
    assert [p.label for p in one_level.parts] == ["deep.zip 报价.xlsx 报价清单", "deep.zip 报价.xlsx 说明"]


def test_formats_without_a_reader_are_unsupported_not_errors():
    ole = (FIXTURES / "prices.xls").read_bytes()  # OLE container, as .doc and .wps are
    for name in ("通知.doc", "通知.wps"):
        doc = read_document(ole, name)
        assert FLAG_UNSUPPORTED in doc.flags and not doc.failed and doc.text == ""
    assert read_document(b"Rar!\x1a\x07\x00...", "a.rar").flags == [FLAG_UNSUPPORTED]


def test_bytes_win_over_the_name():
    pdf = (FIXTURES / "tender.pdf").read_bytes()
    assert sniff_kind(pdf, "http://x.gov.cn/download.jsp?id=3") == "pdf"
    assert sniff_kind((FIXTURES / "spec.docx").read_bytes(), "附件.zip") == "docx"
    assert sniff_kind(b"...", "http://x/a/%E6%96%87%E4%BB%B6.XLSX") == "xlsx"
    assert sniff_kind(b"...", "", "application/pdf; charset=binary") == "pdf"


def test_caps_on_pages_and_text_mark_the_document_truncated():
    doc = _read("tender.pdf", limits=ReadLimits(max_pages=1))
    assert [p.label for p in doc.parts] == ["第1页"] and FLAG_TRUNCATED in doc.flags
    doc = _read("tender.pdf", limits=ReadLimits(max_text_chars=50))
    assert len(doc.text) == 50 and FLAG_TRUNCATED in doc.flags


def test_document_round_trips_through_a_dict():
    doc = _read("bundle.zip")
    assert Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc


def test_a_truncated_pdf_says_why_in_its_error_and_pypdf_logs_nothing_bare(caplog):
    data = (FIXTURES / "tender.pdf").read_bytes()[:-20]  # cut before %%EOF, as a broken download is
    with caplog.at_level(logging.DEBUG):
        doc = read_document(data, "zb.pdf")
    assert doc.error.startswith("damaged PDF") and "EOF marker not found" in doc.error
    assert not [r for r in caplog.records if r.name.startswith("pypdf")], "the caller logs it, with the file's URL"
