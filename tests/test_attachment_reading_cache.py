"""A document linked from many pages of one crawl (a sidebar's 下载中心) is read once, and every page gets the
reading a page reading the file alone would get (real PDF reader, real SQLite, no server)."""

from __future__ import annotations

from pathlib import Path

from crawler.config import Config
from crawler.extract.documents import Document, Part
from crawler.model import FetchedAttachment, FetchedPage
from crawler.track import attachments
from crawler.track.attachments import ReadingCache
from crawler.track.record_process import record_batch
from crawler.track.recorder import PageRecorder, RunContext
from storage import Store

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
FORM = "http://x.test/download/form1.pdf"
ARTICLE = ("<html><head><title>{t}</title></head><body><h1>{t}</h1>"
           "<div class='TRS_Editor'><p>{t}的正文第一段，说明经费与时间安排。</p><p>第二段写明联系人与电话。</p>"
           "<p>附件：<a href='/download/form1.pdf'>办事表格</a></p></div></body></html>")


def _page(n: int, site: str | None = "pages") -> FetchedPage:
    url = f"http://x.test/a{n}.html"
    form = FetchedAttachment(FORM, status=200, body=(FIXTURES / "tender.pdf").read_bytes(),
                             content_type="application/pdf")
    return FetchedPage(url=url, site=site, final_url=url, status=200, body=ARTICLE.format(t=f"第{n}篇通知").encode(),
                       http_charset="utf-8", fetched_at="2026-12-06T08:00:00+00:00", list_url="http://x.test/list",
                       attachments=[form])


def _recorder(store: Store, db: Path) -> PageRecorder:
    run = store.start_run(kind="crawl", sites=["pages"], started_at="2026-12-06T08:00:00+00:00")
    return PageRecorder(RunContext(str(db), Config(path=None), "pages", run, False), store)


def _count_reads(monkeypatch) -> list[str]:
    """The real reader, counted: every call still reads the bytes."""
    calls: list[str] = []
    real = attachments.read_document

    def counted(data, name="", content_type=None):
        calls.append(name)
        return real(data, name, content_type)

    monkeypatch.setattr(attachments, "read_document", counted)
    return calls


def _readings(store: Store, url: str) -> list[dict]:
    return store.latest_version(url)["article"]["attachments"]


def test_a_document_every_page_of_a_batch_links_is_read_once_and_read_the_same(tmp_path, monkeypatch):
    alone = tmp_path / "alone.db"
    with Store(alone) as store:  # one page, one crawl: the reading a page gets on its own
        record_batch(store, [(_recorder(store, alone), _page(0), None)])
        expected = _readings(store, "http://x.test/a0.html")
    calls = _count_reads(monkeypatch)
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        results = record_batch(store, [(recorder, _page(n), None) for n in range(20)])  # extracted before any write

        assert [r.outcome for r in results] == ["baseline"] * 20
        assert calls == [FORM]
        assert all(_readings(store, f"http://x.test/a{n}.html") == expected for n in range(20))
        assert expected[0]["sha256"] and expected[0]["text_chars"] > 200
        assert store.attachment_hashes() == [expected[0]["sha256"]]


def test_the_crawl_process_and_a_later_batch_read_it_no_more(tmp_path, monkeypatch):
    """Pages the crawl process extracts and pages of later batches take the reading already made or stored."""
    calls = _count_reads(monkeypatch)
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        ahead = recorder.extract_page(_page(1))
        record_batch(store, [(recorder, _page(1), ahead), (recorder, _page(2), recorder.extract_page(_page(2)))])
        record_batch(store, [(_recorder(store, db), _page(n), None) for n in range(3, 6)])  # a new run: from the store

        assert calls == [FORM]
        assert len({str(_readings(store, f"http://x.test/a{n}.html")) for n in range(1, 6)}) == 1


def test_a_file_first_read_for_a_page_that_fails_to_write_is_stored_with_the_next_page(tmp_path):
    """The reading is shared, so is the duty to store the file: a page that rolls back takes nothing with it."""
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        failing = _page(1, site=None)  # pages.site is NOT NULL: this page's rows fail to write
        results = record_batch(store, [(recorder, failing, None), (recorder, _page(2), None)])

        assert [type(r).__name__ for r in results] == ["RecordError", "Recorded"]
        [reading] = _readings(store, "http://x.test/a2.html")
        assert store.attachment_hashes() == [reading["sha256"]]
        assert store.attachment_document(reading["sha256"])["parts"][0]["text"]


def test_the_cache_drops_its_oldest_readings_past_its_size():
    cache = ReadingCache(max_chars=10)
    for n in range(4):
        cache.keep(("read", str(n)), str(n), Document("pdf", [Part("第1页", "四个字符")]))
    assert [cache.get(("read", str(n))) is not None for n in range(4)] == [False, False, True, True]
    assert cache.chars == 8
    big = cache.keep(("read", "big"), "big", Document("pdf", [Part("第1页", "十一个字符的一段正文内容")]))
    assert big.text_chars == 12 and cache.get(("read", "big")) is None  # too big to keep: read, not held


def _page_with_files(n: int, good: int, failed: int) -> FetchedPage:
    files = [FetchedAttachment(f"http://x.test/download/f{i}.pdf", status=200, etag=f'"e{i}"', content_type="application/pdf",
                               body=(FIXTURES / "tender.pdf").read_bytes()) for i in range(good)]
    files += [FetchedAttachment(f"http://x.test/download/bad{i}.pdf", error="HTTP 500") for i in range(failed)]
    links = "".join(f"<p><a href='{f.url}'>附件{i}</a></p>" for i, f in enumerate(files))
    url = f"http://x.test/p{n}.html"
    return FetchedPage(url=url, site="pages", final_url=url, status=200, http_charset="utf-8",
                       body=ARTICLE.format(t=f"第{n}篇通知").replace("</div>", links + "</div>").encode(),
                       fetched_at="2026-12-06T08:00:00+00:00", list_url="http://x.test/list", attachments=files)


def test_a_pages_attachment_errors_and_validators_are_written_with_one_lookup_of_the_page(tmp_path):
    """Recording costs the same page lookups whatever the number of attachments (it was two per attachment)."""
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        recorder = _recorder(store, db)
        lookups: list[str] = []
        store.db.conn.set_trace_callback(lambda sql: lookups.append(sql) if "FROM pages WHERE url" in sql else None)
        record_batch(store, [(recorder, _page_with_files(1, good=1, failed=1), None)])
        one_each = len(lookups)
        lookups.clear()
        record_batch(store, [(recorder, _page_with_files(2, good=4, failed=3), None)])
        store.db.conn.set_trace_callback(None)
        assert len(lookups) == one_each
        errors = store.attachment_errors("http://x.test/p2.html")
        assert [(e["url"], e["error"]) for e in errors] == [(f"http://x.test/download/bad{i}.pdf", "HTTP 500")
                                                            for i in range(3)]
        kept = store.attachment_validators("pages")
        assert sorted(url for page, url in kept if page == "http://x.test/p2.html") == [
            f"http://x.test/download/f{i}.pdf" for i in range(4)]
        assert {etag for etag, _, _ in kept.values()} >= {'"e0"', '"e3"'}
