"""What a chat message says about each change, built from real change rows: label, summary, links, split."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from crawler.notify.channels import KINDS
from crawler.notify.chat import change_record, channel_parts, chat_change, summary_of
from crawler.notify.weblinks import change_link, history_link

BASE = "http://bids.example.org:8080"
URL = "http://www.ccgp.gov.cn/cggg/dfgg/gkzb/202611/t20261129_1.htm"


def row(kind="changed", **kw) -> dict:
    base = {"id": 7, "url": URL, "site": "ccgp", "kind": kind, "detected_at": "2026-11-29T11:20:43+00:00",
            "title": "某大学实验室设备采购项目更正公告", "version": 3, "previous_version": 2,
            "summary": "预算金额: 2,030,000.00元 → 1,350,000.00元", "diff_text": "- 旧\n+ 新", "details": None,
            "related_url": None}
    return base | kw


def test_an_edit_links_to_its_diff_and_history():
    query = parse_qs(urlsplit(change_link(BASE, row())).query)
    assert change_link(BASE, row()).startswith(f"{BASE}/diff?") and query == {"url": [URL], "from": ["2"], "to": ["3"]}
    assert history_link(BASE, row()) == f"{BASE}/page?url=http%3A%2F%2Fwww.ccgp.gov.cn%2Fcggg%2Fdfgg%2Fgkzb%2F202611%2Ft20261129_1.htm"


def test_other_kinds_link_to_the_right_page():
    assert change_link(BASE, row("new", previous_version=None, version=1)).startswith(f"{BASE}/page?")
    assert "v=1" in change_link(BASE, row("new", previous_version=None, version=1))
    assert change_link(BASE, row("removed", previous_version=None)) == history_link(BASE, row("removed"))
    assert change_link(BASE, row("health")) == f"{BASE}/?site=ccgp&kind=health"
    assert history_link(BASE, row("health")) == ""


def test_without_base_url_every_link_is_the_article():
    assert change_link(None, row()) == URL and history_link(None, row()) == ""


def test_the_summary_is_the_field_change_or_the_first_changed_sentence():
    assert summary_of(row()) == "预算金额: 2,030,000.00元 → 1,350,000.00元"
    body_edit = row(summary="正文 1 处修改", diff_text="--- 正文 v2\n+++ 正文 v3\n@@ 第 2 句 @@\n- 旧句。\n+ 投标截止时间延长至12月10日。")
    assert summary_of(body_edit) == "正文 1 处修改：投标截止时间延长至12月10日。"


def test_a_chat_change_carries_label_beijing_time_and_the_json_record():
    change = chat_change(row(), zone="Asia/Shanghai", base_url=BASE)
    assert change.label == "更新" and change.detected_at == "2026-11-29 19:20" and change.id == 7
    assert chat_change(row("new"), zone="Asia/Shanghai", base_url=None).label == "新增"
    assert chat_change(row("health"), zone="Asia/Shanghai", base_url=None).label == "站点异常"
    record = change_record(row(), "Asia/Shanghai", BASE)
    assert record["detected_at"] == "2026-11-29T19:20:43+08:00" and record["diff"] == "- 旧\n+ 新"
    assert record["link"] == change.link


def test_parts_name_their_changes_and_fit_the_limit():
    rows = [row(id=n, url=f"{URL}?n={n}", title="实验室" * 60) for n in range(1, 41)]
    parts = channel_parts("wecom", "bids-wecom", 12, rows, site_labels={"ccgp": "中国政府采购网"},
                          zone="Asia/Shanghai", base_url=BASE)
    assert len(parts) > 1
    assert [i for p in parts for i in p["change_ids"]] == list(range(1, 41))
    assert all(KINDS["wecom"].measure(p["payload"]) <= 4096 for p in parts)
    assert len({p["message_id"] for p in parts}) == len(parts)
    assert parts[0]["subject"].endswith(f"（1/{len(parts)}）") and "中国政府采购网" in parts[0]["subject"]
    again = channel_parts("wecom", "bids-wecom", 12, rows, site_labels={"ccgp": "中国政府采购网"},
                          zone="Asia/Shanghai", base_url=BASE)
    assert again == parts, "built twice, the same messages: a resend never differs"


def test_a_long_summary_is_cut_between_facts_never_inside_a_new_value():
    facts = [f"字段{n}: {n},000,000.00元 → {n},350,000.00元" for n in range(1, 9)]
    shown = summary_of(row(summary="；".join(facts)))
    assert len(shown) <= 160 and shown.endswith("；…")
    assert all(fact in facts for fact in shown.removesuffix("；…").split("；"))


def test_a_correction_carries_the_fields_it_moved_like_the_email():
    corrects = {"original_url": "http://www.ccgp.gov.cn/a.htm", "original_title": "某项目招标公告", "project_code": "HN-1",
                "field_changes": [["开标时间", "2026年12月1日 09:30", "2026年12月8日 09:30"]]}
    new = row("new", summary="更正公告：新文章", details={"corrects": corrects}, previous_version=None, version=1)
    assert summary_of(new) == "更正公告：开标时间: 2026年12月1日 09:30 → 2026年12月8日 09:30"
    edited = row(summary="更正公告：预算金额: 1 → 2", details={"corrects": corrects})
    assert summary_of(edited) == "更正公告：开标时间: 2026年12月1日 09:30 → 2026年12月8日 09:30；预算金额: 1 → 2"
