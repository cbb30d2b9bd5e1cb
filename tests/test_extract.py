"""The extractor on each template family (inline pages), the golden corpus, and hostile input."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from crawler.extract import MAX_BYTES, clean, extract
from crawler.extract.text import AttrPattern, node_lines, norm, squash, walk_lines
from crawler.model import (
    FLAG_BINARY,
    FLAG_EMPTY,
    FLAG_ERROR_PAGE,
    FLAG_HUGE,
    FLAG_MEMBERS_ONLY,
    FLAG_NOT_ARTICLE,
    FLAG_TRUNCATED,
    FLAG_WAF,
)

GOLDEN = Path(__file__).parent / "golden"
BOILERPLATE = [
    "围观", "浏览次数", "相关阅读", "相关新闻", "上一篇", "下一篇", "版权与免责声明", "声明：", "分享到",
    "打印本页", "关闭窗口", "责任编辑", "我要投稿", "最近更新", "扫一扫",
]


def char_f1(got: str, want: str) -> float:
    """F1 over the multiset of non-whitespace characters (layout-blind body comparison)."""
    g, w = Counter("".join(got.split())), Counter("".join(want.split()))
    if not g and not w:
        return 1.0
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(g.values()), overlap / sum(w.values())
    return 2 * p * r / (p + r)


def leaks(body: str) -> list[str]:
    return [b for b in BOILERPLATE if b in body]


# --- inline pages, retyped from the structure of the public samples -------------------------------------

PARAS = [
    "青海省认真学习贯彻习近平总书记关于职业教育的重要指示批示和全国职业教育大会精神，聚焦经济社会发展需要，优化职业教育类型定位。",
    "强化统筹设计，高位推动职业教育高质量发展。省委省政府高度重视职业教育发展，召开省委常委会、省政府常务会等，研究制定具体措施。",
    "坚持贯通发展，加快构建现代职业教育体系。探索完善“职教高考”制度，推动高职院校分类考试招生改革，逐步扩大招生规模。",
]
TEASER = "为贯彻落实全市职业教育大会精神和2024年全市教育工作会议精神，近日，江苏省淮安市教育局召开年度工作会议，各县区教体局分管局长参加。"

CAIGOU = f"""<html><head><meta charset="utf-8"><title>青海省“五项措施”推动职业教育发展_教育装备采购网</title></head>
<body><div class="top"><a href="/ad1">第七届图书馆</a> <a href="/ad2">体育培训</a></div>
<div class="main"><div class="left">
<h1>青海省“五项措施”推动职业教育发展</h1>
<div class="info">教育装备采购网 2022-03-25 13:23 围观2908次</div>
<div class="content">{"".join(f"<p>&nbsp;&nbsp;{p}</p>" for p in PARAS)}</div>
<div class="laiyuan">来源:教育部 责任编辑:逯红栋 <a href="/tougao">我要投稿</a></div>
<div class="xgyd"><h3>相关阅读</h3><ul><li><a href="/news/1.shtml">2024年淮安市职业教育会议召开</a>
<span>淮安市教育局04-08</span><p>{TEASER}</p></li></ul></div>
<div class="mzsm"><p>版权与免责声明:</p><p>① 凡本网注明"来源:教育装备采购网"的所有作品，版权均属于教育装备采购网。</p></div>
</div></div><div class="footer">关于我们 联系我们</div></body></html>"""

MOE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="教育部关于《校外培训管理条例（征求意见稿）》公开征求意见的公告">
<meta name="PubDate" content="2024-02-08 16:20"><meta name="ContentSource" content="教育部">
<title>[已结束]教育部关于《校外培训管理条例（征求意见稿）》公开征求意见的公告 - 中华人民共和国教育部政府门户网站</title></head>
<body><div id="curpage">首页 &gt; 公告公示</div><div class="moe-detail-box">
<h1>教育部关于《校外培训管理条例（征求意见稿）》公开征求意见的公告</h1>
<div class="moe-detail-shuxing">2024-02-08　来源：教育部</div>
<div class="TRS_Editor"><p>　　为规范校外培训活动，提高校外培训质量，现面向社会公开征求意见。欢迎社会各界提出意见和建议。</p>
<p>　　本次征求意见截止日期为2024年3月8日。</p>
<p>　　附件：1.<a href="./W020240208467434413784.docx">校外培训管理条例（征求意见稿）</a></p>
<p>教育部</p><p>2024年2月8日</p></div>
<div id="moeCode">扫一扫在手机打开当前页</div>
<div class="moe-detail-shuxing"><div id="detail-editor">（责任编辑：曹建）</div></div></div>
<dl class="relnews"><dt>相关新闻</dt><dd><a href="/a.html">教育部召开会议，部署校外培训治理工作，要求各地加强监管。</a></dd></dl>
<div class="moe_footer">主办单位：中华人民共和国教育部</div></body></html>"""

MOE_OLD = """<html><head><meta charset="utf-8"><title>2019年全国教育工作会议召开 - 中华人民共和国教育部政府门户网站</title>
<script>var file_subdoctitle = "陈宝生作工作报告";</script></head><body>
<div id="curpage">您的位置：首页 &gt; 新闻</div><div id="content_body"><h1>2019年全国教育工作会议召开</h1>
<div id="content_date_source">2019-01-18　来源：教育部</div>
<div class="TRS_Editor"><p>1月18日，2019年全国教育工作会议在京召开。会议以习近平新时代中国特色社会主义思想为指导，总结工作。</p>
<p>会议强调，要坚持稳中求进工作总基调，加快推进教育现代化，建设教育强国，办好人民满意的教育。</p></div>
</div></body></html>"""

CCGP = """<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="济南大学学生公寓改造提升项目中标（成交）公告">
<meta name="PubDate" content="2025-07-14 01:59"><meta name="ContentSource" content="中国政府采购网">
<title>济南大学学生公寓改造提升项目中标（成交）公告</title></head><body id="detail">
<script src="/_bot_sbu/sbu_fpcm.js">b220cb5b</script><script>document.cookie="HOY_TR=ABC; path=/";</script>
<div class="vF_deail_currentloc"><p>当前位置：<a href="../">首页</a> &raquo; <a href="./">中标公告</a></p></div>
<div class="vF_detail_main"><div class="vF_detail_header"><h2 class="tc">济南大学学生公寓改造提升项目中标（成交）公告</h2>
<p class="tc"><span id="pubTime">2025年07月14日 01:59</span> 来源：<span id="sourceName"></span> 【<span id="printBtn">打印</span>】</p></div>
<div class="table"><h5>公告概要：</h5><table>
<tr><td class="title">采购项目名称</td><td colspan="3">济南大学学生公寓改造提升项目施工</td></tr>
<tr><td class="title">采购单位</td><td colspan="3">济南大学</td></tr>
<tr><td class="title">行政区域</td><td>山东省</td><td class="title">公告时间</td><td>2025年07月14日  01:59</td></tr>
<tr><td class="title">总中标金 额</td><td colspan="3">￥10618.520389 万元（人民币）</td></tr>
<tr><td class="title">代理机构名称</td><td colspan="3">海逸恒安项目管理有限公司</td></tr></table></div>
<div class="vF_detail_content_container"><div class="vF_detail_content">
<p>一、项目编号：SDGP370000000202502005150</p><p>二、项目名称：济南大学学生公寓改造提升项目施工</p>
<p>三、中标（成交）信息：供应商名称：山东建工集团有限公司，中标金额：10618.520389万元。</p>
<p>四、公告期限：自本公告发布之日起1个工作日。</p>
<p>附件：<a href="http://download.ccgp.gov.cn/oss/download?uuid=ABC123">中标通知书.pdf</a></p>
</div></div></div></body></html>"""

CEIEA_MEMBERS = """<table class="table2" width="640"><tr><td>
<div align="center"><font class="font20">汝阳县第二高级中学旧综合楼改造工程招标公告</font></div>
<table><tr><td><a href="http://www.ceiea.com">www.ceiea.com</a> 2019-08-12 中国教育装备网 (7)</td>
<td>分享到： <div id="bdshare"><a class="bds_qzone" title="分享到QQ空间"></a></div></td></tr></table>
<table><tr><td>您未登陆，或您还不是“教备网”正式会员，当前不允许浏览招标信息！</td></tr></table>
<span class="font14"><div class="article"></div><table><tr><td><span class="font18">该正文内容您无权限浏览！</span></td></tr></table></span>
</td></tr></table><table><tr><td><b>声明</b>：本网部分文章系中国教育装备网转载自其它媒体，目的在于信息传递。</td></tr></table>"""

HANWEB_GBK = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于公布2024年省级教学成果奖名单的通知_广东省教育厅</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/zxzx/">资讯中心</a></div>
<div class="article_title"><h3>关于公布2024年省级教学成果奖名单的通知</h3></div>
<div class="date">发布日期：2024-03-05 09:30:12　来源：广东省教育厅　浏览次数：1203</div>
<div id="zoomcon"><p>各地级以上市教育局，各普通高等学校：</p>
<p>根据《广东省教学成果奖励办法》，经评审、公示，现将2024年省级教学成果奖名单予以公布。</p>
<table><tr><td>序号</td><td>成果名称</td></tr><tr><td>1</td><td>新工科人才培养模式改革</td></tr></table>
<p>附件：<a href="/attachment/0/537/537123/4368911.xlsx">获奖名单.xlsx</a></p><p>广东省教育厅</p><p>2024年3月5日</p></div>
<div class="share">分享到：微信 微博</div><div class="print"><a>打印本页</a> <a>关闭窗口</a></div>
<div class="footer">版权所有：广东省教育厅</div></body></html>"""


def test_caigou_body_drops_ads_meta_tail_related_and_disclaimer():
    article = extract(CAIGOU.encode(), "http://www.caigou.com.cn/news/2022032549.shtml")
    assert article.body.split("\n") == PARAS
    assert article.title == "青海省“五项措施”推动职业教育发展"
    assert article.published == "2022-03-25T13:23:00+08:00"
    assert (article.source, article.editor) == ("教育部", "逯红栋")
    assert TEASER not in article.body and leaks(article.body) == []


def test_caigou_generic_path_matches_profile():
    article = extract(CAIGOU.encode(), "http://www.caigou.com.cn/news/2022032549.shtml", use_profiles=False)
    assert article.extractor == "generic"
    assert char_f1(article.body, "\n".join(PARAS)) >= 0.95 and leaks(article.body) == []


@pytest.mark.parametrize("use_profiles", [True, False], ids=["profile", "generic"])
def test_moe_current_template(use_profiles):
    url = "http://www.moe.gov.cn/jyb_xwfb/s248/202402/t20240208_1114758.html"
    article = extract(MOE.encode(), url, use_profiles=use_profiles)
    assert article.extractor == ("moe" if use_profiles else "generic")
    assert article.title == "教育部关于《校外培训管理条例（征求意见稿）》公开征求意见的公告"
    assert article.published == "2024-02-08T16:20:00+08:00"
    assert (article.source, article.editor) == ("教育部", "曹建")
    assert article.body.startswith("为规范校外培训活动")  # full-width indentation gone
    assert article.body.endswith("附件：1.校外培训管理条例（征求意见稿）\n教育部\n2024年2月8日")
    assert [(a.title, a.url) for a in article.attachments] == [
        ("校外培训管理条例（征求意见稿）", "http://www.moe.gov.cn/jyb_xwfb/s248/202402/W020240208467434413784.docx")
    ]
    assert leaks(article.body) == [] and "部署校外培训治理" not in article.body


def test_moe_old_template_subtitle_and_date():
    article = extract(MOE_OLD.encode(), "http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/201901/t20190118_367329.html")
    assert article.extractor == "moe_old"
    assert (article.title, article.subtitle) == ("2019年全国教育工作会议召开", "陈宝生作工作报告")
    assert (article.published, article.source) == ("2019-01-18", "教育部")
    assert article.body.count("\n") == 1 and "您的位置" not in article.body


@pytest.mark.parametrize("use_profiles", [True, False], ids=["profile", "generic"])
def test_ccgp_fields_attachments_and_no_challenge_script(use_profiles):
    url = "http://www.ccgp.gov.cn/cggg/dfgg/zbgg/202507/t20250714_24990000.htm"
    article = extract(CCGP.encode(), url, use_profiles=use_profiles)
    assert article.published == "2025-07-14T01:59:00+08:00"
    assert article.fields == {
        "项目名称": "济南大学学生公寓改造提升项目施工", "采购人": "济南大学", "行政区域": "山东省",
        "公告时间": "2025年07月14日 01:59", "中标金额": "￥10618.520389 万元（人民币）",
        "代理机构": "海逸恒安项目管理有限公司", "项目编号": "SDGP370000000202502005150",
    }
    assert [a.url for a in article.attachments] == ["http://download.ccgp.gov.cn/oss/download?uuid=ABC123"]
    assert "HOY_TR" not in article.body and "当前位置" not in article.body
    assert "四、公告期限：自本公告发布之日起1个工作日。" in article.body.split("\n")


def test_ceiea_members_only_page_is_flagged_with_empty_body():
    article = extract(CEIEA_MEMBERS.encode(), "http://www.ceiea.com/html/201908/201908120000000001.shtml")
    assert article.flags == [FLAG_MEMBERS_ONLY] and article.body == ""
    assert article.title == "汝阳县第二高级中学旧综合楼改造工程招标公告"
    assert (article.published, article.source) == ("2019-08-12", "中国教育装备网")


@pytest.mark.parametrize("use_profiles", [True, False], ids=["profile", "generic"])
def test_hanweb_gbk_page_table_rows_and_tails(use_profiles):
    url = "http://edu.gd.gov.cn/zxzx/tzgg/content/post_4368911.html"
    article = extract(HANWEB_GBK.encode("gbk"), url, use_profiles=use_profiles)
    assert article.encoding == "gb18030"
    assert article.body.split("\n") == [
        "各地级以上市教育局，各普通高等学校：",
        "根据《广东省教学成果奖励办法》，经评审、公示，现将2024年省级教学成果奖名单予以公布。",
        "序号 成果名称", "1 新工科人才培养模式改革", "附件：获奖名单.xlsx", "广东省教育厅", "2024年3月5日",
    ]
    assert article.title == "关于公布2024年省级教学成果奖名单的通知"
    assert (article.published, article.source) == ("2024-03-05T09:30:12+08:00", "广东省教育厅")
    assert article.attachments[0].url == "http://edu.gd.gov.cn/attachment/0/537/537123/4368911.xlsx"


# --- the golden corpus (tests/golden/<template>/<name>.html + .json) -------------------------------------

GOLDEN_CASES = sorted(GOLDEN.glob("*/*.json"))


@pytest.mark.parametrize("use_profiles", [True, False], ids=["profile", "generic"])
@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[f"{p.parent.name}/{p.stem}" for p in GOLDEN_CASES])
def test_golden(case, use_profiles):
    want = json.loads(case.read_text(encoding="utf-8"))
    raw = case.with_suffix(".html").read_bytes()
    got = extract(raw, want["url"], want.get("http_charset"), use_profiles=use_profiles)
    assert got.title == want["title"]
    assert got.published == want["published"]
    assert got.source == want["source"]
    assert got.subtitle == want.get("subtitle")
    assert got.editor == want.get("editor")
    assert got.flags == want.get("flags", [])
    assert got.fields == want.get("fields", {})
    assert [{"title": a.title, "url": a.url} for a in got.attachments] == want.get("attachments", [])
    if want.get("encoding"):
        assert got.encoding == want["encoding"]
    f1 = char_f1(got.body, want["body"])
    assert f1 >= (0.98 if use_profiles else 0.95) or got.body == want["body"], f"body F1 {f1:.3f}"
    assert leaks(got.body) == [b for b in BOILERPLATE if b in want["body"]]


# --- hostile input ---------------------------------------------------------------------------------------

def test_empty_bytes():
    assert extract(b"", "http://x.test/a").flags == [FLAG_EMPTY]


def test_png_is_binary():
    article = extract(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "http://x.test/a.png")
    assert article.flags == [FLAG_BINARY] and article.body == ""


def test_truncated_html_keeps_what_arrived():
    cut = MOE.encode()[: MOE.encode().index("本次征求意见".encode())]
    article = extract(cut, "http://www.moe.gov.cn/jyb_xwfb/s248/202402/t20240208_1114758.html")
    assert FLAG_TRUNCATED in article.flags
    assert article.body.startswith("为规范校外培训活动")


def test_20mb_page_is_capped_and_flagged():
    filler = ("<p>" + "填充文字，" * 40 + "</p>\n").encode()
    body = MOE.encode() + filler * (20_000_000 // len(filler))
    article = extract(body, "http://www.moe.gov.cn/jyb_xwfb/s248/202402/t20240208_1114758.html")
    assert len(body) > MAX_BYTES and FLAG_HUGE in article.flags
    assert article.title.startswith("教育部关于")


def test_5000_deep_nested_divs():
    text = "深层嵌套页面中的正文段落，应当被完整提取出来，而不是崩溃或丢失。"
    body = ("<html><body>" + "<div>" * 5000 + f"<p>{text}</p>" + "</div>" * 5000 + "</body></html>").encode()
    article = extract(body, "http://x.test/deep.html")
    assert text in article.body


SHIPPED_PAGES = sorted([*GOLDEN.glob("*/*.html"), *(GOLDEN.parent / "realpages").glob("*/*.html")])


@pytest.mark.parametrize("page", SHIPPED_PAGES, ids=lambda p: f"{p.parent.name}/{p.stem[:12]}")
def test_lines_drawn_in_c_are_the_lines_walked_in_python(page):
    """node_lines draws lines with libxslt for speed; the Python walk is the definition (and the fallback)."""
    root = etree.HTML(page.read_bytes(), etree.HTMLParser(huge_tree=True))
    for node in [root, *root.iter("div", "td", "p")][:200]:
        assert node_lines(node) == walk_lines(node)


def test_whitespace_is_unicode_whitespace_zero_width_space_and_bom():
    """norm/squash split on str.split()'s whitespace; they must equal the regex they replaced, char for char."""
    space = re.compile(r"[\s\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")
    spaces = [chr(c) for c in range(0x3001) if space.fullmatch(chr(c))] + ["\ufeff"]
    alphabet = [*spaces, "a", "中", "，", "\u2028", "\x1c", "\x85", "\u200c"]
    rng = random.Random(17)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert norm(text) == space.sub(" ", text).strip() and squash(text) == space.sub("", text), repr(text)


def test_attribute_patterns_match_as_case_insensitive_regexes_do():
    pattern = r"share|tit\b|(^|[\s_-])ad([\s_-]|$)|trs_editor"
    attr, regex = AttrPattern(pattern), re.compile(pattern, re.I)
    alphabet = ["share", "SHARE", "Tit", "ad", "AD", "TRS_Editor", " ", "_", "-", "x", "\u212a", "é", "标题"]
    rng = random.Random(3)
    for _ in range(5_000):
        attrs = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))
        assert bool(attr.search(attrs)) == bool(regex.search(attrs)), repr(attrs)
    with pytest.raises(ValueError, match="lower case"):
        AttrPattern(r"\S+")


# the attribute patterns as first written, one plain alternative per word: the fast ones must match what these did
_PLAIN_NOISE = (r"share|relnews|related|xgxw|xgyd|moecode|page-set|shoucang|footer|copyright|breadcrumb|currentloc|"
                r"curpage|sidebar|comment|qrcode|erweima|detail-editor|random_comp|toolbar|login|(^|[\s_-])nav|menu|"
                r"banner|advert|printbtn|newsletter|subscribe|self-promo|(^|[\s_-])ad([\s_-]|$)")
_PLAIN_TITLE = r"title|tit\b|headline|font20|\bbt\b|biaoti"


@pytest.mark.parametrize("fast, plain", [(clean._NOISE_ATTR, _PLAIN_NOISE), (clean._TITLE_ATTR, _PLAIN_TITLE)],
                         ids=["noise", "title"])
def test_letter_first_attribute_patterns_match_what_the_plain_words_did(fast, plain):
    words = re.sub(r"\(\^\|\[\\s_-\]\)|\(\[\\s_-\]\|\$\)|\\b", "", plain).split("|")
    alphabet = [*words, "NAV", "Ad", "x", "a", "b", "n", "t", " ", "_", "-", "\t", "1", "é", "\u212a", "标题"]
    rng = random.Random(5)
    for _ in range(20_000):
        attrs = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        assert bool(fast.search(attrs)) == bool(re.search(plain, attrs, re.I)), repr(attrs)


def test_stop_prefixes_are_words_whose_first_characters_are_known():
    """drop_tail_sections rules elements out by the first character of their text before trying the regex."""
    for word in clean._STOP_PREFIX.pattern.split("|"):
        assert word == re.escape(word) and word[0] in clean._STOP_FIRST, word


def test_lines_keep_newlines_in_text_as_spaces_and_cells_apart():
    html = ("<html><body><div>第一行\n仍是第一行<br>第二行<!-- 注释 --><table><tr><td>序号</td><td>名称</td></tr>"
            "</table><p>\u3000段落\xa0文字</p>尾<!-- 注释 -->仍是尾</div>之后</body></html>")
    div = etree.HTML(html).find(".//div")
    assert node_lines(div) == walk_lines(div) == ["第一行 仍是第一行", "第二行", "序号 名称", "段落 文字", "尾仍是尾"]


def test_lines_of_the_deepest_tree_the_parser_builds():
    html = "<html><body>" + "<div>" * 2100 + "<p>深处的段落</p>" + "</div>" * 2100 + "</body></html>"
    root = etree.HTML(html, etree.HTMLParser(huge_tree=True))
    assert node_lines(root) == walk_lines(root)


def test_lines_after_a_second_html_root_are_not_the_first_roots():
    root = etree.HTML("<html><body><p>正文</p></body></html><html><p>之后</p></html>")
    assert node_lines(root) == walk_lines(root) == ["正文"]


def test_list_page_is_not_an_article():
    items = "".join(
        f'<li><a href="./202402/t2024020{i}_11147{i}.html" title="教育部关于第{i}项工作的通知">教育部关于第{i}项工作的通知…</a>'
        f"<span>2024-02-0{i}</span></li>" for i in range(1, 10)
    )
    body = f"<html><head><title>公告公示</title></head><body><ul id='list'>{items}</ul></body></html>"
    article = extract(body.encode(), "http://www.moe.gov.cn/jyb_xwfb/s248/")
    assert article.flags == [FLAG_NOT_ARTICLE] and article.body == ""


def test_error_page_is_flagged():
    body = "<html><head><title>错误页面！</title></head><body><p>对不起，您访问的页面不存在。</p></body></html>"
    assert FLAG_ERROR_PAGE in extract(body.encode(), "http://www.ccgp.gov.cn/x.htm").flags


def test_waf_challenge_is_flagged():
    body = "<html><head><title>安全验证</title><script>var a=1;</script></head><body><p>频繁访问，请稍后再试</p></body></html>"
    article = extract(body.encode(), "http://www.ccgp.gov.cn/cggg/x.htm")
    assert article.flags == [FLAG_WAF] and article.body == ""


def test_script_only_page_is_a_waf_challenge():
    body = b"<html><head><script>document.cookie='HBB_HC=1';location.reload();</script></head><body></body></html>"
    assert extract(body, "http://www.ccgp.gov.cn/a.htm").flags == [FLAG_WAF]


def test_str_input_is_a_clear_type_error():
    with pytest.raises(TypeError, match="raw bytes"):
        extract("<html></html>", "http://x.test/a")  # type: ignore[arg-type]


def test_xhtml_with_xml_declaration_in_gbk():
    body = (
        '<?xml version="1.0" encoding="gbk"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>通知</title>'
        "</head><body><div id='zoom'><p>各高等学校：现将2024年度教学工作安排通知如下，请认真贯彻执行。</p></div></body></html>"
    ).encode("gbk")
    article = extract(body, "http://jyt.zj.gov.cn/art/2024/1/9/art_1.html")
    assert article.encoding == "gb18030" and article.body.startswith("各高等学校：")


@pytest.mark.parametrize(
    "body",
    [b"<", b"<html>", b"</div></div></p>", b"\xff\xfe\x00",
     b"<html><body><table><tr><td>" * 300, b"<script>" + b"x" * 5000, b"<!-- never closed"],
    ids=["lt", "open-html", "closers", "utf16-bom-only", "unclosed-tables", "script", "comment"],
)
def test_garbage_never_raises(body):
    article = extract(body, "http://x.test/a")
    assert article.flags  # always says what was wrong instead of raising


def test_horizontal_result_table_is_body_not_fields():
    page = (
        "<html><head><title>某中学设备采购中标公告</title></head><body><div class='content'>"
        "<p>一、项目编号：ZB-2024-001</p><p>二、项目名称：某中学实验室设备采购，现将中标结果公告如下。</p>"
        "<table><tr><th>中标供应商</th><th>中标金额</th></tr><tr><td>甲公司</td><td>100万元</td></tr></table>"
        "</div></body></html>"
    )
    article = extract(page.encode(), "http://x.test/zb.html")
    assert article.fields == {"项目编号": "ZB-2024-001", "项目名称": "某中学实验室设备采购，现将中标结果公告如下。"}
    assert "甲公司 100万元" in article.body.split("\n")


# --- general causes found on unseen real pages (ccwe_zh_recent); pages written here, not read from there -----

def _generic(page: str):
    return extract(page.encode("utf-8"), "http://news.example.org/a/1.html", use_profiles=False)


LEAD = "各位好，欢迎收听本周的教育新闻摘要。教育部近日发布通知，部署今年春季学期的中小学实验教学工作，要求各地做好准备。"
CAPTION = "学生在实验室进行化学实验"


def test_lead_paragraph_and_caption_before_the_body_div_are_kept():
    """A standfirst <p> and a captioned picture placed just above the body's own div belong to the article."""
    page = f"""<html><head><meta charset="utf-8"><title>春季学期实验教学工作部署</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news">新闻</a></div>
<h1>春季学期实验教学工作部署</h1><div class="meta">2024-02-05 10:00 来源：教育新闻网</div>
<p class="chapo">{LEAD}</p>
<table><tr><td><img src="lab.jpg"></td></tr><tr><td><p>{CAPTION}</p></td></tr></table>
<div class="article-body">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>
<div class="footer">版权所有 教育新闻网</div></body></html>"""
    lines = _generic(page).body.split("\n")
    assert lines == [LEAD, CAPTION, *PARAS]


def test_byline_and_link_bar_before_the_body_div_stay_out():
    """The lead walk stops at a byline or a link bar: they are not article text."""
    page = f"""<html><head><meta charset="utf-8"><title>春季学期实验教学工作部署</title></head><body>
<p>{LEAD}</p>
<p>发布时间：2024-02-05 10:00 来源：教育新闻网 浏览次数：35</p>
<p><a href="/1">在线荐稿</a> <a href="/2">记者博客</a> <a href="/3">联系记者</a></p>
<div class="article-body">{"".join(f"<p>{p}</p>" for p in PARAS)}</div></body></html>"""
    body = _generic(page).body
    assert body.split("\n") == PARAS


REFS = [
    "[1] 张三. 中小学实验教学改革研究[J]. 教育装备研究, 2020, 36(5): 12-18.",
    "[2] 李四, 王五. 数字化实验室建设与管理[M]. 北京: 教育科学出版社, 2019.",
    "[3] 赵六. 基础教育装备标准化的实践与思考[J]. 中国教育技术装备, 2021(11): 33-35.",
]


def test_reference_list_split_off_after_the_body_is_kept():
    """Punctuated prose in its own block right after the body (a continuation, a reference list) is article text."""
    rows = "".join(f"<tr><td>{r[:3]}</td><td>{r[4:]}</td></tr>" for r in REFS)
    page = f"""<html><head><meta charset="utf-8"><title>中小学实验教学研究</title></head><body>
<div class="paper">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>
<div><p><b>参考文献</b></p><table>{rows}</table></div>
<div class="related"><a href="/x">相关文章一</a><a href="/y">相关文章二</a></div></body></html>"""
    body = _generic(page).body
    assert body.split("\n")[:3] == PARAS
    assert all(r[4:] in body for r in REFS)
    assert "相关文章" not in body


@pytest.mark.parametrize("tail", [
    "来源：教育新闻网，责任编辑：王五，转载请注明出处，谢谢合作，欢迎各位读者来信来稿，共同交流，互相学习，共同进步。",
    "声明：本网转载的文章仅代表作者个人观点，与本网无关，其原创性、真实性以及文中陈述内容本网不作任何保证，请读者自行核实相关内容，谢谢理解。",
    "本站部分文章来自网络，文章内容仅供参考，不代表本站观点，如涉及作品内容、版权和其它问题，请在三十日内与本网联系，我们将在第一时间删除内容。本站保留对本声明的最终解释权，欢迎各位读者监督。如需转载本站原创文章，请注明出处和作者，并保持文章完整，谢谢合作。",
], ids=["source-editor", "disclaimer-heading", "unheaded-disclaimer"])
def test_tail_walk_stops_at_source_and_disclaimer_blocks(tail):
    """A punctuated block after the body holding 来源/责任编辑 or a disclaimer is never taken as a continuation."""
    page = f"""<html><head><meta charset="utf-8"><title>中小学实验教学研究</title></head><body>
<div class="paper">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>
<div><p>{tail}</p></div></body></html>"""
    body = _generic(page).body
    assert body.split("\n") == PARAS


@pytest.mark.parametrize("noise", [
    "原标题：实验教学改革的新探索",
    "展开全文",
    "【编辑:刘欢】 返回新闻网，查看更多",
    "（编辑：王五）",
    "返回首页，查看更多",
    "分享让更多人看到",
    "广告",
], ids=["original-title", "fold-button", "bracketed-editor", "paren-editor", "back-link", "share-prompt", "ad-label"])
def test_reprint_and_ui_lines_are_not_body(noise):
    """原标题, fold buttons, bracketed editor tails, back-links, share prompts and ad labels are page furniture."""
    page = f"""<html><head><meta charset="utf-8"><title>实验教学</title></head><body>
<div class="content"><p>{noise}</p>{"".join(f"<p>{p}</p>" for p in PARAS)}<p>{noise}</p></div></body></html>"""
    assert _generic(page).body.split("\n") == PARAS


@pytest.mark.parametrize("cls", ["m-block-ad", "o-self-promo", "newsletter-box", "subscribe"])
def test_ad_promo_and_newsletter_blocks_inside_the_body_are_dropped(cls):
    """Ad slots, app promotions and newsletter sign-ups sit inside the article div on news sites."""
    page = f"""<html><head><meta charset="utf-8"><title>实验教学</title></head><body>
<div class="content">{"".join(f"<p>{p}</p>" for p in PARAS[:2])}
<div class="{cls}"><p>下载我们的应用程序，跟踪国际时事</p><span>订阅</span></div><p>{PARAS[2]}</p></div></body></html>"""
    assert _generic(page).body.split("\n") == PARAS


BODY_DIV = f'<div class="content">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>'


@pytest.mark.parametrize(("head", "body", "title"), [
    # a CMS leaking markup into the ArticleTitle meta
    ('<meta name="ArticleTitle" content="凝聚强大力量<div>——祝贺会议开幕</div>"><title>凝聚强大力量——祝贺会议开幕_市政府网</title>',
     "", "凝聚强大力量——祝贺会议开幕"),
    # the site name in an <h1> is echoed by <title> too: the longer echoed heading is the headline
    ("<title>土豆不“土” 土豆无“土” 松花江网</title>", "<h1>松花江网</h1><h2>土豆不“土” 土豆无“土”</h2>",
     "土豆不“土” 土豆无“土”"),
    # a short name as the whole first part of <title>
    ("<title>金锺国 - 维基百科，自由的百科全书</title>", '<h1>金锺国</h1><div class="toctitle">目录</div>', "金锺国"),
    # a scholarly page: no heading echoes <title>, citation_title names it; the menu's "panel-title" does not
    ('<title>\n淘宝网物流配送研究\n</title><meta name="citation_title" content="淘宝网物流配送研究">',
     '<h4 class="panel-title">期刊菜单</h4>', "淘宝网物流配送研究"),
    # teasers in a side box classed "title" are not the headline; <title> (cut at "--") is
    ("<title>拿起跨界“指挥棒”她跟学生成长--大河网</title>", '<div class="box2-title">2月14日冬奥看点</div>',
     "拿起跨界“指挥棒”她跟学生成长"),
], ids=["markup-in-meta", "site-name-h1", "short-name-h1", "citation-title", "side-box-teaser"])
def test_title_on_unseen_templates(head, body, title):
    page = f'<html><head><meta charset="utf-8">{head}</head><body>{body}{BODY_DIV}</body></html>'
    assert _generic(page).title == title


def test_wiki_heading_edit_buttons_are_not_body():
    """"简介[编辑]": the bracketed edit button is page furniture; the heading itself is article text."""
    page = f"""<html><head><meta charset="utf-8"><title>实验教学 - 百科</title></head><body><div class="content">
<h2>简介<span class="editsection">[<a href="/edit?s=1">编辑</a>]</span></h2>{"".join(f"<p>{p}</p>" for p in PARAS)}
</div></body></html>"""
    assert _generic(page).body.split("\n") == ["简介", *PARAS]


def test_government_disclosure_index_and_download_buttons_are_not_body():
    page = """<html><head><title>关于做好校园安全工作的通知_省人民政府</title></head><body>
    <div id="zoom">
      <table><tr><td>索 引 号：</td><td>11220000013544357T/2022-00426</td><td>分 类：</td><td>通知</td></tr>
      <tr><td>发文机关：</td><td>省人民政府</td><td>成文日期：</td><td>2022年01月27日</td></tr></table>
      <div class="mobile">索 引 号： 11220000013544357T/2022-00426 分 类： 通知</div>
      <p>X</p>
      <h1>关于做好校园安全工作的通知</h1>
      <p>各市（州）人民政府，省政府各厅委办、各直属机构：为切实做好校园安全工作，现就有关事项通知如下。</p>
      <p>一、各地要建立健全校园安全管理制度，落实安全责任，定期开展隐患排查。</p>
      <p>省人民政府</p><p>2022年1月27日</p>
      <p><a href="a.pdf">pdf下载</a> <a href="a.doc">word下载</a></p>
    </div></body></html>"""
    for use_profiles in (True, False):
        body = extract(page.encode(), "http://www.jl.gov.cn/zw/a.html", use_profiles=use_profiles).body
        assert body.splitlines() == [
            "各市（州）人民政府，省政府各厅委办、各直属机构：为切实做好校园安全工作，现就有关事项通知如下。",
            "一、各地要建立健全校园安全管理制度，落实安全责任，定期开展隐患排查。",
            "省人民政府", "2022年1月27日"], body
