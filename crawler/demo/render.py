"""HTML renderers in the real sites' templates (caigou, moe, ccgp, ceiea, provincial, portal): data in, bytes-to-be out."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from crawler.demo.content import (
    DemoArticle,
    Noise,
    SiteSpec,
)

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
