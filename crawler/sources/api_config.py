"""[sites.api] and [sites.api.article] read from the config (the loader's validator handed in, as config_notify does)."""

from __future__ import annotations

from crawler.sources.api import ApiArticle, ApiSpec

API_KEYS = {"method", "body", "content_type", "page_size", "items", "link", "title", "date", "total", "article"}


def parse_api(v, table: dict, where: str) -> ApiSpec:
    """[sites.api] and [sites.api.article]: a JSON list (and JSON articles), checked once here."""
    v.keys(table, where, API_KEYS)
    for key, example in (("items", "result.data.data"), ("link", "/portal/detail?articleId={articleId}")):
        if key not in table:
            raise v.error(f"{where}.{key}", f"is required (see README, Adding a site), e.g. {key} = \"{example}\"")
    article = None
    if "article" in table:
        inner = v.table(table, "article")
        v.keys(inner, f"{where}.article", {"title", "published", "body"})
        article = ApiArticle(title=v.string(inner, f"{where}.article.title", default=""),
                             published=v.string(inner, f"{where}.article.published", default=""),
                             body=v.string(inner, f"{where}.article.body", default=""))
        if not article.body:
            raise v.error(f"{where}.article.body", "is required: the dotted path to the article's HTML, "
                          "e.g. body = \"result.data.content\"")
    return ApiSpec(
        items=v.string(table, f"{where}.items"),
        link=v.string(table, f"{where}.link"),
        method=v.choice(table, f"{where}.method", ("GET", "POST"), default="GET"),
        body=v.string(table, f"{where}.body", default=""),
        content_type=v.string(table, f"{where}.content_type", default=""),
        page_size=v.integer(table, f"{where}.page_size", default=20, low=1, high=10000),
        title=v.string(table, f"{where}.title", default=""),
        date=v.string(table, f"{where}.date", default=""),
        total=v.string(table, f"{where}.total", default=""),
        article=article,
    )
