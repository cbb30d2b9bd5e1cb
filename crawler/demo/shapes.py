"""Demo sites whose lists are not plain links: a Hanweb 教育厅 (datastore + dataproxy.jsp), a script-literal list
and a ccgp-style date-window search. Articles are the usual templates' pages; only the lists differ.

Built from the public descriptions of these shapes (issue 21), each answers only its own way of asking.
"""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qsl, urlencode

from crawler.demo.content import DemoArticle, Page, SiteSpec
from crawler.demo.requests import DemoRequest
from crawler.demo.sites import Site, build_site
from crawler.sources.template import today

PROXY = "/module/web/jpage/dataproxy.jsp"
HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "text/xml; charset=utf-8"}
WAF_PAGE = "<html><head><title>安全验证</title></head><body><p>安全验证：您的访问过于频繁，请稍后再试</p></body></html>"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


class ShapeSite(Site):
    """A Site whose list pages are drawn by `respond`; the template's static list pages are not served."""

    def render(self, path: str) -> Page | None:
        return None if path in self._lists else super().render(path)

    def live(self) -> list[DemoArticle]:
        with self._lock:
            return [a for a in self._order if a.path not in self._removed]

    def chunk(self, page: int, per_page: int | None = None) -> list[DemoArticle]:
        size = per_page or self.spec.per_page
        return self.live()[(page - 1) * size: page * size]

    def n_pages(self) -> int:
        return max(1, -(-len(self.live()) // self.spec.per_page))


class HanwebSite(ShapeSite):
    """浙江省教育厅-style Hanweb column: records in <datastore>; more from dataproxy.jsp, asked by POST
    (startrecord/endrecord/perpage + form, as jpage.js does) or by GET page=N (the nextgroup link), per `ask`."""

    COLUMN = {"col": "1", "appid": "1", "webid": "3217", "path": "/", "columnid": "1532973",
              "sourceContentType": "1", "unitid": "5836587", "webname": "浙江省教育厅", "permissiontype": "0"}

    def __init__(self, spec: SiteSpec, articles: list[DemoArticle], ask: str = "post"):
        super().__init__(spec, articles)
        self.ask = ask
        self.nextgroup = ask == "get"  # True on a POST site: its page shows a GET link its proxy refuses

    def respond(self, request: DemoRequest) -> Page | None:
        if request.path == self.spec.list_path and request.method == "GET":
            return Page(200, HTML, self._list_page(request.prefix).encode())
        if request.path == PROXY:
            return self._proxy(request)
        return self.render(request.path) if request.method == "GET" else None

    def _records(self, articles: list[DemoArticle], prefix: str) -> str:
        return "\n".join(
            f'<record><![CDATA[<li><a href="{prefix}{a.path}" target="_blank" title="{_esc(a.title)}">'
            f'{_esc(a.title)}</a><span>{a.published[:10]}</span></li>]]></record>' for a in articles)

    def _list_page(self, prefix: str) -> str:
        total, per = len(self.live()), self.spec.per_page
        query = urlencode({"page": 1, **self.COLUMN})
        nextgroup = f'<nextgroup><![CDATA[<a href="{prefix}{PROXY}?{query}"></a>]]></nextgroup>' if self.nextgroup else ""
        params = ",".join(f"{k}:'{v}'" if not v.isdigit() else f"{k}:{v}" for k, v in self.COLUMN.items())
        script = ("" if self.ask == "get" else
                  f"<script>$('#{self.COLUMN['unitid']}').jpage({{dataStore: dataStore, proxyUrl:'{prefix}{PROXY}',"
                  f" perPage:{per}, totalRecord:{total}, groupSize:3, barPosition:'bottom', ajaxParam:{{{params}}}}});"
                  "</script>")
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告 浙江省教育厅</title></head><body>'
                f'<div class="top"><a href="{prefix}/">浙江省教育厅</a> <a href="{prefix}/col/col1532974/index.html">'
                f'政策文件</a></div><div id="{self.COLUMN["unitid"]}"><script type="text/xml"><datastore>{nextgroup}'
                f'<recordset>\n{self._records(self.chunk(1), prefix)}\n</recordset></datastore></script></div>'
                f'<script src="{prefix}/module/web/jpage/jpage.js"></script>{script}</body></html>')

    def _proxy(self, request: DemoRequest) -> Page:
        """The dataproxy answer, only when asked this site's way; otherwise the error page Hanweb gives."""
        query = dict(parse_qsl(request.query))
        args = request.args()
        per = self.spec.per_page
        if self.ask == "post" and request.method == "POST" and "startrecord" in query:
            first, last = int(query["startrecord"]), int(query.get("endrecord") or 0)
            chosen = self.live()[first - 1: last] if args.get("columnid") == self.COLUMN["columnid"] else []
        elif self.ask == "get" and request.method == "GET" and query.get("page", "").isdigit():
            chosen = self.chunk(int(query["page"])) if query.get("columnid") == self.COLUMN["columnid"] else []
        else:
            return Page(500, HTML, b"<html><body>java.lang.NullPointerException</body></html>")
        total = len(self.live())
        body = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>\n{self._records(chosen, request.prefix)}'
                f"\n</recordset><totalrecord>{total}</totalrecord><totalpage>{-(-total // per)}</totalpage></datastore>")
        return Page(200, XML, body.encode())


class ScriptListSite(ShapeSite):
    """广东-style list drawn client-side from `var newsData = [{…}]` (site-chosen field names, JS literal syntax);
    the pager is plain links."""

    def respond(self, request: DemoRequest) -> Page | None:
        pages = {self._list_name(p): p for p in range(1, self.n_pages() + 1)}
        if request.path in pages and request.method == "GET":
            return Page(200, HTML, self._list_page(pages[request.path], request.prefix).encode())
        return self.render(request.path) if request.method == "GET" else None

    def _list_name(self, page: int) -> str:
        base = self.spec.list_path.rsplit("/", 1)[0]
        return self.spec.list_path if page == 1 else f"{base}/index_{page}.html"

    def _list_page(self, page: int, prefix: str) -> str:
        items = ",\n".join(f"  {{bt: {json.dumps(a.title, ensure_ascii=False)}, fbsj: '{a.published[:10]}', "
                           f"lj: '{prefix}{a.path}', djl: {a.noise.views}}}" for a in self.chunk(page))
        pager = " ".join(f'<a href="{prefix}{self._list_name(p)}">{p}</a>' for p in range(1, self.n_pages() + 1)
                         if p != page)
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告-广东省教育厅</title></head><body>'
                f'<div class="nav"><a href="{prefix}/">首页</a></div><ul id="list"></ul>'
                f"<script>\n// 列表数据\nvar newsData = [\n{items},\n];\n"
                "newsData.forEach(function (n) { $('#list').append('<li><a href=\"' + n.lj + '\">' + n.bt + '</a></li>'); });"
                f'\n</script><div class="page">{pager}</div></body></html>')


class Was5Site(ShapeSite):
    """福建省教育厅-style TRS WAS5 column: GET /was5/web/search?…&templet=docs.jsp&prepage=N&page=P answers
    {"pagenum": …, "docs": [{title, url, time, fileno, content, chnl, chnldocurl}, …]} as text/html, written by
    the JSP template rather than a JSON library: strings carry raw line breaks (json.loads refuses them)."""

    PATH = "/was5/web/search"

    def respond(self, request: DemoRequest) -> Page | None:
        if request.path != self.PATH:
            return self.render(request.path) if request.method == "GET" else None
        args = dict(parse_qsl(request.query))
        per, page = args.get("prepage", str(self.spec.per_page)), args.get("page", "")
        if request.method != "GET" or args.get("templet") != "docs.jsp" or not (per.isdigit() and page.isdigit()):
            return Page(400, HTML, "<html><body>检索参数错误</body></html>".encode())
        found = self.chunk(int(page), int(per)) if int(page) >= 1 else []
        return Page(200, HTML, self._docs(found, int(per), request.prefix).encode())

    def _docs(self, found: list[DemoArticle], per: int, prefix: str) -> str:
        docs = ",\n".join(self._doc(a, n, prefix) for n, a in enumerate(found, 1))
        pages = max(1, -(-len(self.live()) // per))
        return f'\r\n{{"pagenum":"{pages}","count":"{len(self.live())}",\n"docs":[\n{docs}\n]}}\r\n'

    @staticmethod
    def _doc(a: DemoArticle, n: int, prefix: str) -> str:
        content = _raw("\r\n".join(a.paragraphs[:2]) + "\r\n")  # the summary keeps its line breaks raw
        return (f'{{\n"title":"{_raw(a.title)}",\n"url":"{prefix}{a.path}",\n"time":"{a.published}:00",\n'
                f'"fileno":"闽教〔{a.published[:4]}〕{n}号",\n"content":"{content}",\n"chnl":"通知公告",\n'
                f'"chnldocurl":"{prefix}/xxgk/tzgg/"\n}}')


def _raw(text: str) -> str:
    """What a JSP template escapes in a string: quotes and backslashes, never line breaks."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


class SearchSite(ShapeSite):
    """search.ccgp.gov.cn-style bxsearch: results only for a window ending today (Beijing) in start_time/end_time
    (YYYY:MM:DD), 20 rows a page in ul.vT-srch-result-list-bid, page_index=N links; `waf` answers 安全验证."""

    def __init__(self, spec: SiteSpec, articles: list[DemoArticle], today: str = ""):
        super().__init__(spec, articles)
        self.today = today  # "YYYY:MM:DD" the server holds for today; "" = Beijing today when asked
        self.waf = False

    def respond(self, request: DemoRequest) -> Page | None:
        if request.path != self.spec.list_path:
            return self.render(request.path) if request.method == "GET" else None
        if self.waf:
            return Page(200, HTML, WAF_PAGE.encode())
        args = dict(parse_qsl(request.query, keep_blank_values=True))
        page = int(args.get("page_index") or 1) if (args.get("page_index") or "1").isdigit() else 1
        in_window = args.get("end_time") == (self.today or _beijing_today()) and bool(args.get("start_time"))
        return Page(200, HTML, self._results(page if in_window else 0, args, request.prefix).encode())

    def _results(self, page: int, args: dict[str, str], prefix: str) -> str:
        found = self.chunk(page) if page else []
        rows = "\n".join(
            f'<li><a href="{prefix}{a.path}" style="line-height:18px" target="_blank">{_esc(a.title)}</a>'
            f"<p>{_esc(a.paragraphs[0][:60])}</p><span>{a.published.replace('-', '.')}:00 | 采购人："
            f"{_esc(a.fields.get('采购人', ''))} | 代理机构：{_esc(a.fields.get('代理机构', ''))}</span></li>"
            for a in found)
        total = len(self.live()) if page else 0
        pager = " ".join(f'<a class="pg" href="{prefix}{self.spec.list_path}?{urlencode({**args, "page_index": p})}">'
                         f"{p}</a>" for p in range(1, (self.n_pages() if page else 0) + 1) if p != page)
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>中国政府采购网-搜索</title></head><body>'
                f'<div class="vT_z"><p>共找到 <span style="color:#c00000">{total}</span> 条内容</p>'
                f'<ul class="vT-srch-result-list-bid">\n{rows}\n</ul><p class="pager">{pager}</p></div></body></html>')


def _beijing_today() -> str:
    return today().strftime("%Y:%m:%d")


def build_shape_site(kind: str, n_articles: int, seed: int = 0, per_page: int = 5, **options) -> ShapeSite:
    """A demo site of one list shape: "hanweb" (zj articles), "script" (gd), "was5" (moe), "search" (ccgp)."""
    template, cls, list_path = {"hanweb": ("zj", HanwebSite, "/col/col1532973/index.html"),
                                "script": ("gd", ScriptListSite, "/zxzx/tzgg/index.html"),
                                "was5": ("moe", Was5Site, Was5Site.PATH),
                                "search": ("ccgp", SearchSite, "/bxsearch")}[kind]
    base = build_site(template, n_articles, seed, per_page)
    spec = SiteSpec(kind, template, list_path, per_page)
    return cls(spec, [base.article(p) for p in base.article_paths()], **options)
