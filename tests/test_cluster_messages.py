"""Stream messages survive the trip byte for byte, and a bad entry is refused with a reason."""

from __future__ import annotations

import dataclasses

import pytest

from crawler.cluster.messages import (
    MessageError,
    PageFetched,
    RunDispatched,
    RunFailed,
    RunFinished,
    RunStarted,
    decode,
    encode,
)
from crawler.model import FetchedAttachment, FetchedPage

GBK_PAGE = FetchedPage(
    url="http://www.moe.gov.cn/a/t1.html", site="moe", final_url="http://www.moe.gov.cn/a/t1.html?x=1",
    status=200, body="<html><title>通知</title>预算金额：2,030,000.00元</html>".encode("gb18030") + b"\x00\xff",
    http_charset="gbk", content_type="text/html; charset=gbk", fetched_at="2026-11-29T12:00:00+00:00",
    duration_ms=412, error="none", list_url="http://www.moe.gov.cn/a/",
    attachments=[FetchedAttachment(url="http://www.moe.gov.cn/a/W1.pdf", status=200, body=b"%PDF-1.7\x00\xff",
                                   content_type="application/pdf", filename="招标文件.pdf"),
                 FetchedAttachment(url="http://www.moe.gov.cn/a/W2.docx", status=404, error="HTTP 404")],
    etag='"5f3a"', last_modified="Sun, 29 Nov 2026 12:00:00 GMT")

MESSAGES = [
    RunDispatched(run="r1", site="moe", node="http://127.0.0.1:6800", job="j1", spider="moe", at="2026-11-29T12:00:00+00:00"),
    RunStarted(run="r1", site="moe", node="http://127.0.0.1:6800", job="j1", spider="moe", at="2026-11-29T12:00:01+00:00"),
    PageFetched(run="r1", seq=1, page=GBK_PAGE),
    PageFetched(run="r1", seq=2, page=FetchedPage(url="http://x/gone.html", site="moe", status=None, error="timeout")),
    RunFinished(run="r1", at="2026-11-29T12:01:00+00:00", reason="finished", pages=2,
                stats={"list_pages": 3, "list_links": 40, "list_errors": 0}),
    RunFailed(run="r2", at="2026-11-29T12:01:00+00:00", reason="node down", by="dispatcher"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"{m.kind}-{getattr(m, 'seq', '')}")
def test_round_trip_is_exact(message):
    assert decode(encode(message)) == message


def test_page_carries_every_fetched_page_field():
    fields = encode(PageFetched(run="r1", seq=1, page=GBK_PAGE))
    assert fields[b"body"] == GBK_PAGE.body  # raw bytes, not re-encoded text
    assert fields[b"att0"] == GBK_PAGE.attachments[0].body  # attachment bytes travel raw too
    page = decode(fields).page
    for field in dataclasses.fields(FetchedPage):
        # the fixture sets every field, so a field added to FetchedPage later must travel too
        if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING:
            default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
            assert getattr(GBK_PAGE, field.name) != default, f"set {field.name} in GBK_PAGE"
        assert getattr(page, field.name) == getattr(GBK_PAGE, field.name), field.name


def test_message_ids_are_distinct_per_part_of_a_run():
    assert len({m.mid for m in MESSAGES}) == len(MESSAGES)
    node_failed = RunFailed(run="r2", at="t", reason="x", by="node")
    assert node_failed.mid != MESSAGES[-1].mid


@pytest.mark.parametrize(("mutate", "error"), [
    (lambda f: f.update({b"v": b"9"}), "format"),
    (lambda f: f.update({b"kind": b"teleport"}), "unknown kind"),
    (lambda f: f.update({b"meta": b"{not json"}), "bad metadata"),
    (lambda f: f.update({b"mid": b"r1/page/99"}), "does not match"),
    (lambda f: f.pop(b"meta"), "bad metadata"),
], ids=["format", "kind", "json", "mid", "missing-meta"])
def test_bad_entries_are_refused_with_the_reason(mutate, error):
    fields = encode(PageFetched(run="r1", seq=1, page=GBK_PAGE))
    mutate(fields)
    with pytest.raises(MessageError, match=error):
        decode(fields)
