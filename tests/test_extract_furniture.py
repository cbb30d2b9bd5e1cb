"""Issue 25: page furniture recognised by class (shape + family of wording), not by the strings a page used."""

from __future__ import annotations

import pytest

from crawler.extract import extract
from crawler.extract.clean import is_stop_line
from crawler.extract.furniture import is_credit, is_notice, is_promo, is_widget

CREDITS = [
    "责任编辑：张三", "责 编：张三", "责 任 编 辑：王五", "[责编：萧潇、张妍]", "（责任编辑： HN666）", "审读：王晓明",
    "编辑 | 赵六 审核 | 钱七", "编 辑 | 张三", "审 核 李四", "监制：王五 校对：李四", "【编辑：张三 审核：李四】",
    "编辑：刘洋 审核：陈静 监制：李华", "终审：张三", "审核/王五", "编辑：张三(ID: 12345)", "责任编辑：张三_NB1234",
    "(记者 张三 通讯员 李四)", "记者 刘涛", "□ 本报记者 葛灵丹", "本报记者张三", "新京报记者 彭冲 山东冠县报道",
    "文/张三 图/李四", "张三/文 李四/摄", "记者 张三 摄", "图片来源：视觉中国", "视频：张三",
    "医技药剂党支部、药剂科供稿 摄影/张艳 编辑/苏芳", "（松花江网编辑 孙桂芳）", "新华社记者 张三 摄", "供图：张三",
    "记者 张三 通讯员 李四 报道", "责任编辑：刘光博 SF007", "初审：张三 复审：李四 终审：王五", "文丨张三",
    "（新华社发 张三摄）", "新华社记者 王五摄", "（中新网记者 李四 摄）", "编辑：张三 ID：12345", "编辑：张三（实习）",
    "责任编辑：李四 工号:A001 审核：王五",
]
NOT_CREDITS = [
    "记者手记", "作者简介", "文化建设", "图片新闻", "编辑部的故事", "一、编辑部的故事", "审核程序", "设计方案",
    "制作人赏 获奖", "全国优秀通讯员评选", "中国记者节", "记者近日获悉", "校对工作很重要。", "北京 上海", "张三 李四",
    "技术支持：某公司", "各市、县（市、区）教育局：", "2024年3月5日", "正在拍摄", "新华社发布消息", "记者现场拍摄",
    "据新华社拉萨电（记者 格桑边觉）记者近日从西藏自治区农业农村厅召开的全区农牧业工作会议上了解到。",
]
PROMOS = ["返回首页", "回到首页", "返回搜狐，查看更多", "点击查看更多", "进入论坛讨论", "[进入论坛]", "下载客户端",
          "打开APP阅读全文", "扫码下载新闻客户端", "更多精彩内容，请关注微信公众号", "欢迎关注官方微博", "去论坛讨论>>",
          "阅读原文", "下载APP，看更多精彩", "去论坛讨论", "到论坛发表看法"]
NOT_PROMOS = ["进入新时代以来，教育事业取得历史性成就。", "关注民生问题", "下载附件", "看到学生们的精彩表现，老师们都很欣慰。",
              "进入决赛后，他观看了直播。", "关注学生心理健康，开展专题教育", "第三章 总则>>"]
WIDGETS = ["分享到：微信 微博 QQ空间", "点赞(12) 收藏 评论(3)", "0条评论", "我要评论", "已有23人参与 评论",
           "分享 | 收藏 | 举报", "字号：大 中 小", "赞 12 | 转发", "打赏", "在看", "收藏本文", "分享至",
           "喜欢(0)", "顶(12) 踩(3)", "阅读 539", "浏览：1234次", "点击数：88"]
NOT_WIDGETS = ["分享经验", "评论员文章", "收藏家张三", "大中小学思政课一体化", "阅读 12 本好书", "喜欢读书", "点击这里"]
NOTICES = ["本文来源：新华社", "转载请注明出处", "版权归原作者所有，如有侵权请联系删除", "（本文系本网原创，未经授权不得转载）",
           "© 2024 某某网", "本文转自微信公众号“某某”", "文章来源于网络", "Copyright 2024 example.com All Rights Reserved",
           "本文仅代表作者观点，不代表本站立场。", "网友评论仅供其表达个人看法，并不表明网站立场", "（来源：人民日报）"]
NOT_NOTICES = ["加强知识产权保护，打击侵权盗版行为。", "他原创了多首歌曲。", "授权书已经签署完毕。", "（来源：国家统计局，2023年）"]
HEADINGS = ["猜你喜欢", "为你推荐", "大家都在看", "你可能感兴趣", "您可能也喜欢", "热门推荐", "精彩推荐", "更多精彩",
            "往期回顾", "编辑推荐", "【相关阅读】", "■ 精彩推荐", "24小时热文", "阅读排行", "网友评论", "我来说两句",
            "热门评论 更多>>", "文明上网，理性发言", "图片推荐", "视频排行", "专题推荐",
            "相关阅读：教育部发布2024年全国高考报名人数为1342万人", "猜你喜欢：全省推进义务教育优质均衡发展"]
NOT_HEADINGS = ["最新进展", "更多内容请见附件", "阅读理解", "热门景点介绍", "精彩瞬间", "更多精彩内容", "新闻报道", "图片新闻",
                "相关部门表示：将进一步加强监管工作力度", "最新进展：项目已经完工", "阅读理解：第一题"]


@pytest.mark.parametrize("line", CREDITS)
def test_credit_in_any_form(line):
    assert is_credit(line)


@pytest.mark.parametrize("line", NOT_CREDITS)
def test_headings_and_prose_with_role_words_are_no_credit(line):
    assert not is_credit(line)


@pytest.mark.parametrize(("check", "yes", "no"), [
    (is_promo, PROMOS, NOT_PROMOS), (is_widget, WIDGETS, NOT_WIDGETS), (is_notice, NOTICES, NOT_NOTICES),
    (is_stop_line, HEADINGS, NOT_HEADINGS),
], ids=["promo", "widget", "notice", "block heading"])
def test_furniture_class_and_its_lookalikes(check, yes, no):
    assert [line for line in yes if not check(line)] == []
    assert [line for line in no if check(line)] == []


P1 = "记者近日从市教育局获悉，今年全市将新建改扩建中小学幼儿园30所，新增学位2.5万个，进一步缓解入学压力。"
P2 = "市教育局有关负责人表示，将加强知识产权保护，严禁未经授权转载他人教学资源，相关工作已写入年度计划。"
P3 = "据介绍，新建学校将全部按照省级标准配备实验室、图书馆和体育场馆，预计明年秋季学期前陆续投入使用。"
PAGE = f"""<html><head><title>全市新增学位2.5万个</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<div class="article"><h1>全市新增学位2.5万个</h1>
<p class="info">2024-05-06 10:20 来源：某某日报</p>
<div class="text">
<p>{P1}</p>
<p style="text-align:center">摄影 / 王 五</p>
<p>{P2}</p>
<p>{P3}</p>
<p>责 编：张三（ID：8821）</p>
<p>审核 | 李四 监制 | 赵六</p>
<p>（本文为某某网原创稿件，未经授权不得转载）</p>
<div class="bar"><span>点赞 12</span> <span>收藏</span> <span>评论(3)</span></div>
<p><a href="/">返回首页，查看更多</a></p>
<div class="tj"><h3>猜你喜欢</h3>
<p><a href="/a1.html">全省推进义务教育优质均衡发展</a> 各地加快补齐短板，推动城乡学校共同发展，群众满意度持续提升。</p>
<p><a href="/a2.html">高校毕业生就业服务月启动</a> 活动持续一个月，提供岗位信息十万余条，覆盖多个重点行业领域。</p>
</div></div></div>
<div class="footer">版权所有 某某网</div></body></html>"""


@pytest.mark.parametrize("use_profiles", [True, False], ids=["profile", "generic"])
def test_credits_promos_widgets_notices_and_recommendations_leave_the_article(use_profiles):
    article = extract(PAGE.encode(), "http://news.example.cn/2024/05/06/a.html", use_profiles=use_profiles)
    assert article.body.split("\n") == [P1, P2, P3]


SUMMARY = "明天将上演月全食，届时一轮美丽的红月亮将高悬夜空，最精彩的全食时间有51分钟，是多年来观测条件最好的一次。"


@pytest.mark.parametrize(("lead", "kept"), [(f"摘 要：{SUMMARY}", False), ("导读：天文馆将在当晚组织公众观测活动，欢迎市民参加，名额有限需提前预约。", True)])
def test_a_summary_box_that_repeats_the_body_is_dropped(lead, kept):
    more = "北京天文馆馆长介绍，月全食观测对天气要求并不苛刻，和赏月差不多，目前估计当晚是晴天，很利于观测。"
    page = (f"<html><head><title>最美月全食明晚登场</title></head><body><h1>最美月全食明晚登场</h1>"
            f"<div class='content'><div id='endSummary'><p>{lead}</p></div><p>{SUMMARY}</p><p>{more}</p></div></body></html>")
    body = extract(page.encode(), "http://news.example.cn/2011/12/09/a.html").body.split("\n")
    assert body == ([lead] if kept else []) + [SUMMARY, more]


@pytest.mark.parametrize(("line", "want"), [
    ("让金融的发展更好地满足人民日益增长的美好生活需要。(文/图 刘玺东 易赛楠)", "让金融的发展更好地满足人民日益增长的美好生活需要。"),
    ("推动云南工业高质量发展。（记者 胡晓蓉）", "推动云南工业高质量发展。"),
    ("（记者 张三）近日，市教育局召开全市中小学安全工作会议。", "近日，市教育局召开全市中小学安全工作会议。"),
    ("会议强调（一）要加强组织领导", "会议强调（一）要加强组织领导"),
    ("各校预算如下（单位：万元）", "各校预算如下（单位：万元）"),
    ("实验结果见下图(图1)", "实验结果见下图(图1)"),
    ("推动高质量发展。（来源：人民日报）", "推动高质量发展。"),
    ("图为活动现场，志愿者向市民讲解金融知识。新华社记者 张三 摄", "图为活动现场，志愿者向市民讲解金融知识。"),
    ("他说：“这是我第一次来这里拍摄。”", "他说：“这是我第一次来这里拍摄。”"),
    ("数据见下表（来源：国家统计局，2023年）", "数据见下表（来源：国家统计局，2023年）"),
])
def test_a_bracketed_credit_opening_or_closing_a_paragraph_leaves_it(line, want):
    page = (f"<html><head><title>标题</title></head><body><h1>标题</h1><div class='content'><p>{P1}</p><p>{line}</p>"
            "</div></body></html>")
    assert extract(page.encode(), "http://news.example.cn/a.html").body.split("\n") == [P1, want]


TEASERS = "".join(
    f"<dl><dt><a href='/n/{i}.html'><img src='/t/{i}.jpg'></a></dt><dd><a href='/n/{i}.html'>{title}</a></dd>"
    f"<dd>{teaser}</dd><dd>2019-09-30 07:4{i}</dd></dl>"
    for i, (title, teaser) in enumerate([
        ("金融委最新定调鼓励境外资金进入境内金融市场", "十一国庆假期前，金融委召开会议，部署了一系列金融领域下一步的重点工作。"),
        ("黄金周后A股怎么走从数据预知行业胜率", "今天是国庆节前最后一个交易日，持股还是持币过节又成为投资者的老问题。"),
        ("我国又发现十亿吨级大油田利好有多大", "国庆节前夕，中国石油发布公告，在鄂尔多斯勘探发现十亿吨级大油田。"),
    ]))


def test_a_teaser_list_without_a_heading_inside_the_article_is_not_body():
    page = (f"<html><head><title>午间公告</title></head><body><h1>午间公告</h1><div class='content'><p>{P1}</p>"
            f"<p>{P3}</p><div class='tj'>{TEASERS}</div></div></body></html>")
    assert extract(page.encode(), "http://news.example.cn/a.html").body.split("\n") == [P1, P3]


def test_paragraphs_that_mention_links_stay():
    links = "".join(f"<p>据<a href='/d/{i}.html'>教育部网站第{i}号通知</a>介绍，{P3}</p>" for i in range(3))
    page = f"<html><head><title>通知</title></head><body><h1>通知</h1><div class='content'><p>{P1}</p>{links}</div></body></html>"
    assert len(extract(page.encode(), "http://news.example.cn/a.html").body.split("\n")) == 4


def test_a_notice_section_headed_with_a_recommendation_word_is_body():
    """推荐 alone opens a recommendation block; 推荐程序/推荐名额 head sections of an award notice."""
    steps = "各校按照公开、公平、公正的原则组织推荐，经学校公示无异议后报送市教育局审核。"
    page = (f"<html><head><title>关于推荐优秀教师的通知</title></head><body><h1>关于推荐优秀教师的通知</h1>"
            f"<div class='content'><p>{P1}</p><p>推荐程序</p><p>{steps}</p><p>推荐名额</p><p>{P3}</p></div></body></html>")
    body = extract(page.encode(), "http://jyj.example.gov.cn/a.html").body.split("\n")
    assert body == [P1, "推荐程序", steps, "推荐名额", P3]


def test_a_bracketed_line_whose_only_colon_comes_late_is_read_not_a_crash():
    """A line matching the heading-with-colon shape through an ASCII colon past the 14th character, with no
    full-width colon, raised ValueError and lost the whole page's extraction."""
    from crawler.extract.clean import is_stop_line

    assert is_stop_line("【 abcdefghijkl】 :text") is False
