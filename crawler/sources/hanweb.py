"""Hanweb (大汉) "jpage" lists: page 1 inside <script type="text/xml"><datastore>, further pages from dataproxy.jsp.

The list page's own script names what dataproxy.jsp needs (columnid, unitid, webid, ...; per-page count,
total). Sites ask for a page in one of two ways: startrecord/endrecord/perpage in the query with the rest
as a form POST (jpage.js), or `page=N` in a GET (the <nextgroup> link). Both are built here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import html as lxml_html

from crawler.sources.dates import find_date
from crawler.sources.model import ListLink

PROXY = "/module/web/jpage/dataproxy.jsp"
PARAMS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
_DATASTORE = re.compile(r"<datastore\b", re.I)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{(.*?)\}", re.S)
_PAIR = re.compile(r"""['"]?(\w+)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")
_PER_PAGE = re.compile(r"""\bper_?page\s*[:=]\s*['"]?(\d+)""", re.I)
_TOTAL = re.compile(r"""(?:\btotalRecord\s*[:=]\s*['"]?|<totalrecord>\s*)(\d+)""", re.I)
_PROXY_URL = re.compile(r"""proxyUrl\s*:\s*['"]([^'"]+)['"]""")
_ASSIGN = re.compile(r"""\b(\w+)\s*[:=]\s*['"]?([^'"\s,;}]+)""")


@dataclass(frozen=True)
class HanwebPaging:
    """How to ask dataproxy.jsp for page N of one column, as the list page's script says."""

    proxy: str  # absolute URL of dataproxy.jsp
    params: dict[str, str] = field(default_factory=dict)  # columnid, unitid, webid, ...
    per_page: int = 15
    total: int | None = None  # records in the column, when the page says
    ask: str = "post"  # "post": startrecord/endrecord/perpage in the query, the rest as a form; "get": page=N

    @property
    def last_page(self) -> int | None:
        return -(-self.total // self.per_page) if self.total else None

    def request(self, page: int) -> tuple[str, str, str | None]:
        """(method, URL, form body or None) asking for page `page` (1-based)."""
        if self.ask == "get":
            return "GET", f"{self.proxy}?{urlencode({'page': page, **self.params})}", None
        first = (page - 1) * self.per_page + 1
        query = urlencode({"startrecord": first, "endrecord": first + self.per_page - 1, "perpage": self.per_page})
        return "POST", f"{self.proxy}?{query}", urlencode(self.params)

    def other_way(self) -> HanwebPaging:
        """The same column asked the other way (a site that refuses one way may answer the other)."""
        return replace(self, ask="get" if self.ask == "post" else "post")


@dataclass(frozen=True)
class HanwebReading:
    links: list[ListLink]
    paging: HanwebPaging | None  # None on a dataproxy answer or when the page names no column


def is_hanweb(text: str) -> bool:
    """A datastore with records (a list page or a dataproxy answer)."""
    return has_datastore(text) and "<record" in text


def has_datastore(text: str) -> bool:
    """A datastore, possibly empty (a dataproxy answer past the last page)."""
    return bool(_DATASTORE.search(text))


def read(text: str, url: str) -> HanwebReading | None:
    """The records of a list page or dataproxy answer, and how to ask for more; None when it is no datastore."""
    if not is_hanweb(text):
        return None
    links: list[ListLink] = []
    for fragment in _RECORD.findall(text):
        for link in _fragment_links(fragment, url):
            if link.url not in {seen.url for seen in links}:
                links.append(link)
    return HanwebReading(links, None if "dataproxy.jsp" in urlsplit(url).path else paging(text, url))


def _fragment_links(fragment: str, base: str) -> list[ListLink]:
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, TypeError):  # lxml's ParserError is a ValueError: an empty or unparsable record
        return []
    date = find_date(root.text_content())
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        title = (a.get("title") or a.text_content() or "").strip()
        out.append(ListLink(urljoin(base, html.unescape(href)), " ".join(title.split()), date))
    return out


def paging(text: str, url: str) -> HanwebPaging | None:
    """dataproxy.jsp's parameters from the page: the nextgroup link (asked by GET) or jpage's ajaxParam (POST)."""
    proxy = urljoin(url, (_PROXY_URL.search(text).group(1) if _PROXY_URL.search(text) else PROXY))
    per_page = int(_PER_PAGE.search(text).group(1)) if _PER_PAGE.search(text) else 15
    total = int(_TOTAL.search(text).group(1)) if _TOTAL.search(text) else None
    nextgroup = _NEXTGROUP.search(text)
    href = _HREF.search(nextgroup.group(1)) if nextgroup else None
    if href and "page=" in href.group(1):
        query = dict(parse_qsl(urlsplit(html.unescape(href.group(1))).query, keep_blank_values=True))
        query.pop("page", None)
        if query.get("columnid"):
            proxy = urljoin(url, urlsplit(html.unescape(href.group(1))).path or PROXY)
            return HanwebPaging(proxy, query, per_page, total, ask="get")
    params = _ajax_params(text)
    if not params.get("columnid"):
        return None
    return HanwebPaging(proxy, params, per_page, total, ask="post")


def _ajax_params(text: str) -> dict[str, str]:
    """jpage's ajaxParam object, or else the known names assigned anywhere in the page's script."""
    block = _AJAX_PARAM.search(text)
    pairs = _PAIR.findall(block.group(1)) if block else []
    params = {k: next((v for v in values if v), "") for k, *values in pairs}
    params = {k: v for k, v in params.items() if v != ""} if params else {}
    if not params:
        params = {k: v for k, v in _ASSIGN.findall(text) if k in PARAMS and v}
    return {k: v.strip("'\"") for k, v in params.items()}
