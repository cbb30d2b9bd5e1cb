"""Benchmark the extractor against trafilatura, gne and readability-lxml on every page set it can find: the golden
pages, the real pages (tests/realpages, one table for all and one per source folder), every corpus under the
shared folder's benchmarks/ (found beside the checkout, or given with --shared) and, with --daniel, a local copy of
the DAnIEL corpus (its Chinese pages).

Run: .venv/bin/python bench/extract_bench.py [--shared ../shared] [--daniel DIR] [--only eduwatch] [--pages]
Prints one Markdown table per page set, each with the default path ("profiles") and the generic one: body
character P/R/F1 (multiset of non-whitespace characters, mean and min), (nearly) empty bodies (under a tenth of
the reference, or under 20 characters where the reference has more), boilerplate leaks, title and date accuracy
(labelled sets) and pages per second; --pages adds, for eduwatch, every real page scoring below 1.000 or with a
wrong title or date. On sets whose references may start with the headline (ccwe_zh_recent, DAnIEL) two more
columns (marked †) score against the reference with its leading headline line removed, because eduwatch's body
rule excludes the title. A peer that raises on a page scores 0 on it.

Corpus layouts read: `ground-truth.json` + `html/<id>.html` (ccwe_zh_recent); `doc_lg.json` + `html/<id>` +
`reference/<id>` (DAnIEL, e.g. Corpus_daniel_v2.0 of the public rundimeco/waddle repository: references are <p>
lines, languages in doc_lg.json; only "Chinese" pages are scored).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import decode_html, extract  # noqa: E402

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
BOILERPLATE = [
    "围观", "浏览次数", "相关阅读", "相关新闻", "上一篇", "下一篇", "版权与免责声明", "声明：", "分享到",
    "打印本页", "关闭窗口", "责任编辑", "我要投稿", "最近更新", "扫一扫",
    # the leak classes of issue 17: editor credits, promos, pagers, widgets, labels, correction links
    "责编", "点击进入", "关注公众号", "下一页", "加载更多", "Loading...", "Play Video", "赶快成为第一个赞的人吧",
    "关键字：", "【纠错】",
    # issue 25's classes: credits in other forms, promos, share widgets, notices, recommendation headings
    "审核：", "监制", "校对：", "通讯员", "返回首页", "查看更多", "分享：", "转载请注明", "版权所有", "猜你喜欢", "为你推荐",
]


@dataclass
class Page:
    """One benchmark page: raw bytes plus what a perfect extractor returns."""

    name: str
    raw: bytes
    url: str
    http_charset: str | None
    body: str
    title: str | None = None
    published: str | None = None
    headless: str = ""  # the reference minus a leading headline line (equal to body when it has none)
    labelled: bool = True  # title and date were labelled (ccwe_zh_recent gives only the body)


@dataclass
class Result:
    """What one system returned for one page."""

    body: str = ""
    title: str | None = None
    published: str | None = None


@dataclass
class Score:
    p: list[float] = field(default_factory=list)
    r: list[float] = field(default_factory=list)
    f: list[float] = field(default_factory=list)
    f_headless: list[float] = field(default_factory=list)
    empty: int = 0
    leaks: int = 0
    titles: int = 0
    dates: int = 0
    seconds: float = 0.0


def prf(got: str, want: str) -> tuple[float, float, float]:
    g, w = Counter("".join(got.split())), Counter("".join(want.split()))
    overlap = sum((g & w).values())
    if not overlap:
        return (1.0, 1.0, 1.0) if not g and not w else (0.0, 0.0, 0.0)
    p, r = overlap / sum(g.values()), overlap / sum(w.values())
    return p, r, 2 * p * r / (p + r)


def golden_pages(folder: Path) -> list[Page]:
    pages = []
    for meta in sorted(folder.glob("*/*.json")):
        want = json.loads(meta.read_text(encoding="utf-8"))
        pages.append(Page(f"{meta.parent.name}/{meta.stem}", meta.with_suffix(".html").read_bytes(), want["url"],
                          want.get("http_charset"), want["body"], want["title"], want["published"]))
    return pages


def real_pages(folder: Path) -> list[Page]:
    """tests/realpages/<source>/<name>.html + .json: real public pages labelled by hand (see its README)."""
    return golden_pages(folder)


def daniel_pages(folder: Path) -> list[Page]:
    """DAnIEL: html/<id> (raw bytes, no extension), reference/<id> (<p> lines), doc_lg.json ({id: language})."""
    languages = json.loads((folder / "doc_lg.json").read_text(encoding="utf-8"))
    pages = []
    for key, language in sorted(languages.items()):
        raw_path, ref_path = folder / "html" / key, folder / "reference" / key
        if language != "Chinese" or not raw_path.exists() or not ref_path.exists():
            continue
        raw = raw_path.read_bytes()
        ref = ref_path.read_text(encoding="utf-8", errors="replace")
        body = "\n".join(t for line in re.split(r"</p>|\n", ref) if (t := " ".join(TAG.sub(" ", line).split())))
        pages.append(Page(key, raw, f"http://example.invalid/daniel/{key}.html", None, body,
                          headless=drop_headline(body, headlines(raw)), labelled=False))
    return pages


TAG = re.compile(r"<[^>]*>")


def shared_corpora(shared: Path) -> list[tuple[str, list[Page]]]:
    """Every corpus under shared/benchmarks whose layout this benchmark reads."""
    found = []
    for folder in sorted(p for p in (shared / "benchmarks").iterdir() if p.is_dir()):
        if (folder / "ground-truth.json").exists():
            found.append((folder.name, ccwe_pages(folder)))
        elif (folder / "doc_lg.json").exists():
            found.append((f"{folder.name} (Chinese pages)", daniel_pages(folder)))
    return found


def find_shared() -> Path | None:
    """The shared folder beside the checkout (../shared) or beside its worktree folder (../../shared)."""
    return next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if (p / "benchmarks").is_dir()),
                None)


def ccwe_pages(folder: Path) -> list[Page]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, value in sorted(truth.items()):
        raw = (folder / "html" / f"{key}.html").read_bytes()
        body = value["articleBody"]
        pages.append(Page(key, raw, f"http://example.invalid/{key}.html", None, body,
                          headless=drop_headline(body, headlines(raw)), labelled=False))
    return pages


def headlines(raw: bytes) -> list[str]:
    """The page's own headline texts (<title>, h1–h3, title metas), whitespace removed, for spotting a headline."""
    import lxml.html

    text, _ = decode_html(raw, None)
    root = lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"),
                                         parser=lxml.html.HTMLParser(encoding="utf-8"))
    found = [el.text_content() for el in root.iter("title", "h1", "h2", "h3")]
    found += root.xpath("//meta[@property='og:title' or @name='title' or @name='ArticleTitle']/@content")
    return ["".join(t.split()) for t in found if t.strip()]


def drop_headline(body: str, heads: list[str]) -> str:
    """Remove the reference's first line when it is one of the page's headlines (the body rule excludes it)."""
    lines = body.strip().splitlines()
    first = "".join(lines[0].split()) if lines else ""
    if len(first) >= 4 and any(first in head for head in heads):
        return "\n".join(lines[1:])
    return body


def run_eduwatch(page: Page, use_profiles: bool) -> Result:
    article = extract(page.raw, page.url, page.http_charset, use_profiles=use_profiles)
    return Result(article.body, article.title, article.published)


def run_trafilatura(page: Page) -> Result:
    import trafilatura

    text, _ = decode_html(page.raw, page.http_charset)
    return Result(trafilatura.extract(text, favor_precision=True) or "")


def run_gne(page: Page) -> Result:
    from gne import GeneralNewsExtractor

    text, _ = decode_html(page.raw, page.http_charset)
    out = GeneralNewsExtractor().extract(text)
    return Result(out.get("content") or "", out.get("title"))


def run_readability(page: Page) -> Result:
    import lxml.html
    from readability import Document

    text, _ = decode_html(page.raw, page.http_charset)
    doc = Document(text)
    summary = lxml.html.fromstring(doc.summary())
    return Result(summary.text_content(), doc.short_title())


SYSTEMS = {
    "eduwatch (profiles)": lambda page: run_eduwatch(page, True),
    "eduwatch (generic)": lambda page: run_eduwatch(page, False),
    "trafilatura (favor_precision)": run_trafilatura,
    "gne": run_gne,
    "readability-lxml": run_readability,
}


ONLY = ""  # --only: score just the systems whose name starts with this
NO_TITLE = {"trafilatura (favor_precision)"}  # called as the brief says: extract() returns text only


def score(system, pages: list[Page]) -> Score:
    result = Score()
    for page in pages:
        start = time.perf_counter()
        try:
            got = system(page)
        except Exception as exc:  # a peer crashing on a page scores 0 there, by the benchmark's rule
            log.warning("%s failed: %s", page.name, exc)
            got = Result()
        result.seconds += time.perf_counter() - start
        p, r, f = prf(got.body, page.body)
        result.p.append(p)
        result.r.append(r)
        result.f.append(f)
        result.f_headless.append(prf(got.body, page.headless or page.body)[2])
        size, want = len("".join(got.body.split())), len("".join((page.headless or page.body).split()))
        result.empty += want >= 20 and size < max(20, want / 10)
        result.leaks += sum(1 for b in BOILERPLATE if b in got.body and b not in page.body)
        result.titles += page.title is not None and (got.title or "").strip() == page.title
        result.dates += page.labelled and got.published == page.published  # a page with no date: None is right
    return result


def misses(pages: list[Page]) -> str:
    """The real pages eduwatch (profiles) gets less than perfect, one line each, for working on the extractor."""
    rows = []
    for page in pages:
        got = run_eduwatch(page, True)
        f = prf(got.body, page.body)[2]
        wrong = [what for what, ok in (("title", got.title == page.title), ("date", got.published == page.published))
                 if not ok]
        if f < 1 or wrong:
            rows.append(f"- {page.name}: F1 {f:.3f}" + (f"; wrong {', '.join(wrong)}" if wrong else "")
                        + (f" ({got.title!r} / {got.published!r})" if wrong else ""))
    return "\n".join(rows)


def table(title: str, pages: list[Page], labelled: bool) -> str:
    headless = any(page.headless and page.headless != page.body for page in pages)
    extra = " F1 mean† | F1 min† |" if headless else ""
    head = f"| system | P mean | R mean | F1 mean | F1 min |{extra} empty | leaks | title ok | date ok | pages/s |"
    rows = [f"### {title} ({len(pages)} pages)", "", head, "|" + "---|" * (12 if headless else 10)]
    for name, system in SYSTEMS.items():
        if ONLY and not name.startswith(ONLY):
            continue
        s = score(system, pages)
        n = len(pages)
        titles = f"{s.titles}/{n}" if labelled and name not in NO_TITLE else "–"
        dates = f"{s.dates}/{n}" if labelled and name.startswith("eduwatch") else "–"
        cells = f" {sum(s.f_headless) / n:.3f} | {min(s.f_headless):.3f} |" if headless else ""
        rows.append(
            f"| {name} | {sum(s.p) / n:.3f} | {sum(s.r) / n:.3f} | {sum(s.f) / n:.3f} | {min(s.f):.3f} |{cells} "
            f"{s.empty} | {s.leaks} | {titles} | {dates} | {n / s.seconds:.0f} |"
        )
    if headless:
        dropped = sum(page.headless != page.body for page in pages)
        rows += ["", f"† F1 against the reference with its leading headline line removed ({dropped} of {len(pages)} "
                     "references start with the page's headline, which eduwatch's body rule excludes)."]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, help="the shared folder holding benchmarks/ (default: found beside "
                        "the checkout; 'none' skips it)")
    parser.add_argument("--daniel", type=Path, help="a local copy of the DAnIEL corpus (doc_lg.json, html/, reference/)")
    parser.add_argument("--golden", type=Path, default=ROOT / "tests" / "golden")
    parser.add_argument("--real", type=Path, default=ROOT / "tests" / "realpages")
    parser.add_argument("--only", default="", help="score only systems whose name starts with this (e.g. eduwatch)")
    parser.add_argument("--pages", action="store_true", help="list the real pages eduwatch gets less than perfect")
    args = parser.parse_args()
    global ONLY
    ONLY = args.only
    logging.basicConfig(level=logging.ERROR)
    pages = golden_pages(args.golden)
    if pages:
        print(table("golden corpus (tests/golden)", pages, labelled=True), end="\n\n")
    real = real_pages(args.real)
    if real:
        print(table("real pages (tests/realpages)", real, labelled=True), end="\n\n")
        for source in sorted({page.name.split("/")[0] for page in real}):
            subset = [page for page in real if page.name.startswith(source + "/")]
            print(table(f"real pages, {source}/", subset, labelled=True), end="\n\n")
        if args.pages:
            print(misses(real) or "(every real page perfect)", end="\n\n")
    shared = find_shared() if args.shared is None else (None if str(args.shared) == "none" else args.shared)
    if shared is not None and (shared / "benchmarks").is_dir():
        for name, corpus in shared_corpora(shared):
            if corpus:
                print(table(name, corpus, labelled=False), end="\n\n")
    if args.daniel:
        corpus = daniel_pages(args.daniel)
        if not corpus:
            print(f"no Chinese DAnIEL pages under {args.daniel} (want doc_lg.json, html/<id>, reference/<id>)")
            return 1
        print(table("DAnIEL (Chinese pages)", corpus, labelled=False), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
