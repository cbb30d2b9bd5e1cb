"""The generic spider: any site described by a [[sites]] entry (start_urls, follow regex, pagination regex)."""

from spiders.base import SiteSpider


class GenericSpider(SiteSpider):
    """Follows links matching `follow` from `start_urls`; with no `follow`, watches the start URLs themselves."""

    name = "generic"
