"""The list-shape replicas the reach tests crawl, and the [[sites]] blocks that point eduwatch at them."""

from __future__ import annotations

from crawler.demo.apis import build_api_site
from crawler.demo.server import SiteServer
from crawler.demo.shapes import build_shape_site

ARTICLES = 13  # 5 a page: list pages 1–3
HANWEB_FOLLOW = r"/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$"
CCGP_FOLLOW = r"/t\d{8}_\d+\.htm$"
WAS5_LIST = ("/was5/web/search?channelid=203116&templet=docs.jsp&sortfield=-docorderpri%2C-docreltime"
             "&classsql=chnlid%3D30170&prepage=5&page=")  # + the page number


def reach_sites() -> dict:
    return {
        "hanweb": build_shape_site("hanweb", ARTICLES, ask="post"),
        "hanwebget": build_shape_site("hanweb", ARTICLES, seed=1, ask="get"),
        "script": build_shape_site("script", ARTICLES),
        "was5": build_shape_site("was5", ARTICLES, seed=4),
        "search": build_shape_site("search", ARTICLES),
        "zcy": build_api_site("zcy", ARTICLES),
        "ggzy": build_api_site("ggzy", ARTICLES, seed=2),
        "sc": build_api_site("sc", ARTICLES, seed=3),
    }


def site_block(server: SiteServer, name: str, **override: str) -> str:
    """A [[sites]] entry for one replica, as a user would write it (keys in `override` replace or add lines)."""
    url = server.url_for(name, "")
    blocks = {
        "hanweb": {"start_urls": f'["{url}/col/col1532973/index.html"]', "follow": f"'{HANWEB_FOLLOW}'"},
        "hanwebget": {"start_urls": f'["{url}/col/col1532973/index.html"]', "follow": f"'{HANWEB_FOLLOW}'"},
        "script": {"start_urls": f'["{url}/zxzx/tzgg/index.html"]', "follow": r"'/content/post_\d+\.html$'",
                   "pagination": r"'/index_\d+\.html$'"},
        "was5": {"start_urls": f'["{url}{WAS5_LIST}{{page}}"]'},
        "search": {"start_urls": f'["{url}/bxsearch?searchtype=1&page_index=1&kw=&start_time='
                                 '{date-30d:%Y:%m:%d}&end_time={date:%Y:%m:%d}&timeType=6"]',
                   "follow": f"'{CCGP_FOLLOW}'", "pagination": r"'page_index=\d+'"},
        "zcy": {"start_urls": f'["{url}/portal/category"]'},
        "ggzy": {"start_urls": f'["{url}/ds/deal/dealList_find.jsp"]'},
        "sc": {"start_urls": f'["{url}/inteligentsearch/rest/esinteligentsearch/getFullTextDataNew"]'},
    }
    lines = ["[[sites]]", f'name = "{name}"']
    entry = {**blocks[name], "max_list_pages": "3", **override}
    lines += [f"{key} = {value}" for key, value in entry.items()]
    lines.append(API_TABLES.get(name, ""))
    return "\n".join(lines) + "\n"


API_TABLES = {
    "was5": """[sites.api]
items = "docs"
link = "{url}"
title = "title"
date = "time"
page_size = 5
""",
    "zcy": """[sites.api]
method = "POST"
body = '{"pageNo": {page}, "pageSize": {page_size}, "categoryCode": "ZcyAnnouncement3", "publishDateBegin": "{date-30d:%Y-%m-%d}"}'
content_type = "application/json"
page_size = 5
items = "result.data.data"
total = "result.data.total"
link = "detail?articleId={articleId}"
title = "title"
date = "publishDate"
[sites.api.article]
title = "result.data.title"
published = "result.data.publishDate"
body = "result.data.content"
""",
    "ggzy": """[sites.api]
method = "POST"
body = "TIMEBEGIN_SHOW={date-10d:%Y-%m-%d}&TIMEEND_SHOW={date:%Y-%m-%d}&PAGENUMBER={page}&SOURCE_TYPE=1&DEAL_TIME=02"
page_size = 5
items = "data"
link = "{url}"
title = "title"
date = "timeShow"
""",
    "sc": """[sites.api]
method = "POST"
body = '{"token": "", "pn": {offset}, "rn": {page_size}, "sdt": "", "edt": "", "wd": "", "sort": "{\\"webdate\\":\\"0\\"}"}'
content_type = "application/x-www-form-urlencoded"
page_size = 5
items = "result.records"
link = "{linkurl}"
title = "title"
date = "webdate"
""",
}
