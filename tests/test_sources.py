"""The list readers as case tables: Hanweb datastores and their paging, script literals, JSON APIs, placeholders."""

from __future__ import annotations

import re
from datetime import date

import pytest

from crawler.sources import api, hanweb, jsliteral, scriptlist
from crawler.sources.api import ApiArticle, ApiSpec
from crawler.sources.dates import as_published
from crawler.sources.model import SourceError
from crawler.sources.template import expand

LIST = "http://jyt.example.gov.cn/col/col1532973/index.html"
RECORDS = ("<datastore>{next}<recordset>"
           '<record><![CDATA[<li><a href="/art/2024/3/1/art_1532973_1.html" title="关于做好2024年招生工作的通知">关于做好…</a>'
           "<span>2024-03-01</span></li>]]></record>\n"
           "<record><![CDATA[\n<li><a href='/art/2024/2/8/art_1532973_2.html'>第二条</a><span>[2024/02/08]</span></li>\n]]></record>"
           "</recordset></datastore>")
JPAGE = ("<script>$('#5836587').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:15, totalRecord:47,"
         " ajaxParam:{col:1,appid:1,webid:3217,path:'/',columnid:1532973,unitid:5836587,webname:'浙江省教育厅',"
         "permissiontype:0}});</script>")
NEXTGROUP = ('<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;webid=28&amp;path=/&amp;'
             'columnid=4296&amp;unitid=31227&amp;permissiontype=0"></a>]]></nextgroup>')


def page(*parts: str) -> str:
    return "<html><body><div id='x'><script type='text/xml'>" + parts[0] + "</script></div>" + "".join(parts[1:]) + "</body></html>"


def test_hanweb_records_become_links_with_title_and_date():
    reading = hanweb.read(page(RECORDS.format(next=""), JPAGE), LIST)
    assert [(link.url, link.title, link.published) for link in reading.links] == [
        ("http://jyt.example.gov.cn/art/2024/3/1/art_1532973_1.html", "关于做好2024年招生工作的通知", "2024-03-01"),
        ("http://jyt.example.gov.cn/art/2024/2/8/art_1532973_2.html", "第二条", "2024-02-08")]


@pytest.mark.parametrize("parts,expected", [
    ((RECORDS.format(next=""), JPAGE), ("POST", "http://jyt.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16"
                                                "&endrecord=30&perpage=15", "columnid=1532973")),
    ((RECORDS.format(next=NEXTGROUP),), ("GET", "http://jyt.example.gov.cn/module/web/jpage/dataproxy.jsp?page=2&webid=28"
                                              "&path=%2F&columnid=4296&unitid=31227&permissiontype=0", None)),
], ids=["jpage-post", "nextgroup-get"])
def test_hanweb_paging_is_asked_the_way_the_page_shows(parts, expected):
    paging = hanweb.read(page(*parts), LIST).paging
    method, url, form = paging.request(2)
    assert (method, url) == expected[:2]
    assert (expected[2] is None and form is None) or expected[2] in form
    assert paging.other_way().request(2)[0] != method  # the fallback asks the other way


def test_hanweb_total_and_page_size_bound_the_pages():
    paging = hanweb.read(page(RECORDS.format(next=""), JPAGE), LIST).paging
    assert (paging.per_page, paging.total, paging.last_page) == (15, 47, 4)
    assert paging.params["webname"] == "浙江省教育厅" and paging.params["unitid"] == "5836587"


def test_a_dataproxy_answer_gives_records_and_no_paging():
    answer = '<?xml version="1.0"?>' + RECORDS.format(next="") + "<totalrecord>47</totalrecord>"
    reading = hanweb.read(answer, "http://jyt.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16")
    assert len(reading.links) == 2 and reading.paging is None


def test_a_plain_page_is_not_hanweb():
    assert hanweb.read("<html><ul><li><a href='/a.html'>x</a></li></ul></html>", LIST) is None


SCRIPTS = [
    ("var newsData = [{bt: '关于开展教育装备采购的通知', fbsj: '2024-03-05', lj: '/zxzx/post_1.html', djl: 12},"
     " {bt: \"第二篇通知公告\", fbsj: '2024-03-04', lj: \"/zxzx/post_2.html\",},];",
     [("/zxzx/post_1.html", "关于开展教育装备采购的通知", "2024-03-05"), ("/zxzx/post_2.html", "第二篇通知公告", "2024-03-04")]),
    ('var list = {"total": 2, "rows": [{"id": 7, "title": "招标公告一", "url": "https://x.gov.cn/a/7.html", '
     '"pubDate": 1709600000000}, {"id": 8, "title": "招标公告二", "url": "https://x.gov.cn/a/8.html", "pubDate": 1709500000000}]};',
     [("https://x.gov.cn/a/7.html", "招标公告一", "2024-03-05T08:53:20+08:00"),
      ("https://x.gov.cn/a/8.html", "招标公告二", "2024-03-04T05:06:40+08:00")]),
    ("/* 列表 */ window.items = [{name: '学校食堂采购项目', time: '2024年3月1日', href: 'content/3.html'},"
     " {name: '校园安全检查', time: '2024年2月1日', href: 'content/4.html'}]",
     [("/zxzx/content/3.html", "学校食堂采购项目", "2024-03-01"), ("/zxzx/content/4.html", "校园安全检查", "2024-02-01")]),
]


@pytest.mark.parametrize("script,expected", SCRIPTS, ids=["js-literal", "json-nested-epoch", "cjk-dates-relative"])
def test_script_literal_lists_are_read_whatever_their_field_names(script, expected):
    links = scriptlist.read(f"<html><script>{script}</script></html>", "http://x.gov.cn/zxzx/index.html")
    got = [(link.url.replace("http://x.gov.cn", ""), link.title, link.published) for link in links]
    assert got == expected


def test_a_script_without_a_list_of_links_gives_nothing():
    html = "<script>var cfg = [{a: 1, b: 2}, {a: 3, b: 4}]; var f = foo([1, 2]);</script>"
    assert scriptlist.read(html, "http://x.gov.cn/") == []


def test_js_literal_reads_what_json_cannot_and_stops_at_code():
    assert jsliteral.parse_at("[{a:'x\\'y', 'b': [1, .5, -2e1,], c: null}, ]", 0)[0] == [{"a": "x'y", "b": [1, 0.5, -20.0], "c": None}]
    with pytest.raises(ValueError):
        jsliteral.parse_at("[foo()]", 0)


@pytest.mark.parametrize("text,values,expected", [
    ('{"pageNo": {page}, "pageSize": {page_size}}', {"page": 2, "page_size": 15}, '{"pageNo": 2, "pageSize": 15}'),
    ("start_time={date-7d:%Y:%m:%d}&end_time={date:%Y:%m:%d}", {}, "start_time=2026:11:29&end_time=2026:12:06"),
    ('{"sort": "{\\"webdate\\":\\"0\\"}", "x": {unknown}}', {}, '{"sort": "{\\"webdate\\":\\"0\\"}", "x": {unknown}}'),
    ("pn={offset}", {"offset": 30}, "pn=30"),
], ids=["page", "dates", "other-braces-stay", "offset"])
def test_placeholders_fill_known_names_and_leave_other_braces(text, values, expected):
    assert expand(text, values, on=date(2026, 12, 6)) == expected


@pytest.mark.parametrize("value,expected", [
    (1709600000000, "2024-03-05T08:53:20+08:00"), (1709600000, "2024-03-05T08:53:20+08:00"),
    ("1709600000000", "2024-03-05T08:53:20+08:00"), ("2024-03-05 10:30:00", "2024-03-05 10:30"),
    ("2024年3月5日", "2024-03-05"), (None, None), ("暂无", None),
])
def test_epoch_times_are_instants_in_beijing_time(value, expected):
    assert as_published(value) == expected


ZCY = ApiSpec(items="result.data.data", link="/portal/detail?articleId={articleId}", method="POST",
              body='{"pageNo": {page}, "pageSize": {page_size}}', page_size=15, title="title", date="publishDate",
              article=ApiArticle(title="result.data.title", published="result.data.publishDate", body="result.data.content"))


def test_an_api_list_page_is_asked_as_declared():
    asked = api.list_request(ZCY, "http://www.ccgp-x.gov.cn/portal/category", 3)
    assert (asked.method, asked.body, asked.headers["Content-Type"]) == ("POST", '{"pageNo": 3, "pageSize": 15}', "application/json")
    form = ApiSpec(items="data", link="{url}", method="POST", body="PAGENUMBER={page}")
    assert api.list_request(form, "http://x/find.jsp", 1).headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_api_items_become_links_relative_to_the_url_asked():
    body = b'{"result": {"data": {"data": [{"articleId": "A1", "title": "t1", "publishDate": 1709600000000}, {"title": "no id"}]}}}'
    links = api.read_list(ZCY, body, "http://www.ccgp-x.gov.cn/portal/category")
    assert [(link.url, link.title, link.published) for link in links] == [
        ("http://www.ccgp-x.gov.cn/portal/detail?articleId=A1", "t1", "2024-03-05T08:53:20+08:00")]


@pytest.mark.parametrize("body", [b"<html>\xb0\xb2\xc8\xab\xd1\xe9\xd6\xa4</html>", b'{"success": false, "result": null}',
                                  b'{"result": {"data": {"data": "oops"}}}'], ids=["not-json", "missing-path", "not-a-list"])
def test_an_api_answer_that_is_not_the_declared_shape_is_an_error(body):
    with pytest.raises(SourceError):
        api.read_list(ZCY, body, "http://x/portal/category")


def test_a_json_article_becomes_a_page_for_the_extractor():
    body = ('{"result": {"data": {"title": "某校实验室设备采购公告", "publishDate": 1709600000000, '
            '"content": "<p>一、项目编号：ZJ-1</p><p>二、预算金额：100万元</p>"}}}').encode()
    text = api.article_html(ZCY, body, "http://x/portal/detail?articleId=A1")
    assert '<meta name="ArticleTitle" content="某校实验室设备采购公告">' in text
    assert '<meta name="PubDate" content="2024-03-05T08:53:20+08:00">' in text and "预算金额：100万元" in text
    with pytest.raises(SourceError):
        api.article_html(ZCY, b'{"result": {"data": {"title": "x", "content": ""}}}', "http://x/d")


def test_a_json_string_on_the_path_is_read_too():
    spec = ApiSpec(items="result.records", link="{linkurl}")
    body = b'{"result": "{\\"records\\": [{\\"linkurl\\": \\"/a/1.html\\"}]}"}'
    assert [link.url for link in api.read_list(spec, body, "http://sc.example/search")] == ["http://sc.example/a/1.html"]


# TRS WAS5 (福建省教育厅's /was5/web/search?…&templet=docs.jsp&prepage=15&page=N): written by a JSP template,
# so a summary's line breaks stay raw inside its string; chnldocurl is the column's, the same for every doc.
WAS5_DOC = ('{{\n"title":"关于做好2024年教育装备采购工作的通知",\n"url":"http://jyt.x.gov.cn/xxgk/tzgg/2024{m:02d}/t2024{m:02d}01_{m}.htm",'
            '\n"time":"2024-{m:02d}-01 10:00:00",\n"fileno":"闽教〔2024〕{m}号",\n"content":"一、总体要求\r\n二、\\"重点\\"任务\r\n",'
            '\n"chnl":"通知公告",\n"chnldocurl":"http://jyt.x.gov.cn/xxgk/tzgg/"\n}}')
WAS5 = '\r\n{"pagenum":"9","count":"130",\n"docs":[\n' + ",\n".join(WAS5_DOC.format(m=m) for m in (3, 2)) + "\n]}\r\n"
WAS5_URL = "http://jyt.x.gov.cn/was5/web/search?channelid=203116&templet=docs.jsp&prepage=2&page=1"
WAS5_SPEC = ApiSpec(items="docs", link="{url}", title="title", date="time", page_size=2)


@pytest.mark.parametrize("body", [
    WAS5,
    "{pagenum: 9, docs: [{title: '关于做好2024年教育装备采购工作的通知', url: '/xxgk/tzgg/202403/t20240301_3.htm', "
    "time: '2024-03-01 10:00:00',}, {title: \"关于做好2024年教育装备采购工作的通知\", url: '/xxgk/tzgg/202402/t20240201_2.htm',"
    " time: '2024-02-01 10:00:00'},],};",
], ids=["raw-line-breaks", "js-literal"])
def test_a_list_answer_written_by_a_template_not_a_json_library_is_read(body):
    links = api.read_list(WAS5_SPEC, body.encode(), WAS5_URL)
    assert [(link.url, link.published) for link in links] == [
        ("http://jyt.x.gov.cn/xxgk/tzgg/202403/t20240301_3.htm", "2024-03-01 10:00"),
        ("http://jyt.x.gov.cn/xxgk/tzgg/202402/t20240201_2.htm", "2024-02-01 10:00")]
    assert {link.title for link in links} == {"关于做好2024年教育装备采购工作的通知"}


def test_a_list_answer_in_gbk_without_a_charset_is_read():
    links = api.read_list(WAS5_SPEC, WAS5.encode("gbk"), WAS5_URL)
    assert [link.title for link in links] == ["关于做好2024年教育装备采购工作的通知"] * 2


def test_a_list_page_that_is_itself_a_literal_is_read_as_a_script_list():
    """start_urls + follow on a WAS5 page 1, without [sites.api]: its docs are read like a script literal."""
    links = scriptlist.read(WAS5, WAS5_URL)
    assert [link.url for link in links] == [link.url for link in api.read_list(WAS5_SPEC, WAS5.encode(), WAS5_URL)]
    assert scriptlist.read('{"success": true, "total": 0}', WAS5_URL) == []


def test_a_literal_followed_by_more_text_is_still_not_json():
    with pytest.raises(SourceError):
        api.read_list(WAS5_SPEC, b'{docs: []} <script>alert(1)</script>', WAS5_URL)


# --- probe's pure half: recognising a page and proposing its block ---------------------------------------

from crawler.sources.patterns import date_placeholders, follow_for, page_placeholder, pagination_for  # noqa: E402
from crawler.sources.recognize import NotAList, recognise  # noqa: E402


def test_follow_is_the_shape_most_links_share():
    urls = [f"http://x.gov.cn/art/2024/3/{d}/art_1532973_{n}.html" for d, n in ((1, 5), (2, 77), (28, 9001))]
    regex, count, _ = follow_for(urls + ["http://x.gov.cn/col/col1/index.html"])
    assert regex == r"/art/\d+/\d+/\d+/art_\d+_\d+\.html$" and count == 3


@pytest.mark.parametrize("urls,expected", [
    (["http://x/list/index_1.html", "http://x/list/index_2.html"], r"/index_\d+\.html$"),
    (["http://s/bxsearch?searchtype=1&page_index=2&kw=", "http://s/bxsearch?searchtype=1&page_index=3&kw="],
     r"[?&]page_index=\d+"),
    (["http://x/news/"], None),
], ids=["numbered-file", "page-parameter", "none"])
def test_pagination_is_read_from_the_pager_links(urls, expected):
    found = pagination_for(urls)
    assert (found[0] if found else None) == expected


def test_dates_in_a_search_url_become_placeholders_relative_to_today():
    url = "http://search.ccgp.gov.cn/bxsearch?kw=实验室&start_time=2026:11:06&end_time=2026:12:06&page_index=1"
    assert date_placeholders(url, date(2026, 12, 6)) == (
        "http://search.ccgp.gov.cn/bxsearch?kw=实验室&start_time={date-30d:%Y:%m:%d}&end_time={date:%Y:%m:%d}&page_index=1")


LIST_PAGE = ("<html><head><title>通知公告-某省教育厅</title></head><body><a href='/'>首页</a><ul>"
             + "".join(f"<li><a href='/jyt/tzgg/2024/t2024030{i}_{100 + i}.html'>第{i}条通知</a><span>2024-03-0{i}</span></li>"
                       for i in range(1, 6))
             + "</ul><div class='page'><a href='/jyt/tzgg/index_1.html'>2</a><a href='/jyt/tzgg/index_1.html'>下一页</a></div>"
             "</body></html>")


def test_an_html_list_is_recognised_with_follow_pagination_and_label():
    proposal = recognise(LIST_PAGE, "http://jyt.x.gov.cn/jyt/tzgg/index.html")
    assert proposal.shape == "html" and proposal.label == "某省教育厅" and len(proposal.links) == 5
    assert proposal.keys == {"follow": r"/jyt/tzgg/\d+/t\d+_\d+\.html$", "pagination": r"/index_\d+\.html$"}
    assert proposal.links[0].published == "2024-03-01"


def test_a_hanweb_page_is_recognised_before_its_links():
    proposal = recognise(page(RECORDS.format(next=""), JPAGE), LIST)
    assert proposal.shape == "hanweb" and "pagination" not in proposal.keys
    assert "POST" in proposal.notes["shape"] and "1532973" in proposal.notes["shape"]


@pytest.mark.parametrize("text,says", [
    ("<html><body><p>欢迎</p><a href='/a.html'>a</a></body></html>", "no repeating links"),
    ('{"success": true, "result": {"total": 0}}', "answered JSON (success, result)"),
], ids=["no-list", "json-without-items"])
def test_a_page_that_is_no_list_says_what_was_seen(text, says):
    with pytest.raises(NotAList, match=re.escape(says)):
        recognise(text, "http://x.gov.cn/")


def test_a_get_json_list_is_proposed_as_an_api_block():
    text = '{"data": {"rows": [{"title": "公告一", "url": "/a/1.html", "date": "2024-03-01"}, {"title": "公告二", "url": "/a/2.html", "date": "2024-03-02"}]}}'
    proposal = recognise(text, "http://x.gov.cn/api/list?page=1", "application/json")
    assert proposal.shape == "api" and proposal.start_url == "http://x.gov.cn/api/list?page={page}"
    assert proposal.keys["api"] == {"items": "data.rows", "link": "{url}", "title": "title", "date": "date", "page_size": 2}


def test_a_was5_column_is_proposed_as_a_paged_api_block_linking_each_doc_not_its_column():
    """The doc's own URL, not chnldocurl (one value for all: the column's); the one-line title, not the summary."""
    proposal = recognise(WAS5, WAS5_URL, "text/html; charset=utf-8")
    assert proposal.shape == "api" and proposal.start_url == WAS5_URL.replace("page=1", "page={page}")
    assert proposal.keys["api"] == {"items": "docs", "link": "{url}", "title": "title", "date": "time", "page_size": 2}
    assert [link.url for link in proposal.links] == [link.url for link in api.read_list(WAS5_SPEC, WAS5.encode(), WAS5_URL)]


@pytest.mark.parametrize("url,expected", [
    (WAS5_URL, WAS5_URL.replace("&page=1", "&page={page}")),
    ("http://x/api?pageNo=3&pageSize=20", "http://x/api?pageNo={page}&pageSize=20"),
    ("http://x/list/index_2.html?id=7", None),
], ids=["page", "pageNo", "no-page-parameter"])
def test_a_page_number_in_the_query_becomes_the_page_placeholder(url, expected):
    assert page_placeholder(url) == expected


def test_an_api_site_travels_to_its_spider_as_one_string_and_changes_its_rules_fingerprint():
    """`scrapy crawl -a` and scrapyd pass strings: the spec goes as JSON and comes back whole; a changed API is a
    rule change (a baseline), while sites without one keep the fingerprint they had."""
    from crawler.config import SiteConfig
    from crawler.track.baseline import rules_key
    from spiders.generic import GenericSpider

    assert GenericSpider(site="zcy", start_urls=["http://x/portal/category"], api=ZCY.to_json()).api == ZCY
    plain = SiteConfig(name="moe", start_urls=["http://www.moe.gov.cn/"])
    assert rules_key(plain) == "32ce0a114ef0a070"  # as before [sites.api] existed: no re-baseline on upgrade
    with_api = SiteConfig(name="zcy", start_urls=["http://x/portal/category"], api=ZCY)
    other = SiteConfig(name="zcy", start_urls=["http://x/portal/category"],
                       api=ApiSpec(**{**ZCY.__dict__, "page_size": 30}))
    assert rules_key(with_api) != rules_key(other)


@pytest.mark.parametrize("body,expected", [
    (b'{"result": {"data": {"total": 47, "data": []}}}', 4), (b'{"result": {"data": {"total": "30"}}}', 2),
    (b'{"result": {"data": {}}}', None), (b'not json', None)])
def test_a_declared_total_gives_the_last_page(body, expected):
    spec = ApiSpec(**{**ZCY.__dict__, "total": "result.data.total"})
    assert api.last_page(spec, body, "http://x/portal/category") == expected
    assert api.last_page(ZCY, body, "http://x/portal/category") is None  # no total declared: one page at a time


@pytest.mark.parametrize("title,label", [("通知公告-广东省教育厅", "广东省教育厅"), ("中国政府采购网-搜索", "中国政府采购网"),
                                         ("通知公告 浙江省教育厅", "通知公告 浙江省教育厅"), ("", "")])
def test_the_label_is_the_publisher_named_in_the_title(title, label):
    assert recognise(LIST_PAGE.replace("通知公告-某省教育厅", title), "http://jyt.x.gov.cn/jyt/tzgg/index.html").label == label

