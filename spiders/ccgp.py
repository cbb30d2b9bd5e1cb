"""中国政府采购网 www.ccgp.gov.cn: `ul.c_list_bid li a` lists, static `index_N.htm` pages."""

from spiders.base import SiteSpider
from spiders.paging import trs_page_url


class CcgpSpider(SiteSpider):
    name = "ccgp"
    article_css = "ul.c_list_bid li a, ul.vT-srch-result-list-bid li a"
    default_follow = r"/t\d{8}_\d+\.htm$"
    default_pagination = r"/index_\d+\.htm$"
    default_start_urls = ["http://www.ccgp.gov.cn/cggg/dfgg/gkzb/index.htm"]

    def list_page_url(self, url: str, page: int) -> str | None:
        return trs_page_url(url, page, "htm")
