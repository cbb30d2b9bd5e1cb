"""Sources: pure readers of a list page's shape (HTML links, Hanweb datastore, script literal, JSON API) → links.

Each reader takes text and the URL it came from and returns `ListLink`s; the spiders navigate, the readers read
(no Scrapy import), so a new shape is a new reader and a case table, not a branch in a spider.
"""

from crawler.sources.model import ListLink

__all__ = ["ListLink"]
