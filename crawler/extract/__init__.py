"""The extractor: page bytes + URL → Article (body, metadata, attachments, procurement fields, flags).

    from crawler.extract import extract, decode_html
    article = extract(body, url, http_charset=None, use_profiles=True)

Pure and Scrapy-free; never raises for page content: odd pages come back flagged (FLAG_* in crawler.model).
Table rows become one body line each, their cells joined by a single space.
"""

from __future__ import annotations

from .core import MAX_BYTES, extract
from .encoding import decode_html

__all__ = ["MAX_BYTES", "decode_html", "extract"]
