"""The demo's sites of the list shapes beyond plain links: a Hanweb 教育厅, a 政采云-style JSON portal and a
ccgp-style date-window search, each crawled by the config `eduwatch demo` writes and edited between crawls."""

from __future__ import annotations

from crawler.demo.apis import build_api_site
from crawler.demo.shapes import build_shape_site
from crawler.demo.sites import Site

LABELS = {"zjjyt": "浙江省教育厅（大汉 jpage）", "zcy": "政府采购网（政采云 JSON）", "ccgpsearch": "中国政府采购网搜索"}
_ZCY_API = """[sites.api]
method = "POST"
body = '{"pageNo": {page}, "pageSize": {page_size}, "categoryCode": "ZcyAnnouncement3"}'
page_size = 3
items = "result.data.data"
total = "result.data.total"
link = "detail?articleId={articleId}"
title = "title"
date = "publishDate"
[sites.api.article]
title = "result.data.title"
published = "result.data.publishDate"
body = "result.data.content"
"""


def add_shape_sites(sites: dict[str, Site]) -> None:
    """Mount the three shape sites beside the others (small: two list pages each, the demo stays seconds fast)."""
    sites["zjjyt"] = build_shape_site("hanweb", 5, seed=21, per_page=3, ask="post")
    sites["zcy"] = build_api_site("zcy", 5, seed=22, per_page=3)
    sites["ccgpsearch"] = build_shape_site("search", 5, seed=23, per_page=3)


def shape_entry(name: str, url: str) -> tuple[list[str], str] | None:
    """(key lines, tables after the entry's keys) for a shape site mounted at `url`; None for other sites."""
    if name == "zjjyt":
        return [f'start_urls = ["{url}/col/col1532973/index.html"]',
                r"follow = '/art/\d+/\d+/\d+/art_\d+_\d+\.html$'"], ""
    if name == "zcy":
        return [f'start_urls = ["{url}/portal/category"]', "max_list_pages = 3"], _ZCY_API
    if name == "ccgpsearch":
        return [f'start_urls = ["{url}/bxsearch?searchtype=1&page_index=1&kw=实验室&start_time={{date-30d:%Y:%m:%d}}'
                '&end_time={date:%Y:%m:%d}&timeType=6"]', r"follow = '/t\d{8}_\d+\.htm$'",
                r"pagination = '[?&]page_index=\d+'"], ""
    return None


def edit_shape_sites(sites: dict[str, Site]) -> list[str]:
    """One reworded sentence on each shape site's second article (on list page 1), as an editor would."""
    edited = []
    for name in ("zjjyt", "zcy", "ccgpsearch"):
        site = sites.get(name)
        if site is None:
            continue
        path = site.article_paths()[1]
        sentence = site.article(path).paragraphs[0].split("。")[0]
        site.edit_sentence(path, sentence, sentence + "，并于本月底前完成")
        edited.append(f"{name}{path}")
    return edited
