"""A document linked from many pages is fetched once per crawl and its answer shared; a host that cannot be
resolved fails the rest of its documents at once (real crawls of the fixture server; the spider's rule alone)."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, Request
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.model import FetchedPage
from spiders.attachments import attachment_requests, failed_attachment, fetched_attachment, settle
from storage import Store
from tests.conftest import site_toml

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
DEAD = "http://files.eduwatch-test.invalid"  # RFC 2606: never resolves


def test_a_sidebar_document_is_fetched_once_and_every_page_gets_its_reading(server, workspace):
    site = server.sites["moe"]
    paths = site.article_paths()[:6]
    server.put_file("/moe/download/form.docx", (FIXTURES / "spec.docx").read_bytes(),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    for path in paths:
        site.add_attachment(path, "办事表格", "/moe/download/form.docx")  # the same sidebar link on every page
        site.add_attachment(path, "外部附件", f"{DEAD}/form.pdf")
    workspace.write_config(site_toml(server, ["moe"]))
    result = workspace.crawl()
    assert result.code == 0, result.err
    assert [hit for hit in server.hits if hit[0] == "/moe/download/form.docx"] == [("/moe/download/form.docx", 200)]
    with Store(workspace.db) as store:
        for path in paths:
            url = server.url_for("moe", path)
            [form] = [a for a in store.latest_version(url)["article"]["attachments"] if a["title"] == "办事表格"]
            assert form["sha256"] and form["text_chars"], url
        errors = [e for e in store.attachment_errors() if e["url"] == f"{DEAD}/form.pdf"]
    assert len(errors) == len(paths) and len({e["error"] for e in errors}) == 1


class Spider:
    """Stands for a spider: the attachment callbacks are its bound methods."""

    def parse_attachment(self, response, pending):
        return []

    def attachment_failed(self, failure):
        return []


def page_response(url: str, links: list[str]) -> tuple[FetchedPage, HtmlResponse]:
    body = "".join(f'<a href="{href}">附件.pdf</a>' for href in links)
    html = f"<html><body><p>正文</p>{body}</body></html>".encode()
    return (FetchedPage(url=url, site="moe", final_url=url, status=200, body=html),
            HtmlResponse(url, body=html, encoding="utf-8", request=Request(url)))


def test_after_a_host_fails_to_resolve_its_other_documents_fail_at_once_with_the_same_error():
    spider = Spider()
    first, response = page_response("http://127.0.0.1:9/a.html", [f"{DEAD}/1.pdf"])
    [request] = attachment_requests(first, response, 20, spider.parse_attachment, spider.attachment_failed)
    failure = Failure(DNSLookupError("no results for hostname lookup: files.eduwatch-test.invalid"))
    failure.request = request
    [done] = settle(request.cb_kwargs["pending"], failed_attachment(failure))
    assert done is first and first.attachments[0].error

    second, response = page_response("http://127.0.0.1:9/b.html", [f"{DEAD}/2.pdf", f"{DEAD}/3.pdf"])
    out = attachment_requests(second, response, 20, spider.parse_attachment, spider.attachment_failed)
    assert out == [second], "no request to the dead host: the page goes on at once"
    assert [a.error for a in second.attachments] == [first.attachments[0].error] * 2


def test_a_document_already_answered_is_not_asked_again_and_the_page_is_not_held():
    spider = Spider()
    shared = "http://127.0.0.1:9/download/form.pdf"
    first, response = page_response("http://127.0.0.1:9/a.html", [shared])
    [request] = attachment_requests(first, response, 20, spider.parse_attachment, spider.attachment_failed)
    second, response = page_response("http://127.0.0.1:9/b.html", [shared])
    assert attachment_requests(second, response, 20, spider.parse_attachment, spider.attachment_failed) == [], \
        "asked already: the second page waits for the same answer"
    answer = HtmlResponse(shared, body=b"%PDF-1.4 ...", request=request, headers={"Content-Type": "application/pdf"})
    assert list(settle(request.cb_kwargs["pending"], fetched_attachment(answer))) == [first, second]
    third, response = page_response("http://127.0.0.1:9/c.html", [shared])
    assert attachment_requests(third, response, 20, spider.parse_attachment, spider.attachment_failed) == [third]
    assert third.attachments[0].body == b"%PDF-1.4 ..."


def test_a_refused_port_does_not_fail_the_same_hosts_other_ports():
    from twisted.internet.error import ConnectionRefusedError

    spider = Spider()
    first, response = page_response("http://127.0.0.1:8000/a.html", ["http://127.0.0.1:9/closed.pdf"])
    [request] = attachment_requests(first, response, 20, spider.parse_attachment, spider.attachment_failed)
    failure = Failure(ConnectionRefusedError())
    failure.request = request
    list(settle(request.cb_kwargs["pending"], failed_attachment(failure)))
    second, response = page_response("http://127.0.0.1:8000/b.html", ["http://127.0.0.1:8000/files/open.pdf"])
    [asked] = attachment_requests(second, response, 20, spider.parse_attachment, spider.attachment_failed)
    assert asked.url == "http://127.0.0.1:8000/files/open.pdf", "the site's own port is still asked"
