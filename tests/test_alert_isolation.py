"""One outbox row that cannot be built or sent fails alone: long URLs are shortened to fit each chat service
(the link first, then the summary), and a change that still cannot go out is a failed row with its reason
while every other row is delivered (to WeCom, DingTalk, Feishu, a webhook and by email)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from crawler.notify.channels import KINDS
from crawler.notify.channels.wecom import WeCom
from crawler.notify.chat import channel_parts

T0 = "2026-12-06T03:00:00+00:00"
BASE_URL = "http://bids.example.org:8080"
LONG_ASCII = "http://127.0.0.1:8000/portal/a/20231120/" + "x-" * 630 + ".html"  # ~1,300 characters
LONG_CHINESE = "http://127.0.0.1:8000/portal/a/20231120/" + quote("招标公告" * 24) + ".html"  # ~900 characters
LONG_URLS = pytest.mark.parametrize("url", [LONG_ASCII, LONG_CHINESE], ids=["ascii-1300", "chinese-900"])


def change(n: int, url: str, **kw) -> dict:
    return {"id": n, "url": url, "site": "portal", "kind": "changed", "title": f"实验室设备采购项目{n}号公告",
            "version": 2, "previous_version": 1, "summary": "预算金额: 1,000,000.00元 → 1,350,000.00元",
            "detected_at": T0, "diff_text": "- 预算金额：1,000,000.00元\n+ 预算金额：1,350,000.00元", **kw}


def sent_text(part: dict) -> str:
    return json.dumps(part["payload"], ensure_ascii=False)


@LONG_URLS
@pytest.mark.parametrize("base_url", [BASE_URL, None], ids=["web-view", "no-web-view"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_long_url_is_shortened_until_the_change_fits(kind, base_url, url):
    changes = [change(1, url), change(2, "http://127.0.0.1:8000/portal/a/20231120/2.html")]
    parts = channel_parts(kind, "bids", 7, changes, site_labels={"portal": "教育新闻门户"}, zone="Asia/Shanghai",
                          base_url=base_url)
    assert [p.get("error") for p in parts] == [None] * len(parts)
    assert sorted(i for p in parts for i in p["change_ids"]) == [1, 2]
    sender = KINDS[kind]
    for part in parts:
        assert sender.measure(part["payload"]) <= sender.limit
        assert "1,350,000.00元" in sent_text(part), "the summary's new value survives"
    assert "/2.html" in "".join(sent_text(p) for p in parts), "a change with a short URL keeps its link"


def test_a_shortened_link_leads_to_the_site_and_says_why():
    [part] = channel_parts("wecom", "bids", 7, [change(1, LONG_ASCII)], site_labels={}, zone="Asia/Shanghai",
                           base_url=BASE_URL)
    content = part["payload"]["markdown"]["content"]
    assert LONG_ASCII not in content and quote(LONG_ASCII, safe="") not in content
    assert f"]({BASE_URL}/?site=portal)" in content and "原文网址过长" in content
    [bare] = channel_parts("wecom", "bids", 7, [change(1, LONG_ASCII)], site_labels={}, zone="Asia/Shanghai",
                           base_url=None)
    assert "](http://127.0.0.1:8000/)" in bare["payload"]["markdown"]["content"] or \
        LONG_ASCII in bare["payload"]["markdown"]["content"]


class Tiny(WeCom):
    """A robot whose limit no change with a long title can meet, to see a change that cannot fit fail alone."""

    kind = "tiny"
    limit = 330


def test_a_change_that_cannot_fit_even_shortened_fails_alone(monkeypatch):
    monkeypatch.setitem(KINDS, "tiny", Tiny())
    huge = change(1, LONG_ASCII, title="标题" * 400, summary="摘要" * 400)
    fine = change(2, "http://a.cn/2.html", title="短", summary="", kind="new", diff_text=None)
    crowded = {"portal": "站点" * 30}  # a site label that leaves no room for a long title
    parts = channel_parts("tiny", "bids", 7, [huge, fine], site_labels=crowded, zone="Asia/Shanghai", base_url=None)
    failed = [p for p in parts if p.get("error")]
    assert [p["change_ids"] for p in failed] == [[1]] and failed[0]["payload"] is None
    assert "cannot fit a 330-byte message" in failed[0]["error"]
    assert [p["change_ids"] for p in parts if not p.get("error")] == [[2]]
