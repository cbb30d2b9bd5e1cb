"""Tests for crawler.notify.digest: digest subject and multipart email rendering, escaping, header safety."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

from crawler.model import Article
from crawler.notify.digest import DIFF_MAX, digest_subject, render_digest
from crawler.track.diff import diff_articles

MID = "<eduwatch.7.0123456789ab@eduwatch.local>"


def change(kind="changed", site="moe", title="关于开展实验室安全检查的通知", **kw) -> dict:
    row = {"id": 1, "url": "http://www.moe.gov.cn/a/1.html", "site": site, "kind": kind, "title": title,
           "detected_at": "2026-11-23T16:00:00+00:00", "version": 2, "previous_version": 1,
           "diff_text": None, "diff_html": None, "summary": None, "details": {}}
    row.update(kw)
    return row


def budget_change() -> dict:
    old = Article(url="http://x/1", title="设备采购", body="项目预算为128万元。", fields={"预算金额": "128万元"})
    new = Article(url="http://x/1", title="设备采购", body="项目预算为135万元。", fields={"预算金额": "135万元"})
    d = diff_articles(old, new)
    return change(title="设备采购", diff_text=d.text, diff_html=d.html, summary=d.summary,
                  details={"matched_keywords": ["实验室", "录播教室"]})


def parse(msg):
    return BytesParser(policy=policy.default).parsebytes(msg.as_bytes())


def test_subject_counts_kinds_in_order():
    changes = [change("new"), change("changed"), change("changed"), change("removed")]
    assert digest_subject("教育部", changes) == "[eduwatch] 教育部：2 篇更新，1 篇新增，1 篇删除"


def test_subject_for_several_sites():
    changes = [change(site="moe"), change(site="caigou"), change(site="ccgp", kind="restored")]
    assert digest_subject("教育部", changes) == "[eduwatch] 3 个站点：2 篇更新，1 篇恢复"


def test_subject_strips_control_characters():
    assert "\n" not in digest_subject("教育部\r\nBcc: x@evil.example", [change()])


def test_digest_is_multipart_and_decodes():
    msg = render_digest(sender="eduwatch@example.org", recipient="ops@example.org", changes=[budget_change()],
                        message_id=MID, site_labels={"moe": "教育部"},
                        date=datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw.lower()  # the Chinese subject travels RFC 2047-encoded
    parsed = parse(msg)
    assert parsed["Subject"] == "[eduwatch] 教育部：1 篇更新"
    assert parsed["Message-ID"] == MID
    assert parsed["Date"]
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    body = parsed.get_body(("html",)).get_content()
    for part in (text, body):
        assert "设备采购" in part and "http://www.moe.gov.cn/a/1.html" in part
        assert "实验室、录播教室" in part  # matched keywords shown
    assert "预算金额: 128万元 → 135万元" in text
    assert "- 项目预算为128万元。" in text and "+ 项目预算为135万元。" in text
    assert "<del" in body and "<ins" in body
    assert body.index("预算金额") < body.index("项目预算为")  # procurement fields first


def test_digest_shows_beijing_time_and_links_to_the_web_view():
    row = {**budget_change(), "detected_at": "2026-11-29T11:20:43+00:00", "version": 3, "previous_version": 2}
    msg = render_digest(sender="eduwatch@example.org", recipient="ops@example.org", changes=[row], message_id=MID,
                        date=datetime(2026, 11, 29, 11, 20, tzinfo=UTC), base_url="http://bids.example.org:8080")
    parsed = parse(msg)
    assert parsed["Date"].endswith("+0800") and "19:20" in parsed["Date"]
    diff = "http://bids.example.org:8080/diff?url=http%3A%2F%2Fwww.moe.gov.cn%2Fa%2F1.html&amp;from=2&amp;to=3"
    history = "http://bids.example.org:8080/page?url=http%3A%2F%2Fwww.moe.gov.cn%2Fa%2F1.html"
    text, body = parsed.get_body(("plain",)).get_content(), parsed.get_body(("html",)).get_content()
    assert "时间: 2026-11-29 19:20" in text and "11:20" not in text
    assert diff.replace("&amp;", "&") in text and history in text
    assert f'href="{diff}"' in body and f'href="{history}"' in body


def test_without_base_url_the_digest_links_only_the_article():
    text = parse(render_digest(sender="a@x.org", recipient="b@x.org", changes=[budget_change()], message_id=MID,
                               date=datetime(2026, 11, 29, 11, 20, tzinfo=UTC))).get_body(("plain",)).get_content()
    assert "/diff?" not in text and "历史版本" not in text


def test_changes_listed_edits_first():
    rows = [change("new", title="新文章甲", detected_at="2026-11-23T15:00:00+00:00"),
            change("changed", title="更新乙", detected_at="2026-11-23T16:00:00+00:00")]
    text = parse(render_digest(sender="a@x.org", recipient="b@x.org", changes=rows, message_id=MID,
                               site_labels={})).get_body(("plain",)).get_content()
    assert text.index("更新乙") < text.index("新文章甲")


def test_page_text_is_escaped_in_html():
    row = change(title="<script>alert(1)</script>", url='http://x.example/"><img src=x>',
                 diff_text="+ <b>粗体</b>", summary="<i>摘要</i>")
    body = parse(render_digest(sender="a@x.org", recipient="b@x.org", changes=[row], message_id=MID,
                               site_labels={})).get_body(("html",)).get_content()
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "<img" not in body and "<b>粗体" not in body and "<i>" not in body


def test_crlf_in_title_and_headers_cannot_add_headers():
    row = change(title="通知\r\nBcc: victim@evil.example\r\nX-Injected: 1")
    msg = render_digest(sender="a@x.org\r\nX-Evil: 1", recipient="b@x.org\nCc: c@evil.example", changes=[row],
                        message_id=MID + "\r\nX-Evil2: 1", site_labels={"moe": "教育部\nX-Evil3: 1"})
    parsed = parse(msg)
    names = {k.lower() for k in parsed.keys()}
    assert not names & {"bcc", "cc", "x-injected", "x-evil", "x-evil2", "x-evil3"}
    assert "\n" not in parsed["Subject"]
    # the page text is not dropped: it shows in the body
    assert "victim@evil.example" in parsed.get_body(("plain",)).get_content()


def test_new_article_without_html_diff_falls_back_to_escaped_text():
    row = change("new", diff_text="标题: 新通知\n\n正文 <第一段>", previous_version=None, version=1)
    parsed = parse(render_digest(sender="a@x.org", recipient="b@x.org", changes=[row], message_id=MID,
                                 site_labels={}))
    body = parsed.get_body(("html",)).get_content()
    assert "正文 &lt;第一段&gt;" in body
    assert "[新增]" in parsed.get_body(("plain",)).get_content()


def test_huge_diff_is_clipped_with_a_pointer_to_the_cli():
    row = change(diff_text="+ " + "很长的正文。" * DIFF_MAX, diff_html="<p>" + "<ins>长</ins>" * DIFF_MAX + "</p>")
    parsed = parse(render_digest(sender="a@x.org", recipient="b@x.org", changes=[row], message_id=MID,
                                 site_labels={}))
    for kind in ("plain", "html"):
        part = parsed.get_body((kind,)).get_content()
        assert len(part) < 3 * DIFF_MAX
        assert "eduwatch diff http://www.moe.gov.cn/a/1.html" in part
