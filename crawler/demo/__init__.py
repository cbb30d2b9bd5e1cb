"""Offline fixture sites: deterministic generators of look-alike pages and a local HTTP server for them."""

from crawler.demo.sites import (
    TEMPLATES,
    DemoArticle,
    DemoError,
    Noise,
    Page,
    Site,
    SiteSpec,
    build_site,
    default_sites,
)

__all__ = [
    "TEMPLATES",
    "DemoArticle",
    "DemoError",
    "Noise",
    "Page",
    "Site",
    "SiteSpec",
    "build_site",
    "default_sites",
]
