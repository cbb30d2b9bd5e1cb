"""Strip boilerplate: noise elements from the DOM, then meta/tail/related/disclaimer lines from the text."""

from __future__ import annotations

import re

from lxml import etree

from .furniture import is_credit, is_notice, is_promo, is_widget, strip_edge_credit
from .text import BLOCK_TAGS, AttrPattern, squash, text_content

NOISE_TAGS = (
    "script", "style", "noscript", "iframe", "input", "select", "button", "textarea",
    "object", "embed", "svg", "canvas", "nav", "footer", "aside", "head",
)
# Every alternative opens with a letter, so re looks only where one of those letters stands and tries only the
# alternatives it opens (2-3× faster than a branch that may open with ^ or a class): "nav" and "ad" as words of
# their own (at the start or after a space, _ or -) say so with a lookbehind after their first letter.
_NOISE_ATTR = AttrPattern(
    r"s(?:hare|houcang|idebar|ubscribe|elf-promo)|r(?:elnews|elated|andom_comp)|x(?:gxw|gyd)|m(?:oecode|enu)|"
    r"p(?:age-set|rintbtn)|c(?:opyright|urrentloc|urpage|omment)|footer|b(?:readcrumb|anner)|qrcode|erweima|"
    r"detail-editor|toolbar|login|n(?:(?<![^\s_-]n)av|ewsletter)|a(?:dvert|(?<![^\s_-]a)d(?![^\s_-]))"
)
_KEEP_ATTR = AttrPattern(r"trs_editor|vf_detail_content|vt_detail_content|^zoom|article")
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_META_WORDS = re.compile(r"来源|发布时间|发布日期|发文日期|更新时间|围观|浏览|点击|阅读|www\.|\(\d+\)|（\d+）|作者[:：]")
# Lines that are page furniture, not article: bylines, counters, share/print buttons, index metadata.
# Two patterns because Python's re tries every alternative at every position: the ones anchored at the
# line start are matched once, only the rest are searched for.
_DROP_START = re.compile(
    r"(来源|来 源|作者|责任编辑|编辑|稿源|文章来源|信息来源)\s*[:：]|[（(]\s*\d+\s*[）)]$|[（(]\s*责任编辑|"
    r"(打印|关闭|收藏)$|[【\[（(]\s*(责任)?编辑\s*[:：]|原标题\s*[:：]|(展开|阅读|查看)全文$|返回\S{1,8}[，,]\s*查看更多|"
    r"(广告|Advertisement)$|"
    # government information-disclosure index (索引号/发文机关/成文日期 …): metadata, not the document
    r"(索\s*引\s*号|分\s*类|发\s*文\s*机\s*[关构]|成\s*文\s*日\s*期|发\s*文\s*字\s*号|主\s*题\s*分\s*类|"
    r"信\s*息\s*索\s*引|公\s*开\s*方\s*式|标\s*题)\s*[:：]|"
    r"((pdf|word|PDF|Word|WORD|OFD|ofd)\s*下载\s*)+$|[Xx×]$"
)
_DROP_ANYWHERE = re.compile(
    r"我要投稿|围观\s*\d+\s*次|浏览次数|阅读次数|点击数|访问量|分享到|打印本页|关闭窗口|【\s*打印\s*】|\[\s*打印\s*\]|"
    r"扫一扫|手机扫描|字号\s*[:：]|当前位置\s*[:：]|正式会员|当前不允许浏览|【\s*(关闭|收藏)\s*】|分享让更多人看到"
)
# Whole lines that are page furniture on real news pages (issue 17): editor credits in brackets at the end
# ("[ 责编：张倩 ]", "(责编：汤诗瑶、丁涛)", "（松花江网编辑 孙桂芳）"), promos ("点击进入“文艺星青年”>>",
# "关注公众号：人民网财经"), pagers ("|<<1234下一页>>|", "【1】【2】"), widget text, labels, the 纠错 link.
_FURNITURE_LINE = re.compile(
    r"[【\[（(]\s*[^【\[（()）\]】]{0,12}?(责编|责任编辑|编辑)\s*[:：]?\s*[^（()）\[\]【】]{1,30}[）)\]】]|"
    r"点击进入.{0,24}(>>|》》|＞＞)|(欢迎)?关注(微信)?(公众号|微信号|官方微信)\s*[:：].{0,30}|"
    r"\|?\s*(<<|«|首页|上一页)?[\s\d|]*(下一页|尾页)\s*(>>|»)?\s*\|?|(【\d+】)+|"
    r"加载更多|查看更多|Loading\.*|Play Video|赞\s*赶快成为第一个赞的人吧|赶快成为第一个赞的人吧|\+1|图集|"
    r"正文|关键[字词]\s*[:：].{0,60}|【\s*(我要)?纠错\s*】|\[\s*(我要)?纠错\s*\]"
)
_STOP_LINE = re.compile(
    r"^(相关阅读|相关新闻|相关文章|相关链接|相关信息|延伸阅读|推荐阅读|推荐企业|推荐(?=\s*(?:$|[:：>»]|更多))|最近更新|热点新闻|"
    r"热门文章|上一篇|下一篇|上一条|下一条|行业访谈|版权与免责声明|免责声明|版权声明|声明\s*[:：])"
)
# The heading of a recommendation or comment block, in any of its wordings: a qualifier family (相关/热门/猜你/
# 为你/大家都在/往期 …) before a noun family (阅读/推荐/新闻/看/喜欢/回顾 …), or a comment section's heading;
# the whole line is the heading (decorations and a "more" link aside).
_BLOCK_HEADING = re.compile(
    r"[【\[〔《<\s■▌▍|｜]*(?:(?:相关|推荐|热门|热点|精彩|猜你|为你|给你|大家都在|大家还在|你可能|您可能|可能|"
    r"更多|延伸|拓展|扩展|往期|近期|最新|编辑|小编|今日|本周|本月|24小时|一周|热读|人气|阅读|点击)\s?"
    r"(?:阅读|推荐|新闻|文章|内容|看|喜欢|感兴趣|也喜欢|还喜欢|报道|专题|链接|资讯|视频|图片|图集|话题|回顾|精选|"
    r"排行榜?|榜单?|热文|热点|好文|要闻|关注|在看|爱看|必读|精彩)|"
    r"(?:网友|全部|热门|最新|精彩|用户|读者)\s?(?:评论|留言|跟帖)|评论区|留言区|我来说两句|发表评论|文明上网.{0,12}|"
    r"(?:图片|视频|专题|新闻|精品|独家|原创)\s?(?:推荐|排行榜?))"
    r"[】\]〕》>\s：:]*(?:更多\s?(?:>>|»|>|＞＞)?)?"
)
_HEADLINE_TAGS = frozenset({"h1", "h2", "h3", "h4"})
_TITLE_ATTR = AttrPattern(r"t(?:itle|it\b)|headline|font20|b(?:(?<!\wb)t\b|iaoti)")  # bt as a word of its own
_STOP_PREFIX = re.compile(r"相关|延伸|推荐|最近|热点|热门|上一|下一|行业访谈|版权|免责|声明|猜你|为你|给你|大家|你可能|您可能|"
                          r"可能|精彩|更多|拓展|扩展|往期|近期|最新|编辑|小编|今日|本周|本月|24小时|一周|热读|人气|阅读|"
                          r"点击|网友|全部|用户|读者|评论|留言|我来说|发表|文明|图片|视频|专题|新闻|精品|独家|原创")
MEMBERS_ONLY = "该正文内容您无权限浏览"
_EDIT_LINK = re.compile(r"\s*[\[【]\s*(编辑|编辑本段|修改)\s*[\]】]$")  # a wiki section heading's edit button
# the characters a stop prefix can open with: one set lookup rules out most elements before the regex is tried
_STOP_FIRST = frozenset(word[0] for word in _STOP_PREFIX.pattern.split("|"))


def strip_noise(root: etree._Element) -> None:
    """Remove scripts, forms, nav/footer and share/related/QR blocks from the tree, in place."""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *NOISE_TAGS, with_tail=False)
    total = len(squash(text_content(root)))
    doomed = []
    for el in root.iter("div", "ul", "dl", "span", "p", "table", "section", "td", "a", "header"):
        ident, cls = el.get("id"), el.get("class")
        if not (ident or cls):  # most elements: nothing to match
            continue
        attrs = f"{ident or ''} {cls or ''}"
        if attrs.strip() and _NOISE_ATTR.search(attrs) and not _KEEP_ATTR.search(attrs):
            text = text_content(el)  # squashing is only needed when the raw length alone doesn't decide
            if len(text) < 0.4 * total or len(squash(text)) < 0.4 * total:  # a "nav" holding the page is a wrapper
                doomed.append(el)
    for el in doomed:
        _drop_keep_tail(el)


def drop_tail_sections(root: etree._Element) -> None:
    """Remove whole related-reading / disclaimer / prev-next sections: the block a stop heading opens."""
    total = len(squash(text_content(root))) or 1
    doomed = []
    for el in root.iter(etree.Element):
        lead = el.text
        if not lead:
            continue
        lead = lead.lstrip(" \t\r\n\u3000\xa0【[")
        if lead[:1] not in _STOP_FIRST or not _STOP_PREFIX.match(lead):
            continue
        block = _block(el)
        text = squash(text_content(block))
        head = text[:40]
        if not head or not is_stop_line(head if len(head) < 40 else head[:20]):
            continue
        while (parent := block.getparent()) is not None and parent.tag not in ("body", "html"):
            outer = squash(text_content(parent))
            if not outer.startswith(head[:8]):
                break
            block, text = parent, outer
        if len(text) < 0.6 * total:
            doomed.append(block)
    for el in doomed:
        if el.getparent() is not None:
            _drop_keep_tail(el)


def _block(el: etree._Element) -> etree._Element:
    while el.tag not in BLOCK_TAGS and el.tag not in ("td", "th") and el.getparent() is not None:
        el = el.getparent()
    return el


def _drop_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def is_drop_line(line: str) -> bool:
    """Furniture: a byline label, a counter, a share/print button, an index field."""
    return bool(_DROP_START.match(line) or _DROP_ANYWHERE.search(line)
                or len(line) <= 80 and (_FURNITURE_LINE.fullmatch(line) or is_credit(line) or is_promo(line)
                                        or is_widget(line))
                or line[0] in "（(【[" and line[-1] in "）)】]" and is_notice(line))  # a notice set apart, anywhere


def is_meta_line(line: str) -> bool:
    """A short line holding a date plus source/counter words: the byline, not body text."""
    return len(line) <= 80 and bool(_DATE.search(line)) and bool(_META_WORDS.search(line))


def is_stop_line(line: str) -> bool:
    """A heading that starts the related-reading list, the prev/next links or a disclaimer."""
    if not _STOP_LINE.search(line):
        if len(line) <= 24 and _BLOCK_HEADING.fullmatch(line):
            return True
        # the heading with its first item on the same line: 相关阅读：教育部发布… / 猜你喜欢：…
        return len(line) <= 80 and bool(_HEADING_COLON.match(line)) and bool(_BLOCK_HEADING.fullmatch(
            line[:_heading_end(line)]))
    return (len(line) <= 20 or line.startswith(("声明", "版权", "免责", "上一", "下一"))
            or len(line) <= 80 and bool(_HEADING_COLON.match(line)))


def _heading_end(line: str) -> int:
    """Where a heading-with-colon line's heading ends: an ASCII colon early on, else the full-width one, else the
    ASCII colon wherever it is (a line can match _HEADING_COLON with only a late ASCII colon)."""
    if ":" in line[:14] or "：" not in line:
        return line.index(":")
    return line.index("：")


_HEADING_COLON = re.compile(r"[【\[]?\s?[^:：，。]{2,12}[】\]]?\s?[:：]")


def filter_lines(lines: list[str], title: str = "") -> list[str]:
    """Keep the article's own lines: cut what precedes a title line, drop bylines and tails, stop at related/disclaimers."""
    lines = _after_title(lines, title)
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if line.endswith(("]", "】", "\n")):  # what _EDIT_LINK must end with (a line of its own or not)
            line = _EDIT_LINK.sub("", line)
        if not line:
            continue
        line = strip_edge_credit(line)
        if len(line) >= 20 and line in seen:  # a page that prints its article twice (hidden copy)
            continue
        seen.add(line)
        stop = is_stop_line(line)
        if stop and kept:
            break
        if stop or is_drop_line(line) or is_meta_line(line):
            continue
        kept.append(line)
    return _drop_repeated_summary(_trim_notices(kept))


_SUMMARY = re.compile(r"[【\[（(]?\s*(摘\s*要|导\s*读|提\s*要|内容提要|内容摘要|核心提示|编者按)\s*[】\]）)]?\s*[:：]?\s*")


def _drop_repeated_summary(kept: list[str]) -> list[str]:
    """A summary box (摘要：…, 导读：…) that repeats the body's own words is a teaser of the page, not text."""
    for i, line in enumerate(kept[:3]):
        match = _SUMMARY.match(line)
        if match and len(line) - match.end() >= 20:
            rest = squash(line[match.end():])
            body = squash("".join(kept[i + 1:]))
            if rest[:60] in body:
                return kept[:i] + kept[i + 1:]
    return kept


def _trim_notices(kept: list[str]) -> list[str]:
    """Reprint/copyright notices where a provider puts them: closing the article or heading it. The same words
    inside the article are its text."""
    while kept and is_notice(kept[-1]):
        kept.pop()
    while len(kept) > 1 and is_notice(kept[0]):
        kept.pop(0)
    return kept


def _after_title(lines: list[str], title: str) -> list[str]:
    key = squash(title)
    if not key:
        return lines
    for i, line in enumerate(lines[:12]):
        if squash(line) == key:
            return lines[i:]  # the headline element itself is gone (drop_title); this is the body's own copy
    return lines


def drop_title(root: etree._Element, title: str) -> None:
    """Remove the headline element(s): headings or title-classed blocks whose text is the title."""
    key = squash(title)
    if not key:
        return
    doomed = []
    for el in root.iter(etree.Element):
        ident, cls = el.get("id"), el.get("class")
        if el.tag in _HEADLINE_TAGS or (ident or cls) and _TITLE_ATTR.search(f"{ident or ''} {cls or ''}"):
            if squash(text_content(el)) == key:
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            _drop_keep_tail(el)
