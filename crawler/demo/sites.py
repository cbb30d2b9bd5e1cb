"""Deterministic look-alike sites (caigou, moe, ccgp, ceiea, provincial, portal): the templates' registry and the served Site."""

from __future__ import annotations

import hashlib
import logging
import posixpath
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from crawler.demo.content import (
    EDITORS,
    OBJECTS,
    PLACES,
    DemoArticle,
    DemoError,
    Noise,
    Page,
    SiteSpec,
    _award,
    _correction,
    _news_title,
    _paragraphs,
    _tender,
)
from crawler.demo.render import (
    ArticleRenderer,
    Ctx,
    ListRenderer,
    caigou_article,
    caigou_list,
    ccgp_article,
    ccgp_list,
    ceiea_article,
    ceiea_list,
    gd_article,
    gd_list,
    moe_article,
    moe_list,
    moe_old_article,
    portal_article,
    portal_list,
    zj_article,
    zj_list,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    """How one site family names its pages and draws them."""

    name: str
    list_dir: str
    list_name: Callable[[int], str]  # page number (1-based) -> file name in list_dir
    article_path: Callable[[int, datetime, int], str]  # (index, date, per-day sequence) -> path
    article: ArticleRenderer
    listing: ListRenderer
    start: datetime
    source: str
    encoding: str = "utf-8"
    http_charset: str = "utf-8"
    per_page: int = 20
    n_related: int = 5


def _index(ext: str, first: int = 0) -> Callable[[int], str]:
    """TRS-style names: index.ext, then index_<p-1+first>.ext."""
    return lambda p: f"index.{ext}" if p == 1 else f"index_{p - 1 + first}.{ext}"


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in [
        Template(
            "caigou",
            "/news/",
            lambda p: "list.shtml" if p == 1 else f"list_{p}.shtml",
            lambda i, d, s: f"/news/{d:%Y%m%d}{s:02d}.shtml",
            caigou_article,
            caigou_list,
            datetime(2022, 3, 25, 13, 23),
            "教育装备采购网",
        ),
        Template(
            "moe",
            "/jyb_xwfb/gzdt_gzdt/",
            _index("html"),
            lambda i, d, s: f"/jyb_xwfb/gzdt_gzdt/{d:%Y%m}/t{d:%Y%m%d}_{1114758 - i * 13}.html",
            moe_article,
            moe_list,
            datetime(2024, 2, 8, 9, 0),
            "教育部",
        ),
        Template(
            "moe_old",
            "/jyb_xwfb/gzdt_gzdt/moe_1485/",
            _index("html"),
            lambda i, d, s: f"/jyb_xwfb/gzdt_gzdt/moe_1485/{d:%Y%m}/t{d:%Y%m%d}_{343000 - i * 11}.html",
            moe_old_article,
            moe_list,
            datetime(2019, 6, 18, 9, 0),
            "教育部新闻办公室",
        ),
        Template(
            "ccgp",
            "/cggg/dfgg/gkzb/",
            _index("htm"),
            lambda i, d, s: f"/cggg/dfgg/gkzb/{d:%Y%m}/t{d:%Y%m%d}_{24000000 - i}.htm",
            ccgp_article,
            ccgp_list,
            datetime(2025, 7, 14, 1, 59),
            "中国政府采购网",
        ),
        Template(
            "ceiea",
            "/stock/",
            lambda p: f"0_{p}.htm",
            lambda i, d, s: f"/html/{d:%Y%m}/{d:%Y%m%d}{i:09d}.shtml",
            ceiea_article,
            ceiea_list,
            datetime(2019, 8, 12, 9, 0),
            "中国教育装备网",
            encoding="gbk",
            http_charset="gb2312",
        ),
        Template(
            "zj",
            "/col/col1532973/",
            lambda p: "index.html" if p == 1 else f"index_{p}.html",
            lambda i, d, s: f"/art/{d.year}/{d.month}/{d.day}/art_1532973_{5800000 + i}.html",
            zj_article,
            zj_list,
            datetime(2024, 3, 1, 10, 0),
            "浙江省教育厅",
        ),
        Template(
            "gd",
            "/zxzx/tzgg/",
            lambda p: "index.html" if p == 1 else f"index_{p}.html",
            lambda i, d, s: f"/zxzx/tzgg/content/post_{4300000 + i}.html",
            gd_article,
            gd_list,
            datetime(2024, 3, 5, 16, 30),
            "广东省教育厅",
        ),
        Template(
            "portal",
            "/news/",
            lambda p: "index.html" if p == 1 else f"index_{p}.html",
            lambda i, d, s: f"/a/{d:%Y%m%d}/{i}.html",
            portal_article,
            portal_list,
            datetime(2023, 11, 20, 8, 15),
            "中国教育在线",
            n_related=20,
        ),
    ]
}


# --- generation ------------------------------------------------------------------------------------------


def _kind(template: str, i: int) -> str:
    if template == "ccgp":
        return ("tender", "award", "correction")[i % 3]
    if template == "caigou":
        return "tender" if i % 3 == 2 else "news"
    if template == "ceiea":
        return "members_only" if i % 4 == 3 else ("tender" if i % 2 == 0 else "news")
    return "news"


def _make_article(
    t: Template, i: int, when: datetime, seq: int, rng: random.Random, tenders: dict[int, dict[str, str]]
) -> DemoArticle:
    published = when.strftime("%Y-%m-%d %H:%M")
    kind = _kind(t.name, i)
    title, fields_ = _news_title(rng), {}
    if kind == "tender" or (kind != "news" and i - i % 3 not in tenders):
        title, fields_ = _tender(rng, i, published)
        tenders[i] = fields_
    elif kind == "award":
        title, fields_ = _award(tenders[i - 1], rng)
    elif kind == "correction":
        title, fields_ = _correction(tenders[i - 2])
    if t.name == "ccgp":
        fields_["行政区域"] = fields_["采购人"][:3]
    a = DemoArticle(
        t.article_path(i, when, seq),
        title,
        published,
        t.source,
        _paragraphs(rng, rng.randint(2, 6)),
        fields_,
        editor=rng.choice(EDITORS),
        kind=kind,
    )
    _decorate(t, i, a, rng)
    return a


def _decorate(t: Template, i: int, a: DemoArticle, rng: random.Random) -> None:
    """Per-template variety: subtitles, attachments, a GBK page whose header says utf-8."""
    if t.name in ("moe", "moe_old") and i % 3 == 2:
        a.subtitle = f"——{rng.choice(PLACES)}{rng.choice(OBJECTS)}工作综述"
    if t.name == "moe" and i % 4 == 1:
        a.attachments = [
            (f"{rng.choice(OBJECTS)}实施方案", f"./W0{a.published[:10].replace('-', '')}{i:09d}.docx")
        ]
    if t.name == "ccgp" and a.kind == "tender":
        uuid = hashlib.md5(a.path.encode()).hexdigest()
        a.attachments = [("采购文件", f"./oss/download?uuid={uuid}")]  # served by the demo server (no internet)
    if t.name == "gd" and i % 3 == 1:
        a.encoding, a.http_charset = "gbk", "utf-8"


def _articles(t: Template, n: int, seed: int) -> list[DemoArticle]:
    rng = random.Random(f"{t.name}:{seed}")
    when, seq, out, tenders = t.start, 1, [], {}
    for i in range(n):
        out.append(_make_article(t, i, when, seq, rng, tenders))
        step = rng.choice([0, 0, 1, 1, 2])
        when = when - timedelta(days=step, minutes=rng.randint(5, 300))
        seq = seq + 1 if step == 0 else 1
    return out


def build_site(template: str, n_articles: int, seed: int = 0, per_page: int | None = None) -> Site:
    """A deterministic site: same (template, n, seed) gives byte-identical pages."""
    if template not in TEMPLATES:
        raise DemoError(f"unknown template {template!r}; choose one of {', '.join(TEMPLATES)}")
    if n_articles < 0:
        raise DemoError(f"n_articles must be >= 0, got {n_articles}")
    t = TEMPLATES[template]
    spec = SiteSpec(template, template, t.list_dir + t.list_name(1), per_page or t.per_page)
    return Site(spec, _articles(t, n_articles, seed))


def default_sites(seed: int = 0) -> dict[str, Site]:
    """The small bundle served by `eduwatch demo`: every template, about 30 articles, 2-3 list pages each."""
    sizes = {
        "caigou": (5, 2),
        "moe": (5, 2),
        "moe_old": (3, 2),
        "ccgp": (6, 3),
        "ceiea": (4, 2),
        "zj": (3, 2),
        "gd": (3, 2),
        "portal": (3, 2),
    }
    return {name: build_site(name, n, seed, per_page) for name, (n, per_page) in sizes.items()}


def _rel(target: str, from_dir: str) -> str:
    rel = posixpath.relpath(target, from_dir)
    return rel if rel.startswith("..") else "./" + rel


# --- the site --------------------------------------------------------------------------------------------

NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>页面不存在</title></head><body><h1>404 页面不存在</h1></body></html>"
)


class Site:
    """A live, mutable site: render(path) answers like the real server would. Safe across threads."""

    def __init__(self, spec: SiteSpec, articles: list[DemoArticle]):
        self.spec = spec
        self.template = TEMPLATES[spec.template]
        self._lock = threading.RLock()
        self._order = list(articles)  # newest first, the list pages' order
        self._articles = {a.path: a for a in articles}
        self._position = {a.path: i for i, a in enumerate(articles)}
        self._removed: set[str] = set()
        self._mtime = dict.fromkeys(self._articles, time.time())
        n_pages = max(1, -(-len(articles) // spec.per_page))
        self._lists = {self.template.list_dir + self.template.list_name(p): p for p in range(1, n_pages + 1)}

    # reading
    def list_paths(self) -> list[str]:
        return list(self._lists)

    def article_paths(self) -> list[str]:
        with self._lock:
            return [a.path for a in self._order if a.path not in self._removed]

    def article(self, path: str) -> DemoArticle:
        with self._lock:
            if path not in self._articles:
                raise DemoError(
                    f"no article at {path!r} on the {self.spec.name} site; see Site.article_paths()"
                )
            return self._articles[path]

    def last_modified(self, path: str) -> float:
        return self._mtime.get(path, 0.0)

    def render(self, path: str) -> Page | None:
        """The page at path, a 404 page for a removed article, or None for a path the site never had."""
        with self._lock:
            if path in self._removed:
                return Page(404, {"Content-Type": "text/html; charset=utf-8"}, NOT_FOUND_HTML.encode())
            if path in self._articles:
                return self._page(self._render_article(self._articles[path]), self._articles[path])
            if path in self._lists:
                return self._page(self._render_list(self._lists[path]), None)
            if path in ("/", ""):
                home = f'<html><body><a href="{self.spec.list_path.lstrip("/")}">列表</a></body></html>'
                return Page(200, {"Content-Type": "text/html; charset=utf-8"}, home.encode())
            return None

    def _page(self, text: str, a: DemoArticle | None) -> Page:
        codec = (a.encoding if a else None) or self.template.encoding
        charset = (a.http_charset if a else None) or self.template.http_charset
        return Page(
            200, {"Content-Type": f"text/html; charset={charset}"}, text.encode(codec, "xmlcharrefreplace")
        )

    def _render_article(self, a: DemoArticle) -> str:
        i, n = self._position[a.path], len(self._order)
        seed = a.noise.related_seed
        picks = [self._order[(i + 1 + seed + k) % n] for k in range(min(self.template.n_related, n - 1))]
        return self.template.article(
            a, Ctx(picks, lambda src, dst: _rel(dst.path, src.path.rsplit("/", 1)[0]))
        )

    def _render_list(self, page_no: int) -> str:
        live = [a for a in self._order if a.path not in self._removed] if self._removed else self._order
        chunk = live[(page_no - 1) * self.spec.per_page : page_no * self.spec.per_page]
        items = [(_rel(a.path, self.template.list_dir.rstrip("/")), a) for a in chunk]
        return self.template.listing(items, page_no, len(self._lists), self.spec)

    # mutating
    def _touch(self, path: str) -> DemoArticle:
        a = self.article(path)
        # at least one second later: Last-Modified has whole seconds, and an edit must never look unmodified
        self._mtime[path] = max(time.time(), self._mtime[path] + 1)
        return a

    def edit_sentence(self, path: str, old: str, new: str) -> None:
        with self._lock:
            a = self._touch(path)
            for k, p in enumerate(a.paragraphs):
                if old in p:
                    a.paragraphs[k] = p.replace(old, new, 1)
                    return
            raise DemoError(f"{old!r} is not in the body of {path}; pass a sentence copied from a.paragraphs")

    def set_field(self, path: str, key: str, value: str) -> None:
        with self._lock:
            self._touch(path).fields[key] = value

    def append_paragraph(self, path: str, text: str) -> None:
        with self._lock:
            self._touch(path).paragraphs.append(text)

    def add_attachment(self, path: str, title: str, href: str) -> None:
        with self._lock:
            self._touch(path).attachments.append((title, href))

    def set_title(self, path: str, title: str) -> None:
        with self._lock:
            self._touch(path).title = title

    def remove(self, path: str) -> None:
        with self._lock:
            self._touch(path)
            self._removed.add(path)

    def restore(self, path: str) -> None:
        with self._lock:
            self._touch(path)
            self._removed.discard(path)

    def set_noise(self, path: str, **knobs: object) -> None:
        """Change only what a change detector must ignore (counter, related lists, ads, nonce, ...)."""
        valid = {f.name for f in fields(Noise)}
        unknown = set(knobs) - valid
        if unknown:
            raise DemoError(f"unknown noise knob(s) {sorted(unknown)}; valid: {sorted(valid)}")
        with self._lock:
            a = self._touch(path)
            a.noise = replace(a.noise, **knobs)
