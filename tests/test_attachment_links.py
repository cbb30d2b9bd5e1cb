"""The crawl fetches every document a page links, though it no longer parses every page to look for links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extract import extract
from crawler.extract.generic import ATTACHMENT_HREF, may_link_attachments
from spiders.attachments import attachment_urls

TESTS = Path(__file__).parent
SHIPPED = sorted([*TESTS.glob("golden/*/*.html"), *TESTS.glob("realpages/*/*.html")])


def _page_url(page: Path) -> str:
    meta = page.with_suffix(".json")
    url = json.loads(meta.read_text("utf-8")).get("url") if meta.exists() else None
    return url or f"http://www.example.gov.cn/{page.parent.name}/{page.name}"


@pytest.mark.parametrize("page", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem[:12]}")
def test_every_document_the_reading_lists_is_fetched(page):
    body, url = page.read_bytes(), _page_url(page)
    fetched = attachment_urls(HtmlResponse(url=url, body=body))
    listed = [a.url for a in extract(body, url).attachments]
    assert set(listed) <= set(fetched)
    assert may_link_attachments(body) or not listed


HREFS = ["附件1.PDF", "/up/2024/招标文件.docx?v=2", "a.doc#page=2", "files/x.XLSX", "b.xls", "c.zip", "d.rar",
         "e.wps", "f.ofd", "g.7z", "h.et", "http://download.ccgp.gov.cn/oss/download?uuid=1",
         "/oss/download?uuid=abc", "ftp-like/报价表.Pdf"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("href", HREFS)
def test_a_link_to_a_document_is_seen_in_any_encoding_and_quoting(href, encoding):
    assert ATTACHMENT_HREF.search(href)
    for markup in (f'<a href="{href}">附件</a>', f"<a href='{href}'>附件</a>", f"<a href={href}>附件</a>",
                   f'<a href="{href}"', f'<A HREF="{href}" >附件</A>'):
        body = f"<html><head><title>通知</title></head><body><p>正文。</p>{markup}</body></html>".encode(encoding)
        assert may_link_attachments(body), (href, markup, encoding)


def test_a_page_without_documents_is_not_parsed_for_links():
    body = ("<html><body><p>关于做好2024年招生工作的通知。</p><a href='/list/index.html'>返回列表</a>"
            "<a href='t20240101_1.html'>下一篇</a></body></html>").encode("gbk")
    response = HtmlResponse(url="http://www.moe.gov.cn/a.html", body=body)
    assert not may_link_attachments(body)
    assert attachment_urls(response) == []
    assert response._cached_selector is None  # the page was never parsed for its links
