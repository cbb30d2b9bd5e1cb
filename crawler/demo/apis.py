"""Demo procurement portals that answer JSON, in the three shapes the public crawlers describe:

- "zcy"  (政采云 provincial portals): POST /portal/category with a JSON body → JSON list; GET
  /portal/detail?articleId=… → JSON article (title, publishDate in ms, content as an HTML string);
- "ggzy" (全国公共资源交易平台): a form POST → JSON list whose items link HTML article pages;
- "sc"   (四川公共资源交易中心): a JSON string posted with a form content type → JSON list of HTML pages.
Articles are ccgp-template tenders (fields, attachments); a removed one answers 404.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import parse_qsl, urljoin
from zoneinfo import ZoneInfo

from crawler.demo.content import DemoArticle, Page, SiteSpec
from crawler.demo.requests import DemoRequest
from crawler.demo.shapes import ShapeSite
from crawler.demo.sites import build_site

JSON_TYPE = {"Content-Type": "application/json;charset=UTF-8"}
LIST_PATHS = {"zcy": "/portal/category", "ggzy": "/ds/deal/dealList_find.jsp",
              "sc": "/inteligentsearch/rest/esinteligentsearch/getFullTextDataNew"}
DETAIL = "/portal/detail"


def _json(data: object, status: int = 200) -> Page:
    return Page(status, JSON_TYPE, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _epoch_ms(published: str) -> int:
    moment = datetime.strptime(published, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return int(moment.timestamp() * 1000)


def article_id(a: DemoArticle) -> str:
    return hashlib.md5(a.path.encode()).hexdigest()[:16]


class ApiPortalSite(ShapeSite):
    """A JSON portal of one `flavor`; each answers only its own way of asking (others get its error JSON)."""

    def __init__(self, spec: SiteSpec, articles: list[DemoArticle], flavor: str = "zcy"):
        super().__init__(spec, articles)
        self.flavor = flavor

    def respond(self, request: DemoRequest) -> Page | None:
        if request.path == LIST_PATHS[self.flavor]:
            if request.method != "POST":
                return _json({"success": False, "error": "Request method 'GET' not supported"}, 405)
            return getattr(self, f"_list_{self.flavor}")(request)
        if request.path == DETAIL and self.flavor == "zcy":
            return self._detail(dict(parse_qsl(request.query)).get("articleId", ""), request.prefix)
        return self.render(request.path) if request.method == "GET" else None

    def by_id(self, wanted: str) -> DemoArticle | None:
        return next((a for a in self.live() if article_id(a) == wanted), None)

    def _list_zcy(self, request: DemoRequest) -> Page:
        asked = request.json() if request.content_type.startswith("application/json") else None
        if not asked or not isinstance(asked.get("pageNo"), int) or not isinstance(asked.get("pageSize"), int):
            return _json({"success": False, "error": "参数错误", "result": None})
        found = self.chunk(asked["pageNo"], asked["pageSize"])
        items = [{"articleId": article_id(a), "title": a.title, "publishDate": _epoch_ms(a.published),
                  "districtName": a.fields.get("采购人", "")[:3], "pathName": "采购公告"} for a in found]
        return _json({"success": True, "result": {"data": {"total": len(self.live()), "data": items}}})

    def _detail(self, wanted: str, prefix: str) -> Page:
        a = self.by_id(wanted)
        if a is None:
            return _json({"success": False, "error": "公告不存在"}, 404)
        return _json({"success": True, "result": {"data": {
            "articleId": wanted, "title": a.title, "publishDate": _epoch_ms(a.published), "author": a.source,
            "content": self._content(a, prefix), "attachmentVO": [{"name": t, "url": h} for t, h in a.attachments]}}})

    def _content(self, a: DemoArticle, prefix: str) -> str:
        """The announcement body as the portal ships it: an HTML string (paragraphs, the facts, attachment links)."""
        paras = "".join(f"<p>{p}</p>" for p in a.paragraphs)
        facts = "".join(f"<p>{k}：{v}</p>" for k, v in a.fields.items())
        links = "".join(f'<p><a href="{prefix}{urljoin(a.path, h)}">{t}</a></p>' for t, h in a.attachments)
        return f'<div class="announcement">{paras}{facts}{links}</div>'

    def _list_ggzy(self, request: DemoRequest) -> Page:
        form = request.args() if request.content_type.startswith("application/x-www-form-urlencoded") else {}
        if not form.get("PAGENUMBER", "").isdigit() or not form.get("TIMEBEGIN_SHOW"):
            return _json({"code": 400, "message": "缺少参数"})
        found = self.chunk(int(form["PAGENUMBER"]))
        items = [{"title": a.title, "timeShow": a.published[:10], "url": f"{request.prefix}{a.path}",
                  "districtShow": a.fields.get("采购人", "")[:3], "platformName": "全国公共资源交易平台"} for a in found]
        return _json({"code": 200, "data": items, "ttlpage": self.n_pages(), "ttlrow": len(self.live())})

    def _list_sc(self, request: DemoRequest) -> Page:
        try:
            asked = json.loads(request.body)
        except ValueError:
            asked = None
        if not isinstance(asked, dict) or not isinstance(asked.get("pn"), int) or not isinstance(asked.get("rn"), int):
            return _json({"result": None, "error": "参数格式错误"})
        found = self.live()[asked["pn"]: asked["pn"] + asked["rn"]]
        records = [{"title": a.title, "webdate": f"{a.published}:00", "linkurl": f"{request.prefix}{a.path}",
                    "zhuanzai": "四川省公共资源交易信息网"} for a in found]
        return _json({"result": {"categorys": [], "records": records, "totalcount": len(self.live())}})


def build_api_site(flavor: str, n_articles: int, seed: int = 0, per_page: int = 5) -> ApiPortalSite:
    """A JSON portal of `flavor` ("zcy", "ggzy", "sc") over ccgp-template tenders."""
    base = build_site("ccgp", n_articles, seed, per_page)
    spec = SiteSpec(flavor, "ccgp", LIST_PATHS[flavor], per_page)
    return ApiPortalSite(spec, [base.article(p) for p in base.article_paths()], flavor)
