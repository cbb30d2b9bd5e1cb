"""教育部 www.moe.gov.cn (TRS WCM): `ul#list li a[title]` lists, static `index_N.html` pages."""

from spiders.base import SiteSpider
from spiders.paging import trs_page_url


class MoeSpider(SiteSpider):
    name = "moe"
    article_css = "ul#list li a, div.moe-list li a"
    default_follow = r"/t\d{8}_\d+\.html?$"
    default_pagination = r"/index_\d+\.html$"
    default_start_urls = ["http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/"]

    def list_page_url(self, url: str, page: int) -> str | None:
        return trs_page_url(url, page, "html")
