"""Crawl rates of the list shapes against an HTML list of the same articles, in the same run.

Pairs, each over one set of articles: a Hanweb jpage column (datastore + dataproxy.jsp POSTs) against the
zj template's HTML list of the same articles; a 政采云-style JSON portal (POST list, JSON articles read as HTML)
against the ccgp template's HTML list of the same tenders. Every crawl starts from a fresh database (a first
crawl: every article fetched and recorded), rounds interleaved, medians printed.

    .venv/bin/python bench/reach_bench.py [--articles 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crawls import compile_checkout, eduwatch_command, run  # noqa: E402
from crawler.demo.apis import build_api_site  # noqa: E402
from crawler.demo.server import SiteServer  # noqa: E402
from crawler.demo.shapes import build_shape_site  # noqa: E402
from crawler.demo.sites import build_site  # noqa: E402

PER_PAGE = 20
PAIRS = [("zj", "hanweb"), ("ccgp", "zcy")]


def sites(n: int) -> dict:
    return {"zj": build_site("zj", n, 0, PER_PAGE), "hanweb": build_shape_site("hanweb", n, 0, PER_PAGE),
            "ccgp": build_site("ccgp", n, 0, PER_PAGE), "zcy": build_api_site("zcy", n, 0, PER_PAGE)}


def block(server: SiteServer, name: str, pages: int) -> str:
    url = server.url_for(name, "")
    entry = {
        "zj": [f'start_urls = ["{url}/col/col1532973/index.html"]', r"follow = '/art/\d+/\d+/\d+/art_\d+_\d+\.html$'",
               r"pagination = '/col/col\d+/index_\d+\.html$'"],
        "hanweb": [f'start_urls = ["{url}/col/col1532973/index.html"]',
                   r"follow = '/art/\d+/\d+/\d+/art_\d+_\d+\.html$'"],
        "ccgp": [f'start_urls = ["{url}/cggg/dfgg/gkzb/index.htm"]', r"follow = '/t\d{8}_\d+\.htm$'",
                 r"pagination = '/index_\d+\.htm$'"],
        "zcy": [f'start_urls = ["{url}/portal/category"]'],
    }[name]
    text = "\n".join([f'[[sites]]\nname = "{name}"', *entry, f"max_list_pages = {pages}"]) + "\n"
    if name == "zcy":
        text += ("[sites.api]\nmethod = \"POST\"\nbody = '{\"pageNo\": {page}, \"pageSize\": {page_size}}'\n"
                 f"page_size = {PER_PAGE}\nitems = \"result.data.data\"\ntotal = \"result.data.total\"\nlink = \"detail?articleId={{articleId}}\"\n"
                 "[sites.api.article]\ntitle = \"result.data.title\"\npublished = \"result.data.publishDate\"\n"
                 "body = \"result.data.content\"\n")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    compile_checkout()
    pages = -(-args.articles // PER_PAGE)
    walls: dict[str, list[float]] = {}
    with SiteServer(sites(args.articles), cache=True) as server, tempfile.TemporaryDirectory() as tmp:
        for round_no in range(args.rounds):
            for pair in PAIRS:
                for name in (pair if round_no % 2 == 0 else pair[::-1]):
                    work = Path(tmp) / f"{name}-{round_no}"
                    work.mkdir()
                    (work / "eduwatch.toml").write_text(block(server, name, pages), encoding="utf-8")
                    db = work / "eduwatch.db"
                    result = run(name, eduwatch_command(work, db, []), work, db)
                    if result.code != 0 or result.pages != args.articles or result.stats.get("error", 0):
                        print(f"{name}: exit {result.code}, {result.pages} pages, stats {result.stats}\n"
                              f"{result.stderr_tail}", file=sys.stderr)
                        return 1
                    walls.setdefault(name, []).append(result.wall_s)
    print(f"{args.articles} articles, {pages} list pages of {PER_PAGE}, first crawl, median of {args.rounds} rounds")
    for html, shape in PAIRS:
        a, b = statistics.median(walls[html]), statistics.median(walls[shape])
        print(f"  {html:6} HTML list   {a:6.2f} s  {args.articles / a:6.1f} pages/s")
        print(f"  {shape:6} {'Hanweb' if shape == 'hanweb' else 'JSON API':10}  {b:6.2f} s  "
              f"{args.articles / b:6.1f} pages/s   ({a / b:.2f}× the HTML list's rate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
