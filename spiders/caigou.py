"""中国教育装备采购网 www.caigou.com.cn: articles at /news/YYYYMMDDNN.shtml, linked from news lists."""

from spiders.base import SiteSpider


class CaigouSpider(SiteSpider):
    name = "caigou"
    default_follow = r"/news/\d{10,12}\.shtml$"
    default_pagination = r"/(?:list|index)_\d+\.s?html?$"
    default_start_urls = ["http://www.caigou.com.cn/news/"]
