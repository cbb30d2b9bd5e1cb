"""Classes of page furniture a line can belong to, recognised by the shape of the line, not by quoted strings.

Each class is a family of wording plus a shape: credits are role labels followed by names (and nothing else),
promos are a call to action aimed at a platform, widgets are lines made only of button words and counts,
notices are reprint/copyright statements. Position matters for notices only (see `is_notice`): a sentence
about copyright inside an article is text, the same words closing it are the provider's notice.
"""

from __future__ import annotations

import re


def _alt(*words: str) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# Credits: the people behind a piece. Roles a newsroom glues to a name (本报记者张三) may go without a separator; any
# other role needs one (：/｜, or a space after a role that names a person), and a one-character role (文, 图, 摄)
# only counts with ：or /, so headings such as 文化建设 or 制作人赏 are not read as credits. Labels written with a
# space inside (责 编, 审 核) are closed up first (_LABEL_SPACE).
_GLUED = _alt("记者", "通讯员", "实习生", "编辑", "摄影", "摄像")
_PEOPLE = (  # roles that name a person: a space may stand for the separator (记者 张三)
    "责任编辑", "责编", "编辑", "主编", "总编", "审核", "审校", "审读", "审定", "审签", "终审", "复审", "初审", "一审", "二审", "三审",
    "校对", "校审", "监制", "总监制", "出品人", "制片", "策划", "统筹", "记者", "通讯员", "摄影", "摄像", "撰稿", "撰文",
    "作者", "美编", "剪辑", "配音", "翻译", "编译", "采写", "实习生", "整合", "执笔", "主播", "编审", "编校",
)
_PEOPLE_ROLES = _alt(*_PEOPLE)
_ROLES = _alt(*_PEOPLE, "出品", "制作", "图片", "设计", "视觉", "海报", "视频", "整理", "供稿", "制图", "绘图", "文字",
              "播音", "后期", "技术", "运营", "值班", "综合", "采访", "口述", "图片来源", "图源", "题图", "封面图", "头图", "供图")
_SHORT_ROLES = r"文|图|摄|编|审|校"
# a letter of a non-Latin script (Han in practice): written as a negated class, which compiles 20× faster than the
# Han range (a crawl process compiles these once at import)
_CJK = r"[^\W\d_A-Za-z]"
_CJK_DOT = rf"(?:{_CJK}|·)"
_ORG = rf"{_CJK_DOT}{{0,12}}?"  # 本报 / 光明日报 / 新媒体 / 见习 before the role
# a glued role needs its newsroom (本报记者张三, 新京报记者), not any word (记者调查, 全国优秀通讯员评选)
_ORG_GLUED = rf"{_CJK_DOT}{{0,10}}?(?:报|台|网|社|刊|站|视|闻|媒体|本|特约|见习|实习|首席|驻{_CJK}{{1,4}})"
_NAME = rf"(?:{_CJK}{{2,4}}(?:·{_CJK}{{1,8}})?|[A-Za-z][A-Za-z0-9]{{1,15}})"
_ID = (r"(?:_[A-Za-z0-9]{1,20}|\s?[（(]\s?(?:ID|id|Id|工号|编号)?\s?[:：]?\s?[A-Za-z0-9_\-]{1,20}\s?[）)]"
       r"|\s?(?:ID|id|Id|工号|编号)\s?[:：]\s?[A-Za-z0-9_\-]{1,20}|\s?[（(](?:实习生?|见习|特约)[）)])?")
_NAMES = rf"{_NAME}{_ID}(?:(?:\s?[、，,/／和及]\s?|\s){_NAME}{_ID})*"
_SEP = r"\s?[:：/／|｜丨]\s?"
_UNIT = (
    rf"(?:(?:{_ORG}(?:{_ROLES}){_SEP}|{_ORG}(?:{_PEOPLE_ROLES})\s|{_ORG_GLUED}(?:{_GLUED})|(?:{_SHORT_ROLES}){_SEP}"
    rf"|(?:文|图|摄)[/／、](?:文|图|摄|视频)(?:{_SEP}|\s)|{_ORG_GLUED}发\s)"  # 文/图 张三 / 新华社发 张三摄
    rf"{_NAMES}(?:\s?摄|\s(?:文|图))?"  # 责编：张三 / 光明日报记者 王建宏 张文攀 / 本报记者张三 / 新华社记者 张三 摄
    rf"|{_NAMES}(?:\s?[/／]\s?(?:{_ROLES}|{_SHORT_ROLES})|\s(?:摄|文|图|制图|供图))"  # 张三/文  李四 摄
    rf"|(?:\w|[·、]){{0,16}}(?:供图|供稿))"  # 受访者供图, 某某党支部供稿
)
_CREDIT = re.compile(
    rf"[□■●▲◆·\-—]*(?:\s?[|｜丨/／;；，,]?\s?[（(【\[〔]?\s?{_UNIT}\s?[）)】\]〕]?)+"
    rf"(?:\s?{_CJK}{{0,8}}报道)?\s?[。.]?"
)
# a role anywhere: two searches, since a pattern whose branches all open with a literal is scanned by its first
# characters in C (4× faster on the lines that have none, which are most)
_ANY_ROLE = re.compile(rf"{_ROLES}|供图")
_ANY_SHORT_ROLE = re.compile(r"[文图摄编审校] ?[:：/／丨｜|]|[/／ ] ?[文图摄编审校]|摄[）)】\]]?$")
_PROSE = re.compile(r"[！？；“”《》「」]|[。，]\w{5}|\w{20}")  # sentence marks, or a run of words longer than newsroom + role + name
_SPACED_LABEL = re.compile(r"[责编审校记摄监策统通撰美终复初主出制] [任辑编核校对读者影制划筹讯稿审品片]")  # 责 编, 审 核 …
_LABEL_SPACE = re.compile(rf"(?<!{_CJK}){_CJK}(?:\s{_CJK}(?!{_CJK}))+")  # 责 编 → 责编, 审 核 李四 → 审核 李四


def is_credit(line: str) -> bool:
    """A line made only of role labels and names: 责编：张三 / （记者 李四 通讯员 王五）/ 编辑 | 赵六 审核 | 钱七 /
    张三/文 李四/摄 / 监制：X 校对：Y / 本报记者 张三 山东报道. A role glued to a word without its newsroom
    (记者手记) is a heading."""
    if len(line) > 80 or _PROSE.search(line):
        return False
    if not (_ANY_ROLE.search(line) or _ANY_SHORT_ROLE.search(line) or _SPACED_LABEL.search(line)):
        return False
    if " " in line:
        line = _LABEL_SPACE.sub(lambda m: m[0].replace(" ", ""), line)
    return bool(_CREDIT.fullmatch(line))


# Promos: a call to action aimed at a platform or page ("返回首页", "点击查看更多", "进入论坛讨论", "下载客户端",
# "更多精彩，请关注公众号") — every clause of a short line opens with a verb of this family and one names a platform.
_CTA_VERB = (r"点击|点此|戳|请?返回|回到|进入|前往|查看|浏览|下载|安装|打开|关注|订阅|扫码|扫描|扫一扫|长按|识别|看更多|"
             r"欢迎(?:扫码|扫描|订阅|投稿|转发|点击|评论|留言)|阅读(?:原文|全文|更多)|去(?:论坛|社区|评论区)|到(?:论坛|社区)|"
             r"访问|登录|收听|收看|观看|更多|欢迎关注|欢迎访问|欢迎下载|欢迎收听|添加|请关注|请访问|请下载|请点击|请扫码")
_CTA_OBJECT = (r"首页|主页|频道|栏目|论坛|社区|专题|专栏|客户端|APP|App|app|公众号|微信|微博|抖音|视频号|官网|网站|本站|"
               r"原文|全文|更多|详情|原帖|讨论|评论|互动|话题|直播|二维码|小程序|头条号|百家号|订阅号|服务号|下一页")
_CLAUSE = re.compile(rf"[【\[（(]?\s?(?:{_CTA_VERB})")
_OBJECT = re.compile(_CTA_OBJECT)
_CLAUSES = re.compile(r"[，,；;]\s?")
_ARROWS = (">>", "》》", "＞＞", "»", "→", " ")
_PROMO_END = re.compile(rf".{{0,30}}(?:{_CTA_VERB}|{_CTA_OBJECT}).{{0,20}}(?:>>|》》|＞＞|»|→)\s*")


def is_promo(line: str) -> bool:
    """A short call to action: back to the home page, see more, discuss it in the forum, get the app, follow us."""
    if len(line) > 40:
        return False
    if line.endswith(_ARROWS):
        return bool(_PROMO_END.fullmatch(line))
    if not _OBJECT.search(line):  # most lines: no platform named, decided by one scan
        return False
    line = line.rstrip("。.！!")
    return all(_CLAUSE.match(clause) for clause in _CLAUSES.split(line) if clause)


# Widgets: share/like/comment/font-size bars, which render as a handful of button words and counts.
_WIDGET_STRONG = (r"分享|收藏|点赞|评论|举报|转发|跟帖|打赏|复制链接|朋友圈|QQ空间|字号|在看|我要评论|发表评论|写评论|"
                  r"(?:顶|踩|赞|喜欢|阅读|浏览|点击|访问)(?:量|数|次数)?\s?[:：]?\s?[(（]?\d")  # a button or counter with its count
_WIDGET_WORD = re.compile(_WIDGET_STRONG)
_WIDGET = re.compile(
    rf"(?:{_WIDGET_STRONG}|到|微信|微博|QQ|qq|好友|链接|大|中|小|顶|踩|赞|喜欢|已有|人|参与|条|次|阅读|浏览|我要|发表|网友|"
    r"查看|全部|回复|推荐|关注|取消|二维码|扫码|手机|新浪|腾讯|豆瓣|人人网|空间|打印|纠错|默认|标准|加载|更多|正在|本文|本页|"
    r"文章|此文|至|给|已|版|"
    r"[\d\s,.:：|｜/()（）【】\[\]+·•×Xx\-—_…])+"
)


def is_widget(line: str) -> bool:
    """A line made only of share/like/comment/font-size button words and their counts."""
    return len(line) <= 60 and bool(_WIDGET_WORD.search(line)) and bool(_WIDGET.fullmatch(line))


# Notices: the content provider's reprint and copyright statements.
_NOTICE_CORE = re.compile(r"转载|版权|侵权|著作权|授权|免责|原创|来源于网络|©|\([Cc]\)|[Cc]opyright|COPYRIGHT|All Rights Reserved|"
                          r"(?:仅|只)代表.{0,12}(?:观点|立场|看法)|不(?:代表|表明).{0,12}(?:观点|立场|看法)")
_NOTICE_CONTEXT = re.compile(
    r"请|须|需|不得|禁止|严禁|未经|注明|出处|所有|联系|删除|归|属于|声明|仅代表|不代表|立场|观点|本(网|站|文|报|刊|号|平台|公众号|台|社)|"
    r"©|[Cc]opyright|COPYRIGHT|Rights"
)
_SOURCE_NOTE = re.compile(r"[（(【\[]?\s?(本文|本稿|文章|内容|稿件|图文|图片|素材)\s?(来源|来自|转自|转载自|摘自|选自|整理自|编辑自|首发于|综合自|源自)"
                          r"|[（(【\[]\s?(来源|稿源|出处|转自|摘自|选自)\s?[:：]?\s?[^，,。；;\d（()）【】\[\]]{2,20}[）)】\]]$")
# (the second form: a bracketed source naming a provider, （来源：人民日报）, not a data citation with a year or a list)


def is_notice(line: str) -> bool:
    """A reprint or copyright statement: 转载请注明出处 / 版权归原作者所有，如有侵权请联系删除 / 本文来源：X / © 2024 X."""
    if len(line) > 160:
        return False
    if _SOURCE_NOTE.match(line) and len(line) <= 80:
        return True
    return bool(_NOTICE_CORE.search(line)) and bool(_NOTICE_CONTEXT.search(line))


_EDGE_BRACKETS = re.compile(r"^[（(【\[〔][^（()）【】\[\]〔〕]{2,40}[）)】\]〕]|[（(【\[〔][^（()）【】\[\]〔〕]{2,40}[）)】\]〕]$")


def strip_edge_credit(line: str) -> str:
    """A paragraph that opens or closes with a bracketed credit or source ("…美好生活需要。(文/图 刘玺东 易赛楠)",
    "（记者 张三）近日…", "…发展。（来源：人民日报）"): the paragraph without it."""
    if line.endswith("摄") and (end := max(line.rfind("。"), line.rfind("！"), line.rfind("？"))) > 0:
        if is_credit(line[end + 1:].strip()):  # a caption and its photographer: 图为活动现场。新华社记者 张三 摄
            return line[:end + 1]
    if line[-1] not in "）)】]〕" and line[0] not in "（(【[〔":
        return line
    for match in _EDGE_BRACKETS.finditer(line):
        if match.end() - match.start() < len(line) and (is_credit(match[0]) or is_notice(match[0])):
            return (line[:match.start()] + line[match.end():]).strip()
    return line
