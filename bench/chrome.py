"""Real-like page chrome for the benchmark mirror: headers, navigation, related lists, footers (10-25 KB pages).

Why: the demo templates carry only the article and a few lines of furniture (3-5 KB), while the real
sites' pages are 10-30 KB (the full ccgp 中标公告 the sample in ../shared/sites/ccgp was cut from is 31,471
characters): parsing, compressing and moving the chrome is part of what a crawl costs. The blocks below
follow the real pages' structure and class names (moe: the 教育部 header, column nav and the footer's
link boxes to 司局 / 直属单位 / 地方教育部门; ccgp: `v4incheadertop`, the 信息公告 nav and footer;
caigou: channel nav, the 热点资讯 / 推荐 side lists). The article's markup is untouched, so the extracted
article must be the same with and without chrome (bench/throughput.py checks this on every page).
"""

from __future__ import annotations

import hashlib
import html
import random

MOE_NAV = ["首页", "机构", "新闻", "公开", "服务", "互动", "专题", "文献", "数据", "English"]
MOE_COLUMNS = ["教育部简介", "部长信箱", "政务公开", "工作动态", "图片新闻", "视频新闻", "新闻发布会", "媒体聚焦",
               "高校动态", "地方动态", "政策法规", "文件通知", "人事信息", "规划计划", "教育统计", "财务信息"]
MOE_UNITS = ["办公厅", "政策法规司", "发展规划司", "综合改革司", "人事司", "财务司", "教材局", "基础教育司",
             "教育督导局", "职业教育与成人教育司", "高等教育司", "教师工作司", "体育卫生与艺术教育司", "思想政治工作司",
             "社会科学司", "科学技术与信息化司", "高校学生司", "学位管理与研究生教育司", "语言文字应用管理司",
             "国际合作与交流司", "港澳台办", "直属机关党委", "离退休干部局", "巡视工作办公室"]
PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南",
             "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "新疆生产建设兵团"]
CCGP_NAV = ["首页", "政采法规", "购买服务", "监督检查", "信息公告", "国际专栏", "PPP", "政采信用", "采购标准", "下载专区"]
CCGP_KINDS = ["公开招标", "询价公告", "竞争性谈判", "单一来源", "资格预审", "邀请公告", "中标公告", "成交公告",
              "更正公告", "废标公告", "终止公告", "其他公告", "竞争性磋商", "合同公告"]
CAIGOU_NAV = ["首页", "新闻资讯", "招标信息", "中标信息", "采购需求", "产品库", "企业库", "展会", "专题", "视频",
              "政策法规", "装备标准", "会员服务", "广告服务"]
TOPICS = ["智慧校园", "实验室建设", "教育装备", "课后服务", "职业教育", "学前教育", "劳动教育", "体育器材", "图书馆",
          "录播系统", "创客空间", "校园安全", "教育信息化", "心理健康", "食堂设备", "学生宿舍", "多媒体教室", "科学教育"]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _rng(key: str) -> random.Random:
    return random.Random(hashlib.sha1(key.encode()).hexdigest())


def _headline(rng: random.Random) -> str:
    return (f"{rng.choice(PROVINCES)}{rng.choice(['扎实推进', '全面加强', '持续深化', '统筹推进', '认真做好'])}"
            f"{rng.choice(TOPICS)}{rng.choice(['工作', '建设', '项目', '试点', '专项行动'])}")


def _links(rng: random.Random, n: int, prefix: str, date: bool = False) -> str:
    items = []
    for k in range(n):
        day = f"<span>2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}</span>" if date else ""
        items.append(f'<li><a href="{prefix}{rng.randint(100000, 999999)}_{k}.html" target="_blank" '
                     f'title="{_e(_headline(rng))}">{_e(_headline(rng))}</a>{day}</li>')
    return "\n".join(items)


def _scripts(rng: random.Random, site: str) -> str:
    token = hashlib.md5(str(rng.random()).encode()).hexdigest()
    return (f'<script type="text/javascript">var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script");'
            f' hm.src = "https://hm.baidu.com/hm.js?{token}"; var s = document.getElementsByTagName("script")[0];'
            f' s.parentNode.insertBefore(hm, s); }})();</script>\n'
            f'<script src="/js/{site}/jquery.min.js"></script><script src="/js/{site}/common.js?v={token[:8]}"></script>\n'
            '<script>$(function(){ $(".nav li").hover(function(){ $(this).addClass("on").siblings().removeClass("on"); });'
            ' $(".tab_t li").mouseover(function(){ var i = $(this).index(); $(".tab_c > div").hide().eq(i).show(); }); });'
            '</script>\n')


def _moe(rng: random.Random) -> tuple[str, str]:
    nav = "".join(f'<li><a href="/{k}/">{_e(n)}</a></li>' for k, n in enumerate(MOE_NAV))
    columns = "".join(f'<li><a href="/jyb_xwfb/col_{k}/">{_e(c)}</a></li>' for k, c in enumerate(MOE_COLUMNS))
    top = ('<div id="moe-topbar"><div class="moe-topbar-in"><span>今天是：<em id="today"></em></span>'
           '<a href="/s78/">无障碍</a><a href="/old/">长者模式</a><a href="/jyb_sy/">简体</a><a href="/big5/">繁体</a>'
           '<a href="/english/">English</a></div></div>\n'
           '<div id="moe-header"><a href="/"><img src="/images/moe_logo.png" alt="中华人民共和国教育部政府门户网站"></a>'
           '<form class="moe-search" action="/was5/web/search"><input name="searchword" placeholder="请输入关键字">'
           '<button type="submit">搜索</button></form></div>\n'
           f'<div id="moe-nav"><ul class="nav">{nav}</ul></div>\n<div class="moe-subnav"><ul>{columns}</ul></div>\n'
           '<div class="moe-position">您的位置：<a href="/">首页</a> &gt; <a href="/jyb_xwfb/">新闻</a> &gt; '
           '<a href="/jyb_xwfb/gzdt_gzdt/">工作动态</a></div>\n')
    boxes = []
    for label, names in (("部内司局", MOE_UNITS), ("直属单位", [f"{u}研究中心" for u in MOE_UNITS[:18]]),
                         ("地方教育部门", [f"{p}教育厅" for p in PROVINCES])):
        options = "".join(f'<option value="http://www.example.gov.cn/{rng.randint(100, 999)}/">{_e(n)}</option>'
                          for n in names)
        boxes.append(f'<div class="moe-links-box"><select onchange="window.open(this.value)">'
                     f'<option>{label}</option>{options}</select></div>')
    bottom = ('<div class="moe-related"><div class="tab_t"><ul><li class="on">相关新闻</li><li>热点专题</li>'
              f'<li>最新文件</li></ul></div><div class="tab_c"><div><ul>\n{_links(rng, 12, "/jyb_xwfb/gzdt_gzdt/t", True)}'
              f'\n</ul></div><div><ul>\n{_links(rng, 8, "/jyb_xwfb/xw_zt/t")}\n</ul></div><div><ul>\n'
              f'{_links(rng, 8, "/srcsite/A01/s7048/t", True)}\n</ul></div></div></div>\n'
              f'<div class="moe-footer-links">{"".join(boxes)}</div>\n'
              '<div class="moe_footer"><p><a href="/jyb_sy/sy_jyb/">关于我们</a> | <a href="/wzdt/">网站地图</a> | '
              '<a href="/s78/A01/">联系我们</a> | <a href="/jyb_hygq/">意见建议</a></p><p>主办单位：中华人民共和国教育部 '
              '地址：北京市西城区西单大木仓胡同37号 邮编：100816</p><p>京ICP备10028400号 京公网安备11040102700080号 '
              '网站标识码：bm05000001</p></div>\n' + _scripts(rng, "moe"))
    return top, bottom


def _ccgp(rng: random.Random) -> tuple[str, str]:
    nav = "".join(f'<li><a href="/{k}/">{_e(n)}</a></li>' for k, n in enumerate(CCGP_NAV))
    kinds = "".join(f'<li><a href="/cggg/dfgg/{k}/">{_e(n)}</a></li>' for k, n in enumerate(CCGP_KINDS))
    regions = "".join(f'<a href="/cggg/dfgg/region_{k}/">{_e(p)}</a>' for k, p in enumerate(PROVINCES))
    top = ('<div class="v4incheadertop"><div class="v4incheadertop_tel_block"><div class="v4incheadertop_tel">'
           '<p class="cl">财政部唯一指定政府采购信息网络发布媒体 国家级政府采购专业网站</p><p class="cr">服务热线：'
           '400-810-1996 &nbsp;|&nbsp; 服务投诉：010-63819289</p></div></div><div class="v4incheadertop_logo_block">'
           '<a href="/"><img src="/img/logo.png" alt="中国政府采购网"></a><form class="v4search" action="/search">'
           '<input name="searchword"><select name="bidType"><option>全部</option><option>招标公告</option>'
           '<option>中标公告</option></select><button>搜索</button></form></div>'
           f'<ul class="v4incheadertop_nav_ls">{nav}</ul><div class="clb"></div></div>\n'
           f'<div class="vF_deail_leftnav"><ul>{kinds}</ul><div class="vF_regions">{regions}</div></div>\n')
    bottom = (f'<div class="vF_detail_relcontent"><h3>相关公告</h3><ul class="c_list_bid">\n'
              f'{_links(rng, 15, "/cggg/dfgg/gkzb/t", True)}\n</ul></div>\n'
              f'<div class="vF_detail_relcontent"><h3>热点推荐</h3><ul>\n{_links(rng, 10, "/zcdt/t")}\n</ul></div>\n'
              '<div class="v4incfooter"><div class="v4incfooter_links"><a href="/aboutus/">关于我们</a>'
              '<a href="/contactus/">联系我们</a><a href="/sitemap/">网站地图</a><a href="/help/">帮助中心</a>'
              '<a href="/law/">法律声明</a></div><p>主办单位：中华人民共和国财政部国库司 承办单位：财政部信息网络中心</p>'
              '<p>京ICP备05006370号 京公网安备11010202007397号 网站标识码：bm14000002</p>'
              '<p>技术支持：中国政府采购网运维中心 联系电话：400-810-1996</p></div>\n' + _scripts(rng, "ccgp"))
    return top, bottom


def _caigou(rng: random.Random) -> tuple[str, str]:
    nav = "".join(f'<li><a href="/channel/{k}.shtml">{_e(n)}</a></li>' for k, n in enumerate(CAIGOU_NAV))
    topics = "".join(f'<a href="/topic/{k}.shtml">{_e(t)}</a>' for k, t in enumerate(TOPICS))
    top = ('<div class="top"><div class="top_in"><span>欢迎来到中国教育装备采购网！</span><a href="/login.shtml">登录'
           '</a><a href="/reg.shtml">免费注册</a><a href="/vip.shtml">会员服务</a><a href="/app.shtml">手机版</a>'
           '</div></div>\n<div class="header"><a class="logo" href="/"><img src="/images/logo.png" alt="教育装备采购网">'
           '</a><div class="search"><form action="/search.shtml"><input name="kw" placeholder="输入项目名称或关键词">'
           f'<button>搜索</button></form><div class="hotwords">{topics}</div></div></div>\n'
           f'<div class="nav"><ul>{nav}</ul></div>\n')
    bottom = (f'<div class="right_box"><div class="r_tit">热点资讯</div><ul class="r_list">\n'
              f'{_links(rng, 12, "/news/hot_", True)}\n</ul></div>\n'
              f'<div class="right_box"><div class="r_tit">推荐招标</div><ul class="r_list">\n'
              f'{_links(rng, 10, "/tender/rec_", True)}\n</ul></div>\n'
              f'<div class="right_box"><div class="r_tit">企业推荐</div><ul class="r_logo">'
              + "".join(f'<li><a href="/company/{rng.randint(1000, 9999)}.shtml"><img src="/logo/{k}.jpg" '
                        f'alt="{_e(t)}企业"></a></li>' for k, t in enumerate(TOPICS[:12]))
              + '</ul></div>\n<div class="footer"><p><a href="/about.shtml">关于我们</a> | <a href="/contact.shtml">联系'
              '方式</a> | <a href="/ad.shtml">广告服务</a> | <a href="/law.shtml">法律声明</a> | <a href="/map.shtml">'
              '网站地图</a></p><p>Copyright © 2006-2024 中国教育装备采购网 版权所有 京ICP证060590号</p></div>\n'
              + _scripts(rng, "caigou"))
    return top, bottom


def _generic(rng: random.Random) -> tuple[str, str]:
    nav = "".join(f'<li><a href="/c/{k}/">{_e(t)}</a></li>' for k, t in enumerate(TOPICS))
    return (f'<div class="header"><div class="nav"><ul>{nav}</ul></div></div>\n',
            f'<div class="related"><h3>相关阅读</h3><ul>\n{_links(rng, 20, "/a/", True)}\n</ul></div>\n'
            '<div class="footer">版权所有</div>\n' + _scripts(rng, "site"))


CHROME = {"moe": _moe, "moe_old": _moe, "ccgp": _ccgp, "caigou": _caigou}


def dress(template: str, path: str, body: bytes, codec: str) -> bytes:
    """The page with its site's chrome around the template's own markup (deterministic per path)."""
    top, bottom = CHROME.get(template, _generic)(_rng(f"{template}:{path}"))
    text = body.decode(codec)
    open_at = text.find("<body")
    open_end = text.find(">", open_at) + 1 if open_at >= 0 else 0
    close_at = text.rfind("</body>")
    close_at = close_at if close_at >= 0 else len(text)
    return (text[:open_end] + "\n" + top + text[open_end:close_at] + bottom + text[close_at:]).encode(
        codec, "xmlcharrefreplace")
