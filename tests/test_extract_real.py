"""The extractor on real public pages (tests/realpages, hand-labelled) and on the failure classes found there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import extract
from crawler.model import FLAG_NOT_ARTICLE, FLAG_TRUNCATED
from tests.test_extract import char_f1

REAL = Path(__file__).parent / "realpages"
REAL_CASES = sorted(REAL.glob("*/*.json"))
# page furniture that must never reach a body (issue 17's leak classes, plus the golden corpus's list)
FURNITURE = [
    "责编", "责任编辑", "点击进入", "关注公众号", "下一页", "加载更多", "Loading...", "Play Video", "赶快成为第一个赞的人吧",
    "关键字：", "【纠错】", "分享到", "扫一扫", "相关新闻", "推荐阅读", "浏览次数",
]


def _run(case: Path, use_profiles: bool = True):
    want = json.loads(case.read_text(encoding="utf-8"))
    got = extract(case.with_suffix(".html").read_bytes(), want["url"], want["http_charset"], use_profiles=use_profiles)
    return want, got


# --- the real-page corpus ---------------------------------------------------------------------------------

def test_the_corpus_holds_the_pages_its_readme_lists():
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    assert len(REAL_CASES) >= 25
    for case in REAL_CASES:
        assert case.with_suffix(".html").exists()
        assert case.stem[:8] in readme, f"{case.name} is not described in tests/realpages/README.md"


@pytest.mark.parametrize("case", REAL_CASES, ids=[f"{p.parent.name}/{p.stem[:24]}" for p in REAL_CASES])
def test_real_page(case):
    """Every real page: body char-F1 ≥ 0.95 on both paths, no furniture, title and date as labelled, and the
    default (profiles) path never below the generic one."""
    want, got = _run(case)
    _, generic = _run(case, use_profiles=False)
    f1, f1_generic = char_f1(got.body, want["body"]), char_f1(generic.body, want["body"])
    assert f1 >= 0.95 and f1_generic >= 0.95, (f1, f1_generic)
    assert f1 >= f1_generic
    assert [w for w in FURNITURE if w in got.body and w not in want["body"]] == []
    assert got.title == want["title"]
    assert got.published == want["published"]


def test_real_corpus_mean_f1():
    scores = [char_f1(got.body, want["body"]) for want, got in map(_run, REAL_CASES)]
    assert sum(scores) / len(scores) >= 0.99


# --- leak classes, as they appear at the end or start of real bodies ------------------------------------------

ARTICLE = ("<p>教育部近日印发通知，部署各地做好今年秋季学期开学准备工作，要求严格落实校园安全责任制度，加强师生健康监测。</p>"
           "<p>通知强调，各地要统筹做好教学安排，保障教学秩序平稳有序，确保每一名学生按时返校、安心学习。</p>")


def _page(inner: str, title: str = "教育部部署秋季学期开学工作") -> bytes:
    return (f"<html><head><title>{title}_新闻网</title></head><body><h1>{title}</h1>"
            f"<div class='article'>{inner}</div><div class='footer'>关于我们</div></body></html>").encode()


@pytest.mark.parametrize("line", [
    "[ 责编：张倩 ]", "(责编：汤诗瑶、丁涛)", "（松花江网编辑 孙桂芳）", "【责任编辑：王治强】",
    "点击进入“文艺星青年”>>", "关注公众号：人民网财经", "|<<1234下一页>>|", "【1】【2】【3】【4】",
    "加载更多", "Loading...", "Play Video", "赞 赶快成为第一个赞的人吧", "正文", "关键字： CPI", "【纠错】", "图集", "+1",
])
def test_furniture_line_is_not_body(line):
    article = extract(_page(f"<p>{line}</p>{ARTICLE}<p>{line}</p>"), "http://news.example.cn/a/1.html")
    assert line not in article.body and "校园安全责任制度" in article.body and "安心学习" in article.body


@pytest.mark.parametrize("line", [
    "正文如下：学校将于九月一日正式开学。", "关键字是安全：各校要把安全放在首位。", "编辑部的同志们加班加点完成了稿件。",
    "第1234页至第1240页收录了全部下一页的附表说明。",
])
def test_sentences_that_merely_start_like_furniture_stay(line):
    article = extract(_page(f"{ARTICLE}<p>{line}</p>"), "http://news.example.cn/a/1.html")
    assert line in article.body


# --- site profiles on other sites -----------------------------------------------------------------------------

def test_another_sites_template_markup_does_not_override_the_generic_path():
    """A caijing-like page carrying div#zoom (the zj profile's marker) around a copy of the body plus a hidden
    duplicate: the default path must not do worse than the generic one."""
    body = ("<html><head><title>财经要闻_财经网</title></head><body><h1>财经要闻</h1>"
            f"<div id='zoom'><div class='article'>{ARTICLE}</div><div class='pages'>|&lt;&lt;1234下一页&gt;&gt;|</div>"
            f"<div style='display:none'><p>{ARTICLE}</p></div></div></body></html>").encode()
    url = "http://economy.caijing.com.cn/20240101/1.shtml"
    default, generic = extract(body, url), extract(body, url, use_profiles=False)
    assert default.body == generic.body and default.extractor == "generic"
    assert default.body.count("校园安全责任制度") == 1 and "下一页" not in default.body


def test_another_sites_template_still_helps_when_the_generic_path_finds_nothing():
    body = ("<html><head><title>通知</title></head><body><div id='zoom'><p>附件：2024年名单</p></div>"
            "</body></html>").encode()
    assert extract(body, "http://www.example.gov.cn/a.html").body == "附件：2024年名单"


# --- titles and dates -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("page_title", "headline_html", "want"), [
    ("中华人民共和国监察法-纪检", "<span class='STYLE8'>中华人民共和国监察法</span>", "中华人民共和国监察法"),
    ("科普讲座走进社区-中国科普网 无标题文档", "<td class='bt'>科普讲座走进社区</td>", "科普讲座走进社区"),
    ("书记市长这一周 | 奋马扬鞭争春色", "<div class='tit2'>书记市长这一周 | 奋马扬鞭争春色</div>", "书记市长这一周 | 奋马扬鞭争春色"),
])
def test_headline_in_a_non_h1_element_beats_the_title_tag(page_title, headline_html, want):
    body = f"<html><head><title>{page_title}</title></head><body>{headline_html}<div>{ARTICLE}</div></body></html>"
    assert extract(body.encode(), "http://www.example.cn/a.html").title == want


@pytest.mark.parametrize(("byline", "want"), [
    ("<td>来源:  | 发布时间: 2018-05-17 | 浏览次数: 2168</td>", "2018-05-17"),
    ("<table><tr><td>发文字号：</td><td>吉政明电〔2022〕1号</td></tr><tr><td>发布日期：</td><td>2019-03-06</td></tr></table>",
     "2019-03-06"),
    ("<p>发行日期：2001年12月14日</p>", None),
    ("<p>此条目需要补充更多来源。(2020年4月17日)</p>", None),
])
def test_published_from_byline_and_table_cells(byline, want):
    body = (f"<html><head><title>一则通知-某某网</title></head><body><div class='nav'>今天是2024年1月1日 星期一</div>"
            f"<h1>另一个标题</h1>{byline}<div>{ARTICLE}</div></body></html>").encode()
    assert extract(body, "http://www.example.cn/a.html").published == want


@pytest.mark.parametrize(("meta", "byline", "want"), [
    ('<meta property="article:published_time" content="2022-02-06T12:48:06+00:00">', "", "2022-02-06T20:48:06+08:00"),
    ('<meta name="publishdate" content="2022-02-13">', "<p>2022年02月13日07:48 | 来源：新华日报</p>",
     "2022-02-13T07:48:00+08:00"),
    ('<meta name="PubDate" content="2022-01-28 00:00:00">', "", "2022-01-28"),
])
def test_meta_dates_in_beijing_time(meta, byline, want):
    body = (f"<html><head>{meta}<title>标题</title></head><body><h1>标题</h1>{byline}<div>{ARTICLE}</div>"
            "</body></html>").encode()
    assert extract(body, "http://www.example.cn/a.html").published == want


# --- issue 16: attachment links, deep nesting ------------------------------------------------------------------

def test_only_http_links_are_attachments():
    links = ('<a href="JaVaScRiPt:alert(2)//b.doc">b.doc</a><a href="data:text/html;base64,PHNjcmlwdD4=#.pdf">c</a>'
             '<a href="java&#9;script:alert(1)//d.pdf">d</a><a href="ftp://files.example.cn/e.doc">e</a>'
             '<a href="../files/a.PDF">附件1</a><a href="HTTPS://www.example.cn/b.DOCX">附件2</a>')
    article = extract(_page(ARTICLE + links), "http://www.example.cn/news/2024/a.html")
    assert [(a.title, a.url) for a in article.attachments] == [
        ("附件1", "http://www.example.cn/news/files/a.PDF"), ("附件2", "HTTPS://www.example.cn/b.DOCX")]


PARAS = "".join(f"<p>第{i}段正常的正文，内容充实，句子完整，编号{i}。</p>" for i in range(30))
DEEP = "<p>深处的段落：这一句藏在很多层里面，不应该丢。</p>"


@pytest.mark.parametrize("depth", [2000, 3000, 20000])
def test_paragraph_inside_thousands_of_nested_divs_is_kept(depth):
    body = (f"<html><head><title>深层嵌套</title></head><body><div class='content'>{PARAS}"
            + "<div>" * depth + DEEP + "</div>" * depth + "</div></body></html>").encode()
    article = extract(body, "http://www.example.cn/deep.html")
    assert "深处的段落" in article.body and "编号29" in article.body


@pytest.mark.parametrize(("level", "close"), [
    ("<div><span>·</span>", "</div>"), ("<div>·", "</div>"), ("<div>&nbsp;", "</div>"), ("<ul><li>·", "</li></ul>"),
    ("<blockquote>·", "</blockquote>"), ("<b>·", "</b>"), ("<dl><dd>·", "</dd></dl>"),
])
def test_paragraph_alone_under_3000_levels_that_each_hold_a_little_text_is_kept(level, close):
    """Levels holding a dot or an inline tag are no run of bare tags to collapse (issue 25): the notice must not
    come out empty and flagged not_article."""
    body = ("<html><head><title>通知</title></head><body>" + level * 3000 + DEEP + close * 3000
            + "</body></html>").encode()
    article = extract(body, "http://www.example.cn/notice.html")
    assert "深处的段落" in article.body and FLAG_NOT_ARTICLE not in article.flags


def test_text_the_parser_cannot_reach_is_flagged_not_silently_lost():
    nest = "".join("<div><i>·</i>" for _ in range(3000))
    body = (f"<html><head><title>深层嵌套</title></head><body><div class='content'>{PARAS}{nest}{DEEP}"
            + "</div>" * 3000 + "</div></body></html>").encode()
    article = extract(body, "http://www.example.cn/deep.html")
    assert "深处的段落" in article.body or FLAG_TRUNCATED in article.flags
