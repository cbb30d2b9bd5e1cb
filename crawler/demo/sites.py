"""Deterministic look-alike sites (caigou, moe, ccgp, ceiea, provincial, portal) rendered from plain data."""

from __future__ import annotations

import hashlib
import html
import logging
import posixpath
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from crawler.errors import EduwatchError

log = logging.getLogger(__name__)


class DemoError(EduwatchError, ValueError):
    """A demo-site call named something that does not exist (a path, a sentence, a knob)."""


class Page(NamedTuple):
    """One HTTP answer: what a server would send for a path."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Noise:
    """Everything on a page that changes without the article changing (for change-detection tests)."""

    views: int = 2908  # 围观N次 / (N) counters
    related_seed: int = 0  # rotates 相关阅读 / relnews lists
    ad_variant: int = 0  # which ad block is shown
    recent_seed: int = 0  # rotates the portal's 最近更新 list
    footer_year: int = 2024
    nonce: str = "0"  # ccgp cookie-challenge values
    share_variant: int = 0  # share-bar markup flavour
    reorder: bool = False  # attribute order and indentation of the chrome


@dataclass
class DemoArticle:
    """The content of one article page; noise lives beside it and is rendered separately."""

    path: str
    title: str
    published: str  # "2024-02-08 13:48"
    source: str
    paragraphs: list[str]
    fields: dict[str, str] = field(default_factory=dict)
    attachments: list[tuple[str, str]] = field(default_factory=list)
    editor: str = ""
    subtitle: str | None = None
    kind: str = "news"  # news | tender | award | correction | members_only
    encoding: str | None = None  # None: the template's codec
    http_charset: str | None = None  # None: the template's header charset
    noise: Noise = field(default_factory=Noise)


@dataclass
class SiteSpec:
    name: str
    template: str
    list_path: str  # first list page
    per_page: int


# --- phrase bank ---------------------------------------------------------------------------------

PLACES = ["青海省", "浙江省", "广东省", "山东省", "河南省", "四川省", "湖北省", "江苏省", "云南省", "北京市"]
SUBJECTS = [
    "各地教育部门",
    "省教育厅",
    "市教育局",
    "各级各类学校",
    "职业院校",
    "高等学校",
    "区县教育行政部门",
]
ACTIONS = [
    "认真贯彻落实",
    "统筹推进",
    "持续深化",
    "扎实开展",
    "全面加强",
    "加快推进",
    "积极探索",
    "进一步规范",
]
OBJECTS = [
    "教育数字化战略行动",
    "义务教育优质均衡发展",
    "职业教育产教融合",
    "校园安全管理工作",
    "教育装备配备标准",
    "智慧校园建设",
    "实验室安全管理",
    "学生体质健康监测",
    "课后服务工作",
    "教师队伍建设",
    "劳动教育实践基地建设",
]
TAILS = [
    "，切实提高育人质量。",
    "，取得积极成效。",
    "，不断完善工作机制。",
    "，推动各项任务落地见效。",
    "，为高质量发展提供有力支撑。",
    "，确保各项工作落到实处。",
]
SCHOOLS = ["第一中学", "实验小学", "职业技术学院", "师范大学", "第二高级中学", "教育装备中心", "理工大学"]
ITEMS = [
    "智慧教室设备",
    "理化生实验室设备",
    "学生课桌椅",
    "图书馆图书",
    "录播教室",
    "体育器材",
    "校园安防监控系统",
]
EDITORS = ["曹建", "王莹", "李华", "张敏", "刘洋", "陈静"]
AGENTS = ["海逸恒安项目管理有限公司", "中教招标有限公司", "华采招标代理有限公司"]
SUPPLIERS = ["北京星火教育科技有限公司", "杭州启明教学设备有限公司", "广州博学实验器材有限公司"]


def _sentence(rng: random.Random) -> str:
    text = rng.choice(SUBJECTS) + rng.choice(ACTIONS) + rng.choice(OBJECTS) + rng.choice(TAILS)
    if rng.random() < 0.3:
        text = text[:-1] + f"，全年累计投入资金{rng.randint(120, 9800)}万元。"
    return text


def _paragraphs(rng: random.Random, n: int) -> list[str]:
    return ["".join(_sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def _news_title(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}"


def _tender(rng: random.Random, i: int, published: str) -> tuple[str, dict[str, str]]:
    buyer = rng.choice(PLACES) + rng.choice(["", "某市"]) + rng.choice(SCHOOLS)
    name = f"{buyer}{rng.choice(ITEMS)}采购项目"
    day = datetime.strptime(published, "%Y-%m-%d %H:%M") + timedelta(days=20)
    fields_ = {
        "项目编号": f"JY{published[:4]}-{i:05d}",
        "项目名称": name,
        "采购人": buyer,
        "采购方式": "公开招标",
        "预算金额": f"{rng.randint(30, 900) * 10000:,}.00元",
        "开标时间": day.strftime("%Y年%m月%d日 09:30"),
        "代理机构": rng.choice(AGENTS),
        "联系人": rng.choice(EDITORS),
        "联系电话": f"0571-8{rng.randint(1000000, 9999999)}",
    }
    return name + "招标公告", fields_


def _award(tender_fields: dict[str, str], rng: random.Random) -> tuple[str, dict[str, str]]:
    keys = ("项目编号", "项目名称", "采购人", "代理机构")
    fields_ = {k: tender_fields[k] for k in keys}
    fields_["供应商"] = rng.choice(SUPPLIERS)
    fields_["中标金额"] = f"{rng.randint(20, 800) * 10000:,}.00元"
    return tender_fields["项目名称"] + "中标（成交）结果公告", fields_


def _correction(tender_fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    keys = ("项目编号", "项目名称", "采购人")
    fields_ = {k: tender_fields[k] for k in keys}
    fields_["开标时间"] = tender_fields["开标时间"].replace("09:30", "14:30")
    return tender_fields["项目名称"] + "更正公告", fields_


# --- small markup helpers --------------------------------------------------------------------------


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _attrs(noise: Noise, *pairs: tuple[str, str]) -> str:
    """Attributes in source order, or reversed: the same element, different bytes."""
    items = list(reversed(pairs)) if noise.reorder else list(pairs)
    return "".join(f' {k}="{esc(v)}"' for k, v in items)


def _nl(noise: Noise) -> str:
    return "\n    " if noise.reorder else "\n"


def _paras(paragraphs: list[str], indent: str = "\u3000\u3000") -> str:
    return "\n".join(f"<p>{indent}{esc(p)}</p>" for p in paragraphs)


def _fields_lines(fields_: dict[str, str]) -> list[str]:
    return [f"{k}：{v}" for k, v in fields_.items()]


def _share_bar(noise: Noise) -> str:
    if noise.share_variant % 2:
        return '<div class="bdsharebuttonbox"><a class="bds_weixin" data-cmd="weixin"></a><a class="bds_more"></a></div>'
    return '<div class="share"><span>分享到：</span><a class="wx" href="#">微信</a><a class="wb" href="#">微博</a></div>'


def _ads(noise: Noise) -> str:
    banners = ["第七届图书馆 体育培训", "2024中国教育装备展示会", "智慧教育解决方案专题", "实验室建设博览会"]
    b = banners[noise.ad_variant % len(banners)]
    return f'<div class="ad"><a href="/ad/{noise.ad_variant}.html">{esc(b)}</a></div>'


def _cookie_script(noise: Noise) -> str:
    digest = hashlib.sha1(noise.nonce.encode()).hexdigest()
    return (
        f'<script id="keyparam" src="/_bot_sbu/sbu_fpcm.js">{digest[:32]}</script>'
        f'<script>(function () {{ document.cookie = "HOY_TR={digest[:16].upper()},{digest[16:32]}; '
        f'max-age=31536000; path=/";document.cookie = "HBB_HC={digest}{digest[:20]}; max-age=600; path=/"; }})()'
        "</script>"
    )


def _date(a: DemoArticle) -> str:
    return a.published[:10]


def _cn_datetime(a: DemoArticle) -> str:
    d = datetime.strptime(a.published, "%Y-%m-%d %H:%M")
    return d.strftime("%Y年%m月%d日 %H:%M")


def _doc(title: str, head: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f"<title>{esc(title)}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _pager(page_no: int, n_pages: int, href: Callable[[int], str], cls: str = "pages") -> str:
    links = [f'<a href="{href(p)}">{p}</a>' for p in range(1, n_pages + 1) if p != page_no]
    nxt = f'<a href="{href(page_no + 1)}">下一页</a>' if page_no < n_pages else ""
    return f'<div class="{cls}">共{n_pages}页 当前第{page_no}页 {" ".join(links)} {nxt}</div>'


@dataclass
class Ctx:
    """What an article renderer may know about the rest of its site (for related lists)."""

    related: list[DemoArticle]
    href: Callable[[DemoArticle, DemoArticle], str]  # link from one article page to another


def _related_items(a: DemoArticle, ctx: Ctx, teaser: bool) -> str:
    rows = []
    for r in ctx.related:
        tease = f"<p>{esc(r.paragraphs[0][:60])}…</p>" if teaser and r.paragraphs else ""
        rows.append(f'<li><a href="{ctx.href(a, r)}">{esc(r.title)}</a><span>{_date(r)}</span>{tease}</li>')
    return "\n".join(rows)


# --- caigou ----------------------------------------------------------------------------------------


def caigou_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    body = _paras(a.paragraphs + _fields_lines(a.fields))
    atts = "".join(f'<p>附件：<a href="{esc(h)}">{esc(t)}</a></p>' for t, h in a.attachments)
    main = (
        f'<div class="header"><a href="/">教育装备采购网</a>{_ads(n)}</div>{_nl(n)}'
        f"<div{_attrs(n, ('class', 'article'), ('id', 'article'))}>\n<h1>{esc(a.title)}</h1>\n"
        f'<div class="info">{esc(a.source)} {a.published} 围观{n.views}次</div>\n'
        f'<div class="main">\n{body}\n{atts}\n</div>\n'
        f'<div class="laiyuan">来源:{esc(a.source)} 责任编辑:{esc(a.editor)} <a href="/tougao/">我要投稿</a></div>\n'
        f"{_share_bar(n)}</div>{_nl(n)}"
        f'<div class="xgyd"><h3>相关阅读</h3><ul>{_related_items(a, ctx, True)}</ul></div>\n'
        '<div class="mzsm"><h4>版权与免责声明：</h4><p>①凡本网注明"来源：教育装备采购网"的所有作品，版权均属于本网，'
        "转载请注明出处。</p><p>②本网转载并注明自其它来源的作品，目的在于传递更多信息，并不代表本网赞同其观点。</p>"
        "<p>③如涉及作品内容、版权等问题，请在作品发表之日起两周内与本网联系。</p></div>\n"
        f'{_ads(replace(n, ad_variant=n.ad_variant + 1))}\n<div class="footer">© 2008-{n.footer_year} 教育装备采购网</div>'
    )
    return _doc(f"{a.title}_教育装备采购网", "", main)


def caigou_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    rows = "\n".join(
        f'<li><a href="{h}" target="_blank">{esc(a.title)}</a><span>{a.published}</span></li>'
        for h, a in items
    )
    pager = _pager(page_no, n_pages, lambda p: "list.shtml" if p == 1 else f"list_{p}.shtml")
    return _doc(
        "新闻资讯_教育装备采购网", "", f'<div class="list"><ul class="newslist">\n{rows}\n</ul>{pager}</div>'
    )


# --- moe (current TRS) -------------------------------------------------------------------------------


def moe_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    head = (
        f'<meta name="ArticleTitle" content="{esc(a.title)}">\n<meta name="PubDate" content="{a.published}">\n'
        f'<meta name="ContentSource" content="{esc(a.source)}">\n<meta name="ColumnName" content="工作动态">\n'
    )
    sub = f"\n<h2>{esc(a.subtitle)}</h2>" if a.subtitle else ""
    atts = "".join(
        f'<p>\u3000\u3000附件{i}.<a target="_blank" href="{esc(h)}">{esc(t)}</a></p>\n'
        for i, (t, h) in enumerate(a.attachments, 1)
    )
    related = "".join(f'<dd><a href="{ctx.href(a, r)}">{esc(r.title)}</a></dd>' for r in ctx.related)
    body = (
        f'<div id="moe-header"><a href="/">中华人民共和国教育部政府门户网站</a></div>{_nl(n)}'
        f"<div{_attrs(n, ('class', 'moe-detail-box'), ('id', 'moe-detail-box'))}>\n<h1>{esc(a.title)}</h1>{sub}\n"
        f'<div class="moe-detail-shuxing">{_date(a)}\u3000来源：{esc(a.source)}</div>\n'
        f'<div class="TRS_Editor">{_paras(a.paragraphs)}\n{atts}</div>\n'
        f'<div class="moe-detail-shuxing"><div id="detail-editor">（责任编辑：{esc(a.editor)}）</div></div>\n'
        '<div id="moeCode"><img src="/images/moe_code.png" alt="扫一扫在手机打开当前页"></div>\n'
        '<div id="moe-detail-page-set"><a href="javascript:window.print()">打印本页</a>'
        '<a href="javascript:window.close()">关闭窗口</a></div>\n<div class="shoucang">收藏</div>\n</div>\n'
        f'<dl class="relnews"><dt>相关新闻</dt>{related}</dl>\n<div class="editer_share">{_share_bar(n)}</div>\n'
        f'<div class="moe_footer">主办单位：中华人民共和国教育部 版权所有 {n.footer_year} 京ICP备10028400号</div>'
    )
    return _doc(f"{a.title} - 中华人民共和国教育部政府门户网站", head, body)


def moe_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    def cut(t: str) -> str:
        return t if len(t) <= 24 else t[:24] + "…"

    rows = "\n".join(
        f'<li><a href="{h}" target="_blank" title="{esc(a.title)}">{esc(cut(a.title))}</a><span>{_date(a)}</span></li>'
        for h, a in items
    )
    pager = _pager(page_no, n_pages, lambda p: "index.html" if p == 1 else f"index_{p - 1}.html", "scott")
    js = "<script>var wcmid=3; var wasid=6;</script>"
    return _doc(
        "工作动态 - 中华人民共和国教育部政府门户网站", "", f'<ul id="list">\n{rows}\n</ul>\n{pager}{js}'
    )


# --- moe_old (<= 2019 TRS) ----------------------------------------------------------------------------


def moe_old_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    sub = esc(a.subtitle or "").replace('"', "&quot;")
    body = (
        '<div id="curpage"><a href="/">首页</a> &gt; <a href="../">新闻</a> &gt; 工作动态</div>\n'
        f"<div{_attrs(n, ('id', 'content_body'), ('class', 'content'))}>\n<h1>{esc(a.title)}</h1>\n"
        f'<script>var file_subdoctitle = "{sub}"; if (file_subdoctitle != "") '
        '{ document.write("<h2>" + file_subdoctitle + "</h2>"); }</script>\n'
        f'<div id="content_date_source">{_date(a)}&nbsp;&nbsp;来源：{esc(a.source)}</div>\n'
        f'<div class="TRS_Editor">{_paras(a.paragraphs)}</div>\n'
        f'<div id="content_editor">（责任编辑：{esc(a.editor)}）</div>\n</div>\n'
        f'<div id="content_related"><ul>{_related_items(a, ctx, False)}</ul></div>\n'
        f'<div id="footer">Copyright {n.footer_year} 中华人民共和国教育部</div>'
    )
    return _doc(a.title, "", body)


# --- ccgp ------------------------------------------------------------------------------------------

CCGP_LABELS = {
    "项目名称": "采购项目名称",
    "采购人": "采购单位",
    "代理机构": "代理机构名称",
    "中标金额": "总中标金额",
}


def _ccgp_table(a: DemoArticle) -> str:
    rows = [
        f"<tr><td class='title'>{esc(CCGP_LABELS.get(k, k))}</td><td colspan='3'>{esc(v)}</td></tr>"
        for k, v in a.fields.items()
        if k != "项目编号"
    ]
    rows.append(f"<tr><td class='title'>公告时间</td><td colspan='3'>{_cn_datetime(a)}</td></tr>")
    return (
        "<div class='table'><h5>公告概要：</h5><table width='600'><tr><td colspan='4'><b>公告信息：</b></td></tr>"
        + "".join(rows)
        + "</table></div>"
    )


def ccgp_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    head = (
        f'<meta name="ArticleTitle" content="{esc(a.title)}" />\n<meta name="PubDate" content="{a.published}" />\n'
        '<meta name="ContentSource" content="中国政府采购网" />\n'
    )
    numbered = [f"<p><b>{i}、{esc(k)}：</b>{esc(v)}</p>" for i, (k, v) in enumerate(a.fields.items(), 1)]
    atts = "".join(f'<p><a href="{esc(h)}">{esc(t)}</a></p>' for t, h in a.attachments)
    body = (
        f'{_cookie_script(n)}\n<div class="v4incheadertop"><p class="cl">财政部唯一指定政府采购信息网络发布媒体</p></div>\n'
        '<div class="vF_deail_currentloc mt10"><p>当前位置：<a href="../../../../">首页</a>&raquo;'
        '<a href="../../../">政采公告</a>&raquo;<a href="../../">地方公告</a>&raquo;<a href="../">公开招标</a></p></div>\n'
        f"<div{_attrs(n, ('class', 'vF_detail_main'), ('id', 'detail_main'))}>\n"
        f'<div class="vF_detail_header"><h2 class="tc">{esc(a.title)}</h2>\n'
        f'<p class="tc"><span id="pubTime">{_cn_datetime(a)}</span> 来源：<span id="sourceName"></span> '
        '【<span id="printBtn">打印</span>】</p></div>\n'
        f"<!--contentTable-->\n{_ccgp_table(a)}\n<!--contentTable-->\n"
        f'<div class="vF_detail_content_container"><div class="vF_detail_content">\n{_cookie_script(n)}\n'
        f"{_paras(a.paragraphs)}\n{''.join(numbered)}\n{atts}\n</div></div>\n</div>\n"
        f'<div class="footer">Copyright© {n.footer_year} 中国政府采购网</div>'
    )
    return _doc(a.title, head, body)


def ccgp_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    rows = "\n".join(
        f'<li><a href="{h}" title="{esc(a.title)}">{esc(a.title)}</a><em>{a.published}:00</em>'
        f"<em>{esc(a.fields.get('行政区域', ''))}</em><em>{esc(a.fields.get('采购人', ''))}</em></li>"
        for h, a in items
    )
    pager = _pager(page_no, n_pages, lambda p: "index.htm" if p == 1 else f"index_{p - 1}.htm", "vT_z")
    return _doc("公开招标公告", "", f'<ul class="c_list_bid">\n{rows}\n</ul>\n{pager}')


# --- ceiea (GBK tables) --------------------------------------------------------------------------------


def ceiea_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    if a.kind == "members_only":
        text = (
            '<table bgcolor="#F6F6F6"><tr><td nowrap=""><img src="/images/ico-jg.gif"/>　'
            '<span class="font18">该正文内容您无权限浏览！</span></td></tr></table>'
        )
    else:
        text = _paras(a.paragraphs + _fields_lines(a.fields))
    talks = "".join(
        f'<a class="bt05_2012" href="{ctx.href(a, r)}">{esc(r.title)}</a><br/>' for r in ctx.related
    )
    body = (
        f'<table{_attrs(n, ("class", "table2"), ("width", "640"))} border="0" cellpadding="0" cellspacing="0">'
        '<tr><td>\n<table width="580"><tr><td height="40"><div align="center">'
        f'<font class="font20">{esc(a.title)}\n</font></div></td></tr></table>\n'
        '<table width="584"><tr><td align="right" height="40" width="66%"><font color="#999999">'
        '<a href="http://www.ceiea.com">www.ceiea.com</a></font>    '
        f'<font face="Arial">{_date(a)}    {esc(a.source)}    \n({n.views}</font>)</td>\n'
        f'<td><font color="#999999">分享到： </font>{_share_bar(n)}</td></tr></table>\n'
        f'<hr size="1"/>\n<span class="font14"><div class="article">\n{text}\n</div></span>\n</td></tr></table>\n'
        '<table align="center" width="580"><tr><td><b><font color="red">声明</font></b><font color="red">： '
        "本网部分文章系中国教育装备网转载自其它媒体，目的在于信息传递，并不代表本网赞同其观点和对其真实性负责。"
        "</font></td></tr></table>\n"
        '<table bgcolor="#E6E6E6"><tr><td>推荐企业</td></tr><tr><td id="random_comp"></td></tr></table>\n'
        f'<div class="hyft"><b>行业访谈</b><br/>{talks}</div>\n<div class="foot">Copyright {n.footer_year} ceiea.com</div>'
    )
    return _doc(f"{a.title}-中国教育装备网", '<meta charset="gb2312">\n', body, "gb2312")


def ceiea_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    rows = "\n".join(
        f'<tr><td>·<a href="{h}" target="_blank">{esc(a.title)}</a><span>{_date(a)}</span></td></tr>'
        for h, a in items
    )
    pager = _pager(page_no, n_pages, lambda p: f"0_{p}.htm", "listpages")
    return _doc(
        "招标信息-中国教育装备网",
        '<meta charset="gb2312">\n',
        f'<table width="640">\n{rows}\n</table>\n{pager}',
        "gb2312",
    )


# --- provincial (zj Hanweb, gd) and portal -----------------------------------------------------------


def zj_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    head = f'<meta name="ArticleTitle" content="{esc(a.title)}">\n<meta name="PubDate" content="{a.published}">\n'
    body = (
        '<div class="top"><a href="/">浙江省教育厅</a></div>\n'
        f'<table{_attrs(n, ("class", "main"), ("width", "100%"))}><tr><td class="title">{esc(a.title)}</td></tr>\n'
        f'<tr><td class="info">发布日期：{a.published} 信息来源：{esc(a.source)} 浏览次数：{n.views}</td></tr>\n'
        f'<tr><td><div id="zoom">{_paras(a.paragraphs)}</div></td></tr></table>\n'
        f'<div class="bottom">{_share_bar(n)}<a href="javascript:window.print()">打印本页</a></div>\n'
        f'<div class="footer">浙江省教育厅 版权所有 {n.footer_year}</div>'
    )
    return _doc(a.title, head, body)


def zj_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    rows = "\n".join(
        f'<li><a href="{h}" title="{esc(a.title)}">{esc(a.title)}</a><span>{_date(a)}</span></li>'
        for h, a in items
    )
    pager = _pager(
        page_no, n_pages, lambda p: "index.html" if p == 1 else f"index_{p}.html", "default_pgPanel"
    )
    return _doc("通知公告 浙江省教育厅", "", f'<div id="1532973"><ul>\n{rows}\n</ul></div>\n{pager}')


def gd_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    charset = "gb2312" if (a.encoding or "").lower() in ("gbk", "gb2312", "gb18030") else "utf-8"
    body = (
        '<div class="nav">当前位置：<a href="/">首页</a> &gt; 通知公告</div>\n'
        f'<div{_attrs(n, ("class", "article"), ("id", "article"))}><div class="article_title"><h3>{esc(a.title)}</h3></div>\n'
        f'<div class="date">发布时间：{a.published}:00 来源：{esc(a.source)}</div>\n'
        f'<div class="article_con" id="zoomcon">{_paras(a.paragraphs)}</div></div>\n'
        f'{_share_bar(n)}\n<div class="footer">广东省教育厅 {n.footer_year}</div>'
    )
    return _doc(a.title, "", body, charset)


def gd_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    rows = "\n".join(f'<li><a href="{h}">{esc(a.title)}</a><span>{_date(a)}</span></li>' for h, a in items)
    pager = _pager(page_no, n_pages, lambda p: "index.html" if p == 1 else f"index_{p}.html", "page")
    return _doc("通知公告-广东省教育厅", "", f'<div class="list_list"><ul>\n{rows}\n</ul></div>\n{pager}')


def portal_article(a: DemoArticle, ctx: Ctx) -> str:
    n = a.noise
    recent = ctx.related[n.recent_seed % max(1, len(ctx.related)) :] + ctx.related
    items = "\n".join(f'<li>- <a href="{ctx.href(a, r)}">{esc(r.title)}</a></li>' for r in recent[:20])
    body = (
        f'<div class="nav"><a href="/">首页</a> 教育 高校 留学</div>\n{_ads(n)}\n'
        f"<div{_attrs(n, ('class', 'article'), ('id', 'content'))}><h1>{esc(a.title)}</h1>\n"
        f'<div class="time">{a.published}</div>\n<div class="text">{_paras(a.paragraphs, "")}</div>\n'
        f'<p class="author">来源：{esc(a.source)} 作者：{esc(a.editor)}</p></div>\n'
        '<div class="copyright">版权声明：本站转载作品仅为传递信息，版权归原作者所有。</div>\n'
        f'<div class="recent"><h3>最近更新</h3><ul>{items}</ul></div>\n<div class="footer">© {n.footer_year}</div>'
    )
    return _doc(a.title, "", body)


def portal_list(items: list[tuple[str, DemoArticle]], page_no: int, n_pages: int, spec: SiteSpec) -> str:
    rows = "\n".join(f'<li><a href="{h}">{esc(a.title)}</a> {_date(a)}</li>' for h, a in items)
    pager = _pager(page_no, n_pages, lambda p: "index.html" if p == 1 else f"index_{p}.html")
    return _doc("教育新闻", "", f'<ul class="news">\n{rows}\n</ul>\n{pager}')


# --- the template registry -----------------------------------------------------------------------------

ArticleRenderer = Callable[[DemoArticle, Ctx], str]
ListRenderer = Callable[[list[tuple[str, DemoArticle]], int, int, SiteSpec], str]


@dataclass(frozen=True)
class Template:
    """How one site family names its pages and draws them."""

    name: str
    list_dir: str
    list_name: Callable[[int], str]  # page number (1-based) -> file name in list_dir
    article_path: Callable[[int, datetime, int], str]  # (index, date, per-day sequence) -> path
    article: ArticleRenderer
    listing: ListRenderer
    start: datetime
    source: str
    encoding: str = "utf-8"
    http_charset: str = "utf-8"
    per_page: int = 20
    n_related: int = 5


def _index(ext: str, first: int = 0) -> Callable[[int], str]:
    """TRS-style names: index.ext, then index_<p-1+first>.ext."""
    return lambda p: f"index.{ext}" if p == 1 else f"index_{p - 1 + first}.{ext}"


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in [
        Template(
            "caigou",
            "/news/",
            lambda p: "list.shtml" if p == 1 else f"list_{p}.shtml",
            lambda i, d, s: f"/news/{d:%Y%m%d}{s:02d}.shtml",
            caigou_article,
            caigou_list,
            datetime(2022, 3, 25, 13, 23),
            "教育装备采购网",
        ),
        Template(
            "moe",
            "/jyb_xwfb/gzdt_gzdt/",
            _index("html"),
            lambda i, d, s: f"/jyb_xwfb/gzdt_gzdt/{d:%Y%m}/t{d:%Y%m%d}_{1114758 - i * 13}.html",
            moe_article,
            moe_list,
            datetime(2024, 2, 8, 9, 0),
            "教育部",
        ),
        Template(
            "moe_old",
            "/jyb_xwfb/gzdt_gzdt/moe_1485/",
            _index("html"),
            lambda i, d, s: f"/jyb_xwfb/gzdt_gzdt/moe_1485/{d:%Y%m}/t{d:%Y%m%d}_{343000 - i * 11}.html",
            moe_old_article,
            moe_list,
            datetime(2019, 6, 18, 9, 0),
            "教育部新闻办公室",
        ),
        Template(
            "ccgp",
            "/cggg/dfgg/gkzb/",
            _index("htm"),
            lambda i, d, s: f"/cggg/dfgg/gkzb/{d:%Y%m}/t{d:%Y%m%d}_{24000000 - i}.htm",
            ccgp_article,
            ccgp_list,
            datetime(2025, 7, 14, 1, 59),
            "中国政府采购网",
        ),
        Template(
            "ceiea",
            "/stock/",
            lambda p: f"0_{p}.htm",
            lambda i, d, s: f"/html/{d:%Y%m}/{d:%Y%m%d}{i:09d}.shtml",
            ceiea_article,
            ceiea_list,
            datetime(2019, 8, 12, 9, 0),
            "中国教育装备网",
            encoding="gbk",
            http_charset="gb2312",
        ),
        Template(
            "zj",
            "/col/col1532973/",
            lambda p: "index.html" if p == 1 else f"index_{p}.html",
            lambda i, d, s: f"/art/{d.year}/{d.month}/{d.day}/art_1532973_{5800000 + i}.html",
            zj_article,
            zj_list,
            datetime(2024, 3, 1, 10, 0),
            "浙江省教育厅",
        ),
        Template(
            "gd",
            "/zxzx/tzgg/",
            lambda p: "index.html" if p == 1 else f"index_{p}.html",
            lambda i, d, s: f"/zxzx/tzgg/content/post_{4300000 + i}.html",
            gd_article,
            gd_list,
            datetime(2024, 3, 5, 16, 30),
            "广东省教育厅",
        ),
        Template(
            "portal",
            "/news/",
            lambda p: "index.html" if p == 1 else f"index_{p}.html",
            lambda i, d, s: f"/a/{d:%Y%m%d}/{i}.html",
            portal_article,
            portal_list,
            datetime(2023, 11, 20, 8, 15),
            "中国教育在线",
            n_related=20,
        ),
    ]
}


# --- generation ------------------------------------------------------------------------------------------


def _kind(template: str, i: int) -> str:
    if template == "ccgp":
        return ("tender", "award", "correction")[i % 3]
    if template == "caigou":
        return "tender" if i % 3 == 2 else "news"
    if template == "ceiea":
        return "members_only" if i % 4 == 3 else ("tender" if i % 2 == 0 else "news")
    return "news"


def _make_article(
    t: Template, i: int, when: datetime, seq: int, rng: random.Random, tenders: dict[int, dict[str, str]]
) -> DemoArticle:
    published = when.strftime("%Y-%m-%d %H:%M")
    kind = _kind(t.name, i)
    title, fields_ = _news_title(rng), {}
    if kind == "tender" or (kind != "news" and i - i % 3 not in tenders):
        title, fields_ = _tender(rng, i, published)
        tenders[i] = fields_
    elif kind == "award":
        title, fields_ = _award(tenders[i - 1], rng)
    elif kind == "correction":
        title, fields_ = _correction(tenders[i - 2])
    if t.name == "ccgp":
        fields_["行政区域"] = fields_["采购人"][:3]
    a = DemoArticle(
        t.article_path(i, when, seq),
        title,
        published,
        t.source,
        _paragraphs(rng, rng.randint(2, 6)),
        fields_,
        editor=rng.choice(EDITORS),
        kind=kind,
    )
    _decorate(t, i, a, rng)
    return a


def _decorate(t: Template, i: int, a: DemoArticle, rng: random.Random) -> None:
    """Per-template variety: subtitles, attachments, a GBK page whose header says utf-8."""
    if t.name in ("moe", "moe_old") and i % 3 == 2:
        a.subtitle = f"——{rng.choice(PLACES)}{rng.choice(OBJECTS)}工作综述"
    if t.name == "moe" and i % 4 == 1:
        a.attachments = [
            (f"{rng.choice(OBJECTS)}实施方案", f"./W0{a.published[:10].replace('-', '')}{i:09d}.docx")
        ]
    if t.name == "ccgp" and a.kind == "tender":
        uuid = hashlib.md5(a.path.encode()).hexdigest()
        a.attachments = [("采购文件", f"http://download.ccgp.gov.cn/oss/download?uuid={uuid}")]
    if t.name == "gd" and i % 3 == 1:
        a.encoding, a.http_charset = "gbk", "utf-8"


def _articles(t: Template, n: int, seed: int) -> list[DemoArticle]:
    rng = random.Random(f"{t.name}:{seed}")
    when, seq, out, tenders = t.start, 1, [], {}
    for i in range(n):
        out.append(_make_article(t, i, when, seq, rng, tenders))
        step = rng.choice([0, 0, 1, 1, 2])
        when = when - timedelta(days=step, minutes=rng.randint(5, 300))
        seq = seq + 1 if step == 0 else 1
    return out


def build_site(template: str, n_articles: int, seed: int = 0, per_page: int | None = None) -> Site:
    """A deterministic site: same (template, n, seed) gives byte-identical pages."""
    if template not in TEMPLATES:
        raise DemoError(f"unknown template {template!r}; choose one of {', '.join(TEMPLATES)}")
    if n_articles < 0:
        raise DemoError(f"n_articles must be >= 0, got {n_articles}")
    t = TEMPLATES[template]
    spec = SiteSpec(template, template, t.list_dir + t.list_name(1), per_page or t.per_page)
    return Site(spec, _articles(t, n_articles, seed))


def default_sites(seed: int = 0) -> dict[str, Site]:
    """The small bundle served by `eduwatch demo`: every template, about 30 articles, 2-3 list pages each."""
    sizes = {
        "caigou": (5, 2),
        "moe": (5, 2),
        "moe_old": (3, 2),
        "ccgp": (6, 3),
        "ceiea": (4, 2),
        "zj": (3, 2),
        "gd": (3, 2),
        "portal": (3, 2),
    }
    return {name: build_site(name, n, seed, per_page) for name, (n, per_page) in sizes.items()}


def _rel(target: str, from_dir: str) -> str:
    rel = posixpath.relpath(target, from_dir)
    return rel if rel.startswith("..") else "./" + rel


# --- the site --------------------------------------------------------------------------------------------

NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>页面不存在</title></head><body><h1>404 页面不存在</h1></body></html>"
)


class Site:
    """A live, mutable site: render(path) answers like the real server would. Safe across threads."""

    def __init__(self, spec: SiteSpec, articles: list[DemoArticle]):
        self.spec = spec
        self.template = TEMPLATES[spec.template]
        self._lock = threading.RLock()
        self._order = list(articles)  # newest first, the list pages' order
        self._articles = {a.path: a for a in articles}
        self._position = {a.path: i for i, a in enumerate(articles)}
        self._removed: set[str] = set()
        self._mtime = dict.fromkeys(self._articles, time.time())
        n_pages = max(1, -(-len(articles) // spec.per_page))
        self._lists = {self.template.list_dir + self.template.list_name(p): p for p in range(1, n_pages + 1)}

    # reading
    def list_paths(self) -> list[str]:
        return list(self._lists)

    def article_paths(self) -> list[str]:
        with self._lock:
            return [a.path for a in self._order if a.path not in self._removed]

    def article(self, path: str) -> DemoArticle:
        with self._lock:
            if path not in self._articles:
                raise DemoError(
                    f"no article at {path!r} on the {self.spec.name} site; see Site.article_paths()"
                )
            return self._articles[path]

    def last_modified(self, path: str) -> float:
        return self._mtime.get(path, 0.0)

    def render(self, path: str) -> Page | None:
        """The page at path, a 404 page for a removed article, or None for a path the site never had."""
        with self._lock:
            if path in self._removed:
                return Page(404, {"Content-Type": "text/html; charset=utf-8"}, NOT_FOUND_HTML.encode())
            if path in self._articles:
                return self._page(self._render_article(self._articles[path]), self._articles[path])
            if path in self._lists:
                return self._page(self._render_list(self._lists[path]), None)
            if path in ("/", ""):
                home = f'<html><body><a href="{self.spec.list_path.lstrip("/")}">列表</a></body></html>'
                return Page(200, {"Content-Type": "text/html; charset=utf-8"}, home.encode())
            return None

    def _page(self, text: str, a: DemoArticle | None) -> Page:
        codec = (a.encoding if a else None) or self.template.encoding
        charset = (a.http_charset if a else None) or self.template.http_charset
        return Page(
            200, {"Content-Type": f"text/html; charset={charset}"}, text.encode(codec, "xmlcharrefreplace")
        )

    def _render_article(self, a: DemoArticle) -> str:
        i, n = self._position[a.path], len(self._order)
        seed = a.noise.related_seed
        picks = [self._order[(i + 1 + seed + k) % n] for k in range(min(self.template.n_related, n - 1))]
        return self.template.article(
            a, Ctx(picks, lambda src, dst: _rel(dst.path, src.path.rsplit("/", 1)[0]))
        )

    def _render_list(self, page_no: int) -> str:
        live = [a for a in self._order if a.path not in self._removed] if self._removed else self._order
        chunk = live[(page_no - 1) * self.spec.per_page : page_no * self.spec.per_page]
        items = [(_rel(a.path, self.template.list_dir.rstrip("/")), a) for a in chunk]
        return self.template.listing(items, page_no, len(self._lists), self.spec)

    # mutating
    def _touch(self, path: str) -> DemoArticle:
        a = self.article(path)
        # at least one second later: Last-Modified has whole seconds, and an edit must never look unmodified
        self._mtime[path] = max(time.time(), self._mtime[path] + 1)
        return a

    def edit_sentence(self, path: str, old: str, new: str) -> None:
        with self._lock:
            a = self._touch(path)
            for k, p in enumerate(a.paragraphs):
                if old in p:
                    a.paragraphs[k] = p.replace(old, new, 1)
                    return
            raise DemoError(f"{old!r} is not in the body of {path}; pass a sentence copied from a.paragraphs")

    def set_field(self, path: str, key: str, value: str) -> None:
        with self._lock:
            self._touch(path).fields[key] = value

    def append_paragraph(self, path: str, text: str) -> None:
        with self._lock:
            self._touch(path).paragraphs.append(text)

    def add_attachment(self, path: str, title: str, href: str) -> None:
        with self._lock:
            self._touch(path).attachments.append((title, href))

    def set_title(self, path: str, title: str) -> None:
        with self._lock:
            self._touch(path).title = title

    def remove(self, path: str) -> None:
        with self._lock:
            self._touch(path)
            self._removed.add(path)

    def restore(self, path: str) -> None:
        with self._lock:
            self._touch(path)
            self._removed.discard(path)

    def set_noise(self, path: str, **knobs: object) -> None:
        """Change only what a change detector must ignore (counter, related lists, ads, nonce, ...)."""
        valid = {f.name for f in fields(Noise)}
        unknown = set(knobs) - valid
        if unknown:
            raise DemoError(f"unknown noise knob(s) {sorted(unknown)}; valid: {sorted(valid)}")
        with self._lock:
            a = self._touch(path)
            a.noise = replace(a.noise, **knobs)
