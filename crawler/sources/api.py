"""JSON APIs declared in a site's [sites.api]: how to ask for list page N, its items → links, an article → HTML.

A JSON article becomes a small HTML page (title, published, the body's HTML string) so the one extractor
reads its fields and attachments and the diff treats it like any page. Answers written by page templates
rather than a JSON library (TRS WAS5's docs.jsp: raw line breaks inside strings; single quotes, bare keys)
are read too. An answer that is not JSON or lacks a declared path raises SourceError: a fetch error on that
URL, never a change or a blank version.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass
from urllib.parse import urljoin

from crawler.sources import jsliteral
from crawler.sources.dates import as_published
from crawler.sources.model import ListLink, SourceError
from crawler.sources.template import expand, page_values

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_FIELD = re.compile(r"\{([A-Za-z_][\w.]*)\}")


@dataclass(frozen=True)
class ApiArticle:
    """Paths into an article URL's JSON answer."""

    title: str = ""
    published: str = ""
    body: str = ""


@dataclass(frozen=True)
class ApiSpec:
    """A site's [sites.api] table: the request for list page N and where the answer keeps its items."""

    items: str  # dotted path to the list items
    link: str  # an item's article URL: a template over its fields, relative to the URL asked
    method: str = "GET"
    body: str = ""
    content_type: str = ""  # default: JSON when the body starts with { or [, else a form
    page_size: int = 20
    title: str = ""  # item field with the title
    date: str = ""  # item field with the date
    total: str = ""  # optional dotted path to the answer's item count: then pages 2… are asked at once
    article: ApiArticle | None = None  # set when article URLs answer JSON

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ApiSpec:
        data = json.loads(text)
        article = data.pop("article", None)
        return cls(**data, article=ApiArticle(**article) if article else None)

    def body_type(self) -> str:
        if self.content_type:
            return self.content_type
        return JSON if self.body.lstrip().startswith(("{", "[")) else FORM


@dataclass(frozen=True)
class ApiRequest:
    method: str
    url: str
    body: str | None
    headers: dict[str, str]


def list_request(spec: ApiSpec, start_url: str, page: int) -> ApiRequest:
    """List page `page`: the start URL and body with {page}, {page_size}, {offset} and dates filled in."""
    values = page_values(page, spec.page_size)
    url = expand(start_url, values)
    headers = {"Accept": "application/json, text/plain, */*"}
    if spec.method == "POST":
        headers["Content-Type"] = spec.body_type()
        return ApiRequest("POST", url, expand(spec.body, values), headers)
    return ApiRequest("GET", url, None, headers)


def load(body: bytes, url: str) -> object:
    """The answer as JSON (or a JSON-like literal a template wrote), or SourceError saying what came instead.
    UTF-8, else GB18030: older JSP templates answer GBK, often without a charset in the header."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return loads(body.decode(encoding))
        except UnicodeDecodeError:
            continue
        except ValueError:
            break
    start = body[:60].decode("utf-8", "replace").strip().replace("\n", " ")
    raise SourceError(f"not JSON: {url} answered {start!r}")


def loads(text: str) -> object:
    """JSON, allowing raw control characters in strings; else one JavaScript literal filling the whole text
    (single quotes, bare keys, trailing commas); ValueError when it is neither."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    start = len(text) - len(text.lstrip())
    if text[start:start + 1] not in ("{", "["):
        raise ValueError("not JSON")
    try:
        value, end = jsliteral.parse_at(text, start)
    except (IndexError, RecursionError) as exc:
        raise ValueError("not JSON") from exc
    if text[end:].strip(" \t\r\n;"):
        raise ValueError("not JSON: text after the literal")
    return value


def dig(data: object, path: str, url: str) -> object:
    """The value at a dotted path ("result.data.list", "rows.0.title"); a JSON string on the way is read too."""
    value = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            value = load(value.encode("utf-8"), url)
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise SourceError(f"no {path!r} in the JSON from {url} (stopped at {part!r})")
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def read_list(spec: ApiSpec, body: bytes, url: str) -> list[ListLink]:
    """The article links of one list answer; SourceError when it is not JSON or has no item array there."""
    items = dig(load(body, url), spec.items, url)
    if not isinstance(items, list):
        raise SourceError(f"{spec.items!r} in the JSON from {url} is not a list")
    links = []
    for item in items:
        if isinstance(item, dict) and (link := item_link(spec, item, url)):
            links.append(link)
    return links


def last_page(spec: ApiSpec, body: bytes, url: str) -> int | None:
    """The last page number by the answer's declared total; None without a `total` path or a number there."""
    if not spec.total:
        return None
    try:
        total = dig(load(body, url), spec.total, url)
    except SourceError:
        return None
    if isinstance(total, str) and total.strip().isdigit():
        total = int(total)
    return -(-total // spec.page_size) if isinstance(total, int) and not isinstance(total, bool) else None


def item_link(spec: ApiSpec, item: dict, url: str) -> ListLink | None:
    """An item's article link from the `link` template; None when the item lacks a field the template names."""
    values = {}
    for name in _FIELD.findall(spec.link):
        try:
            values[name] = dig(item, name, url)
        except SourceError:
            return None
    target = expand(spec.link, values)
    title = _text(item, spec.title, url)
    published = as_published(_value(item, spec.date, url)) if spec.date else None
    return ListLink(urljoin(url, target.strip()), title, published)


def article_html(spec: ApiSpec, body: bytes, url: str) -> str:
    """A JSON article as the HTML page the extractor reads; SourceError when a declared path is missing."""
    article = spec.article or ApiArticle()
    data = load(body, url)
    text = dig(data, article.body, url) if article.body else None
    if not isinstance(text, str) or not text.strip():
        raise SourceError(f"no article body at {article.body!r} in the JSON from {url}")
    title = str(dig(data, article.title, url) or "") if article.title else ""
    published = as_published(dig(data, article.published, url)) if article.published else None
    head = f'<meta name="ArticleTitle" content="{html.escape(title)}">' if title else ""
    if published:
        head += f'<meta name="PubDate" content="{html.escape(published)}">'
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>{head}</head>'
            f'<body><h1>{html.escape(title)}</h1><div id="zoom">{text}</div></body></html>')


def _value(item: dict, path: str, url: str) -> object:
    try:
        return dig(item, path, url) if path else None
    except SourceError:
        return None


def _text(item: dict, path: str, url: str) -> str:
    value = _value(item, path, url)
    return " ".join(str(value).split()) if value is not None else ""
