"""中国教育装备网 www.ceiea.com (GBK, table layout): tender lists /stock/0_N.htm, news /html/YYYYMM/….shtml."""

from spiders.base import SiteSpider


class CeieaSpider(SiteSpider):
    name = "ceiea"
    article_css = 'table[width="640"] td a'
    default_follow = r"/html/\d{6}/\d{6,20}\.shtml$"
    default_pagination = r"/(?:stock|zbcg)/\d+_\d+\.htm$"
    default_start_urls = ["http://www.ceiea.com/stock/0_1.htm"]
