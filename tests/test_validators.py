"""Which validators the database keeps, and what the conditional-request middleware sends with them.

A 304 is only ever read as "the stored reading holds" when the validators sent belong to that reading's
bytes: a page that looked gone, suspect or redirected forgets them; an error keeps them; a 304 that finds
none (cleared meanwhile) concludes nothing.
"""

from __future__ import annotations

from scrapy import Request

from crawler.config import Config
from crawler.fetch.validators import CONDITIONAL, ConditionalRequestMiddleware
from crawler.model import FetchedPage
from crawler.track.recorder import PageRecorder, RunContext
from storage import Store

URL = "http://x.test/notice.html"
BODY = ("<html><head><title>关于开展教育装备采购的通知</title></head><body><h1>关于开展教育装备采购的通知</h1>"
        "<div class='TRS_Editor'><p>各有关单位：现就教育装备采购工作通知如下，请认真做好准备。</p>"
        "<p>联系人与电话见附件，预算金额以正式公告为准。</p></div></body></html>").encode()
ETAG, MODIFIED = '"abc123"', "Mon, 23 Nov 2026 08:00:00 GMT"


def _page(status: int = 200, **kw) -> FetchedPage:
    base = {"url": URL, "site": "pages", "final_url": URL, "status": status, "body": BODY if status == 200 else b"",
            "http_charset": "utf-8", "fetched_at": "2026-11-23T08:00:00+00:00", "etag": ETAG,
            "last_modified": MODIFIED}
    return FetchedPage(**{**base, **kw})


def _recorder(store: Store, db) -> PageRecorder:
    run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-11-23T08:00:00+00:00")
    return PageRecorder(RunContext(str(db), Config(path=None), "pages", run, False), store)


def test_a_good_fetch_keeps_its_validators_and_a_304_then_reuses_the_reading(tmp_path):
    with Store(tmp_path / "e.db") as store:
        recorder = _recorder(store, tmp_path / "e.db")
        assert recorder.record(_page()).outcome == "baseline"
        assert store.validators("pages") == {URL: (ETAG, MODIFIED)}

        recorded = recorder.record(_page(304, etag=None, last_modified=None))

        assert (recorded.outcome, recorded.reused, recorded.not_modified) == ("unchanged", True, True)
        assert len(store.versions(URL)) == 1 and store.page_validators(URL) == (ETAG, MODIFIED)


def test_a_304_with_no_stored_validators_concludes_nothing(tmp_path):
    with Store(tmp_path / "e.db") as store:
        recorder = _recorder(store, tmp_path / "e.db")
        recorder.record(_page(etag=None, last_modified=None))  # a server that sends no validators

        recorded = recorder.record(_page(304))

        assert recorded.outcome == "error" and "no stored reading" in recorded.reason
        assert len(store.versions(URL)) == 1 and store.changes(limit=None) == []


def test_an_error_keeps_the_validators_a_removal_or_a_redirect_forgets_them(tmp_path):
    with Store(tmp_path / "e.db") as store:
        recorder = _recorder(store, tmp_path / "e.db")
        recorder.record(_page())
        assert recorder.record(_page(503, etag=None, last_modified=None)).outcome == "error"
        assert store.page_validators(URL) == (ETAG, MODIFIED)

        assert recorder.record(_page(404, etag=None, last_modified=None)).outcome in ("missing", "removed")
        assert store.page_validators(URL) == (None, None)

        recorder.record(_page())  # back, then served through a redirect
        assert store.page_validators(URL) == (ETAG, MODIFIED)
        recorder.record(_page(final_url=URL + "?v=2"))
        assert store.page_validators(URL) == (None, None)


class _Spider:
    handle_httpstatus_list: list[int] = []


def _middleware(known: dict) -> ConditionalRequestMiddleware:
    middleware = ConditionalRequestMiddleware(crawler=None, db_path="")
    middleware.known = known
    return middleware


def test_known_articles_are_asked_changed_since_and_may_answer_304():
    middleware = _middleware({URL: (ETAG, MODIFIED)})
    request = Request(URL, meta={"handle_httpstatus_list": [404, 500]})
    other = Request("http://x.test/list.html")

    middleware.process_request(request, _Spider())
    middleware.process_request(other, _Spider())

    assert request.headers[b"If-None-Match"] == ETAG.encode()
    assert request.headers[b"If-Modified-Since"] == MODIFIED.encode()
    assert request.meta["handle_httpstatus_list"] == [404, 500, 304] and request.meta[CONDITIONAL]
    assert b"If-None-Match" not in other.headers and CONDITIONAL not in other.meta


def test_a_redirect_hop_drops_the_validators_of_the_first_address():
    middleware = _middleware({URL: (ETAG, None)})
    request = Request(URL)
    middleware.process_request(request, _Spider())
    hop = request.replace(url="http://x.test/elsewhere.html", meta={**request.meta, "redirect_urls": [URL]})

    middleware.process_request(hop, _Spider())

    assert b"If-None-Match" not in hop.headers and CONDITIONAL not in hop.meta
