"""HTTP cache policy for a tracker: revalidate always, and never hide a server error behind a cached page."""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy


class TrackerCachePolicy(RFC2616Policy):
    """RFC 2616 conditional requests (ETag / Last-Modified → 304), minus stale-if-error.

    Scrapy's RFC2616Policy answers a 5xx with the cached copy; a tracker must see the error instead,
    so it is logged against the URL and counted for the site's health, and no content is touched.
    """

    def is_cached_response_valid(self, cachedresponse, response, request) -> bool:
        if response.status >= 500:
            return False
        return super().is_cached_response_valid(cachedresponse, response, request)


class TrackerCacheMiddleware(HttpCacheMiddleware):
    """Scrapy's cache middleware, minus 'serve the cached page when the download fails'.

    A timeout or reset must reach the spider as an error so it is recorded against the URL.
    """

    def process_exception(self, request, exception, spider=None):
        request.meta.pop("cached_response", None)
        return None
