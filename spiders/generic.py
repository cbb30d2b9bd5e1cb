"""The generic spider: any site described by a [[sites]] entry (start_urls, follow, pagination, or [sites.api])."""

from spiders.api import ApiLists
from spiders.base import SiteSpider


class GenericSpider(ApiLists, SiteSpider):
    """Follows links matching `follow` from `start_urls` (HTML, Hanweb and script lists alike); with an `api`, asks
    the JSON list endpoint; with neither, watches the start URLs themselves."""

    name = "generic"
