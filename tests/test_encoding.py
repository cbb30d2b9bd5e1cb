"""decode_html: the charset mistakes Chinese sites make, built as byte strings here."""

import pytest

from crawler.extract import decode_html, extract

TEXT = "教育部关于做好2024年普通高校招生工作的通知，各省级招生考试机构：现将有关事项通知如下。"


def page(body_text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>通知</title></head><body><p>{body_text}</p></body></html>"


def test_utf8_without_declaration():
    text, codec = decode_html(page(TEXT).encode("utf-8"))
    assert codec == "utf-8" and TEXT in text


def test_gbk_behind_gb2312_label_decodes_as_gb18030():
    # 镕 and 䶮 are outside GB2312; a strict gb2312 decoder would mangle them.
    body = page(TEXT + "朱镕基", '<meta charset="gb2312">').encode("gb18030")
    text, codec = decode_html(body)
    assert codec == "gb18030" and "朱镕基" in text and "\ufffd" not in text


def test_short_undeclared_gbk_is_not_taken_for_cp949_or_big5():
    body = "<p>关于招标公告</p>".encode("gbk")
    text, codec = decode_html(body)
    assert (text, codec) == ("<p>关于招标公告</p>", "gb18030")


def test_header_says_gbk_but_bytes_are_utf8():
    text, codec = decode_html(page(TEXT).encode("utf-8"), http_charset="GBK")
    assert codec == "utf-8" and TEXT in text


def test_meta_says_utf8_but_bytes_are_gbk_and_header_agrees():
    body = page(TEXT, '<meta charset="utf-8">').encode("gbk")
    text, codec = decode_html(body, http_charset="gb2312")
    assert codec == "gb18030" and TEXT in text


def test_header_wrong_meta_right():
    body = page(TEXT, '<meta http-equiv="Content-Type" content="text/html; charset=gbk">').encode("gbk")
    text, codec = decode_html(body, http_charset="utf-8")
    assert codec == "gb18030" and TEXT in text


@pytest.mark.parametrize(
    ("bom", "codec"), [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")]
)
def test_bom_wins(bom, codec):
    body = bom + page(TEXT).encode(codec)
    text, used = decode_html(body, http_charset="gbk")
    assert used == codec and TEXT in text and not text.startswith("\ufeff")


def test_unknown_label_is_ignored():
    text, codec = decode_html(page(TEXT).encode("gbk"), http_charset="x-no-such-charset")
    assert codec == "gb18030" and TEXT in text


def test_extract_reports_codec_and_clean_text():
    body = page(TEXT, '<meta charset="gb2312">').encode("gbk")
    article = extract(body, "http://edu.example.gov.cn/a.html")
    assert article.encoding == "gb18030"
    assert "现将有关事项通知如下" in article.body


def test_default_latin1_header_does_not_turn_gbk_into_mojibake():
    text, codec = decode_html(page(TEXT).encode("gbk"), http_charset="ISO-8859-1")
    assert codec == "gb18030" and TEXT in text


def test_real_latin1_page_with_declared_charset_still_decodes():
    body = '<html><head><meta charset="iso-8859-1"></head><body><p>Café über naïve</p></body></html>'.encode("latin-1")
    text, codec = decode_html(body)
    assert codec == "iso8859-1" and "Café über naïve" in text


@pytest.mark.parametrize(("encoding", "meta", "header"), [
    ("gbk", '<meta charset="utf-8">', None), ("gbk", '<meta charset="utf-8">', "utf-8"),
    ("utf-8", '<meta charset="gbk">', "gbk"), ("gbk", "", None),
], ids=["gbk-under-utf8-meta", "gbk-under-utf8-meta-and-header", "utf8-under-gbk-labels", "gbk-undeclared"])
def test_one_bad_byte_is_one_replacement_character_not_a_different_charset(encoding, meta, header):
    """A stray byte (a truncated character, a CMS glitch) must not flip the whole page to another charset."""
    before, after = page(TEXT * 3, meta).split("现将有关事项", 1)
    body = before.encode(encoding) + b"\xff" + ("现将有关事项" + after).encode(encoding)
    text, codec = decode_html(body, http_charset=header)
    assert codec == ("gb18030" if encoding == "gbk" else "utf-8")
    assert text == before + "\ufffd" + "现将有关事项" + after
