"""A 200-page site behind a 瑞数-style 412 challenge against the same site without it: eduwatch crawl speed.

Both sites are the same articles (gd template, same seed) on one local server; each round crawls each of them
into a fresh database (a first crawl: every article fetched and recorded), then again (a recheck: 304s), with
DOWNLOAD_DELAY=0 and no AutoThrottle. By default a clearance does not expire (the recheck then passes on the
clearance the first crawl kept); `--max-uses N` lets one serve N requests, so the browser clears it again
mid-crawl, as an expiring cookie makes it. Also timed: the same pages opened one by one
in the browser (what a crawl costs when the browser is the crawler), to show why only the challenge goes there.

    .venv/bin/python bench/challenge_bench.py [--articles 200] [--rounds 3] [--max-uses 80] [--skip-browser-crawler]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crawls import compile_checkout, eduwatch_command, run  # noqa: E402
from crawler.demo.browser_sites import challenged_site  # noqa: E402
from crawler.demo.run import GENERIC_RULES  # noqa: E402
from crawler.demo.server import SiteServer  # noqa: E402
from crawler.demo.sites import build_site  # noqa: E402
from crawler.fetch.browser import BrowserDoor, find_browser  # noqa: E402

FOLLOW, PAGINATION = GENERIC_RULES["gd"]


def write_config(workdir: Path, server: SiteServer, name: str) -> None:
    site = server.sites[name]
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "eduwatch.toml").write_text(
        f'[[sites]]\nname = "{name}"\nstart_urls = ["{server.url_for(name, site.spec.list_path)}"]\n'
        f"follow = '{FOLLOW}'\npagination = '{PAGINATION}'\nmax_list_pages = 100\n", encoding="utf-8")


def crawl_twice(server: SiteServer, name: str, root: Path, round_no: int) -> tuple[float, float, int]:
    """(first crawl s, recheck s, pages of the first) for one site into a fresh database."""
    workdir = root / f"{name}-{round_no}"
    write_config(workdir, server, name)
    db = workdir / "eduwatch.db"
    first = run(f"{name}-first", eduwatch_command(workdir, db, []), workdir, db)
    again = run(f"{name}-again", eduwatch_command(workdir, db, []), workdir, db)
    for result in (first, again):
        if result.code != 0 or result.stats.get("error"):
            raise SystemExit(f"{result.label}: exit {result.code}, stats {result.stats}\n{result.stderr_tail}")
    return first.wall_s, again.wall_s, first.pages


def browser_every_page(server: SiteServer, name: str) -> tuple[float, int]:
    """Seconds to open every list and article page of the site in one browser, one after another."""
    site = server.sites[name]
    urls = [server.url_for(name, p) for p in site.list_paths() + site.article_paths()]
    started = time.monotonic()
    with BrowserDoor(find_browser()) as door:
        for url in urls:
            door.render(url)
    return time.monotonic() - started, len(urls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-uses", type=int, default=0,
                        help="requests one clearance serves (0: no expiry, the issue's case; 80: three clearances a crawl)")
    parser.add_argument("--skip-browser-crawler", action="store_true",
                        help="leave out the last figure (every page opened in the browser: two minutes)")
    args = parser.parse_args()
    compile_checkout()
    plain = build_site("gd", args.articles, seed=412)
    guarded = challenged_site(args.articles, max_uses=args.max_uses, seed=412)
    figures: dict[str, list[float]] = {"plain first": [], "challenge first": [], "plain recheck": [],
                                       "challenge recheck": []}
    with tempfile.TemporaryDirectory(prefix="challenge-bench-") as tmp, \
            SiteServer({"plain": plain, "waf": guarded}, cache=True) as server:
        root = Path(tmp)
        for round_no in range(args.rounds):
            for label, name in (("plain", "plain"), ("challenge", "waf")):
                first, again, pages = crawl_twice(server, name, root, round_no)
                figures[f"{label} first"].append(first)
                figures[f"{label} recheck"].append(again)
                print(f"round {round_no + 1} {label:9s}: first crawl {first:5.2f} s ({pages} pages), "
                      f"recheck {again:5.2f} s", flush=True)
        cleared, issued = guarded.gate.cleared, guarded.gate.issued
        every_s, every_n = (0.0, 0) if args.skip_browser_crawler else browser_every_page(server, "waf")
    median = {k: statistics.median(v) for k, v in figures.items()}
    serves = f"serves {args.max_uses} requests" if args.max_uses else "does not expire"
    print(f"\n{args.articles} articles, {args.rounds} rounds, medians; a clearance {serves}")
    for kind in ("first", "recheck"):
        ratio = median[f"plain {kind}"] / median[f"challenge {kind}"]
        print(f"{kind:8s}: plain {median[f'plain {kind}']:5.2f} s, behind the challenge "
              f"{median[f'challenge {kind}']:5.2f} s: speed {ratio:.2f}x of the plain site")
    print(f"challenge pages served {issued}, clearances accepted {cleared} "
          f"({cleared / (2 * args.rounds):.1f} per crawl)")
    if every_n:
        print(f"the browser as the crawler: {every_n} pages opened one by one in {every_s:.1f} s "
              f"({every_n / every_s:.1f} pages/s, against {args.articles / median['plain first']:.1f} pages/s "
              "for eduwatch's first crawl of the plain site)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
