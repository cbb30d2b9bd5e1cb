"""Spider arguments read one way: they arrive as Python values in process and as strings from `scrapy crawl -a`
and scrapyd (crawler/cluster/dispatch.py sends `str(True)`, i.e. "True")."""

from __future__ import annotations

import base64
import json
import zlib

_TRUE = ("1", "true", "yes", "on")


def flag(value) -> bool:
    """A true/false argument: True, "true", "True", "1", "yes", "on" are true; False, None, "", "false", "0" are not."""
    return value is True or str(value).strip().lower() in _TRUE


def spider_flag(spider, name: str) -> bool:
    """The spider's true/false argument `name` (absent: false), however it arrived."""
    return flag(getattr(spider, name, False))


def as_list(value) -> list[str]:
    """A list argument: a list from code; from `-a`, JSON, comma-separated, or zlib-packed by the cluster."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("zlib:"):  # a long list packed by the cluster dispatcher (crawler/cluster/dispatch.py)
            value = zlib.decompress(base64.b64decode(value[5:])).decode("utf-8")
        if value.startswith("["):
            return [str(v) for v in json.loads(value)]
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)
