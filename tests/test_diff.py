"""Tests for crawler.track.diff: Chinese sentence diffs, field/title/attachment changes, escaping."""

import difflib
from collections import Counter

import pytest

from crawler.model import Article, Attachment
from crawler.track.diff import (
    CHAR_DIFF_MAX,
    char_opcodes,
    diff_articles,
    render_article_text,
    split_sentences,
)

URL = "http://www.caigou.com.cn/news/2024/1.shtml"
BODY = "某大学实验室设备采购项目。项目预算为128万元。投标人须具备相关资质！\n详见附件；联系人：张老师。"


def article(**kw) -> Article:
    base = {"url": URL, "title": "某大学实验室设备采购公告", "body": BODY,
            "fields": {"预算金额": "1,280,000.00元", "采购人": "某大学"}}
    base.update(kw)
    return Article(**base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("甲。乙！丙？丁；戊", ["甲。", "乙！", "丙？", "丁；", "戊"]),
        ("第一段\n第二段。", ["第一段", "第二段。"]),
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        ("Budget up! OK? yes;done", ["Budget up!", "OK?", "yes;", "done"]),
        ("  \n\n  ", []),
    ],
    ids=["cjk-punct", "line-breaks", "closing-quote", "ascii-punct", "blank"],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_identical_content_gives_none():
    old = article()
    new = article(encoding="gbk", extractor="caigou", flags=["truncated"])  # not content
    assert diff_articles(old, new) is None


def test_changed_sentence_shows_old_and_new_wording():
    new = article(body=BODY.replace("128万元", "135万元"))
    d = diff_articles(article(), new, old_label="v2", new_label="v3")
    assert "- 项目预算为128万元。" in d.text
    assert "+ 项目预算为135万元。" in d.text
    assert "--- 正文 v2" in d.text and "+++ 正文 v3" in d.text
    assert "某大学实验室设备采购项目。" not in d.text  # unchanged sentences are not repeated
    assert len(d.body_changes) == 1
    assert "正文 1 处修改" in d.summary
    # character level: only the changed digits are highlighted
    assert "项目预算为1<del" in d.html and ">135</ins>" not in d.html
    assert ">28</del>" in d.html and ">35</ins>" in d.html and "万元。</p>" in d.html


def test_field_change_rendered_first_and_in_summary():
    new = article(fields={"预算金额": "1,350,000.00元", "采购人": "某大学", "开标时间": "2024-03-01 09:30"},
                  title="某大学实验室设备采购公告（更正）")
    d = diff_articles(article(), new)
    lines = d.text.splitlines()
    assert lines[0] == "预算金额: 1,280,000.00元 → 1,350,000.00元"
    assert "开标时间: （无） → 2024-03-01 09:30" in lines
    assert lines.index("标题: 某大学实验室设备采购公告 → 某大学实验室设备采购公告（更正）") > 0
    assert d.title_changed
    assert [c.key for c in d.field_changes] == ["预算金额", "开标时间"]
    assert d.summary.startswith("标题已修改；预算金额: 1,280,000.00元 → 1,350,000.00元")
    assert d.html.index("预算金额") < d.html.index("标题")


def test_title_only_change():
    d = diff_articles(article(), article(title="某大学实验室设备采购项目公告"))
    assert d.title_changed and not d.body_changes and not d.field_changes
    assert d.summary == "标题已修改"
    assert "标题: 某大学实验室设备采购公告 → 某大学实验室设备采购项目公告" in d.text


def test_appended_paragraph_and_attachment():
    att = Attachment("采购需求.docx", "http://www.caigou.com.cn/files/req.docx")
    new = article(body=BODY + "\n补充说明：延期至三月。", attachments=[att])
    d = diff_articles(article(), new)
    assert "+ 补充说明：延期至三月。" in d.text
    assert "附件 + 采购需求.docx (http://www.caigou.com.cn/files/req.docx)" in d.text
    assert [h.op for h in d.body_changes] == ["insert"]
    assert d.summary == "正文 1 处修改；新增附件 1 个"
    assert '<a href="http://www.caigou.com.cn/files/req.docx" rel="noopener noreferrer">采购需求.docx</a>' in d.html
    # attachments come before the body in the text form
    assert d.text.index("附件 +") < d.text.index("+++ 正文")


def test_removed_sentence_and_attachment():
    att = Attachment("报价单.xls", "http://x.example/a.xls")
    d = diff_articles(article(attachments=[att]), article(body=BODY.replace("投标人须具备相关资质！", "")))
    assert "- 投标人须具备相关资质！" in d.text
    assert "附件 - 报价单.xls (http://x.example/a.xls)" in d.text
    assert "删除附件 1 个" in d.summary


def test_html_escapes_page_text():
    new = article(body=BODY + "\n<script>alert(1)</script>",
                  fields={"预算金额": "<b>1</b>", "采购人": "某大学"},
                  attachments=[Attachment('x"><img src=x>', "javascript:alert(1)")])
    d = diff_articles(article(), new)
    assert "<script>" not in d.html and "&lt;script&gt;" in d.html
    assert "<b>1</b>" not in d.html
    assert "<img" not in d.html
    assert 'href="javascript' not in d.html
    # the text form keeps the wording as written
    assert "+ <script>alert(1)</script>" in d.text


def test_render_article_text_for_new_articles():
    a = article(published="2024-02-08", attachments=[Attachment("公告.pdf", "http://x.example/g.pdf")])
    text = render_article_text(a)
    assert text.startswith("标题: 某大学实验室设备采购公告")
    assert "发布时间: 2024-02-08" in text
    assert "预算金额: 1,280,000.00元" in text
    assert "附件: 公告.pdf (http://x.example/g.pdf)" in text
    assert "项目预算为128万元。" in text


def test_huge_unpunctuated_sentence_is_shown_whole():
    old, new = "表" * (CHAR_DIFF_MAX + 1), "表" * CHAR_DIFF_MAX + "格"
    assert char_opcodes(old, new) == [("replace", old, new)]
    assert char_opcodes("预算128万元", "预算135万元")[0] == ("equal", "预算1", "预算1")


def test_one_edit_in_a_body_of_repeated_sentences(monkeypatch):
    """Issue 16 item 3: 20,000 repeats of one sentence and one edit took 72 s (difflib compared 4·10^8 pairs)."""
    handed = []

    class Guarded(difflib.SequenceMatcher):
        def __init__(self, isjunk=None, a="", b="", autojunk=True):
            counts = Counter(b)
            handed.append(sum(counts[x] for x in a))
            assert handed[-1] <= 1_000_000, f"difflib handed {handed[-1]:,} equal pairs: quadratic"
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(difflib, "SequenceMatcher", Guarded)
    repeated = "本项目不接受联合体投标。"
    old_body = "\n".join([repeated] * 20_000)
    new_body = "\n".join([repeated] * 10_000 + ["本项目接受联合体投标。"] + [repeated] * 9_999)
    d = diff_articles(article(body=old_body), article(body=new_body))
    assert [(h.op, h.old, h.new, h.position) for h in d.body_changes] == [
        ("replace", [repeated], ["本项目接受联合体投标。"], 10_001)
    ]
    assert d.summary == "正文 1 处修改"
    assert "~ 本项目[-不-]接受联合体投标。" in d.text


def test_html_shows_a_sentence_of_context_around_each_change():
    body = "第一句。第二句。第三句。第四句。第五句。第六句。第七句。"
    new_body = body.replace("第二句。", "第二句改。").replace("第六句。", "第六句改。")
    d = diff_articles(article(body=body), article(body=new_body))
    paras = d.html.split("\n")
    shown = [p for p in paras if "句" in p or "⋯" in p]
    assert len(shown) == 7  # 一 [二] 三 ⋯ 五 [六] 七: 第四句 is neither changed nor next to a change
    assert "第一句。" in shown[0] and "第三句。" in shown[2] and "⋯" in shown[3]
    assert "第五句。" in shown[4] and "第七句。" in shown[6]
    assert "<ins" in shown[1] and "<ins" in shown[5]
    assert not any("第四句" in p for p in paras)
    # the text form is unchanged: changed sentences only
    assert "第一句" not in d.text and "第三句" not in d.text


def test_context_between_close_changes_is_shown_once():
    body = "甲。乙。丙。丁。"
    d = diff_articles(article(body=body), article(body="甲改。乙。丙改。丁。"))
    assert d.html.count("乙。") == 1
    assert "⋯" not in d.html
    assert d.html.count("丁。") == 1
