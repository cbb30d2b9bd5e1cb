"""eduwatch crawl vs bare Scrapy in process wall time, with the default settings, on a mirror of heavy real-like pages.

Run: .venv/bin/python bench/throughput.py [--pages 2000] [--rounds 3] [--variant 'cache=HTTPCACHE_ENABLED=true']
     .venv/bin/python bench/throughput.py --attachments [--before DIR] [--no-dead-host]
                                                 (pages linking documents: bench/throughput_documents.py)
Prints a Markdown report (see bench/README.md): first, the wall time of `eduwatch crawl` (first crawl and an
unchanged recheck) against bare Scrapy with the same spiders, only the politeness overrides set; then the
database growth per unchanged recheck; then changes found after edits, per-stage CPU and any --variant.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import crawls  # noqa: E402
from crawls import CrawlResult, median, spread  # noqa: E402
from mirror import PER_PAGE, Server, build_sites, edit_pages, write_mirror  # noqa: E402
from stages import stage_costs  # noqa: E402

SPIDER_OF = {"caigou": "caigou", "moe": "moe", "moe_old": "moe", "ccgp": "ccgp", "ceiea": "ceiea"}
EDIT_FRACTION = 0.02


@dataclass
class Round:
    bare: CrawlResult
    first: CrawlResult
    recheck: CrawlResult
    growth: float  # database bytes per page added by the unchanged recheck
    cache_growth: float  # Scrapy HTTP cache directory bytes per page added by it (0 when the cache is off)
    db_first: int


@dataclass
class Series:
    label: str
    settings: list[str]
    root: Path = crawls.ROOT  # the eduwatch checkout that crawls (--before: an older one, for before/after)
    rounds: list[Round] = field(default_factory=list)

    def ratios(self, which: str) -> list[float]:
        return [r.bare.wall_s / getattr(r, which).wall_s for r in self.rounds]


def config_text(base_url: str, sites) -> str:
    lines = []
    for name, site in sites.items():
        lines += ["[[sites]]", f'name = "{name}"', f'start_urls = ["{base_url}/{name}{site.spec.list_path}"]',
                  f'spider = "{SPIDER_OF[name]}"', f"max_list_pages = {len(site.list_paths()) + 5}", ""]
    return "\n".join(lines)


def one_round(series: Series, workdir: Path, n: int, bare: CrawlResult) -> Round:
    """eduwatch's first crawl of a fresh database and an unchanged recheck, against this round's bare crawl."""
    slug = series.label.replace(" ", "-")
    db = workdir / f"{slug}.db"
    for old in workdir.glob(f"{slug}.db*"):
        crawls_rm(old)
    command = crawls.eduwatch_command(workdir, db, series.settings, series.root)
    k = len(series.rounds) + 1
    first = crawls.run(f"{slug}-first-{k}", command, workdir, db, series.root)
    size, cache = crawls.db_bytes(db), crawls.dir_bytes(Path(f"{db.resolve()}-httpcache"))
    recheck = crawls.run(f"{slug}-recheck-{k}", command, workdir, db, series.root)
    return Round(bare, first, recheck, (crawls.db_bytes(db) - size) / n,
                 (crawls.dir_bytes(Path(f"{db.resolve()}-httpcache")) - cache) / n, size)


def crawls_rm(path: Path) -> None:
    if path.is_dir():
        import shutil

        shutil.rmtree(path)
    else:
        path.unlink()


def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import scrapy

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
            f"{platform.system()} {platform.release()}; load average at the start {load:.1f}")


def row(name: str, value: str, target: str = "", verdict: str = "") -> str:
    return f"| {name} | {value} | {target} | {verdict} |"


def ok(flag: bool) -> str:
    return "met" if flag else "MISSED"


def series_rows(series: Series, n: int, main: bool) -> list[str]:
    rs = series.rounds
    first_ratio, recheck_ratio = median(series.ratios("first")), median(series.ratios("recheck"))
    growth = median([r.growth for r in rs])
    cache = median([r.cache_growth for r in rs])
    name = "defaults" if main else f"{series.label} ({' '.join(series.settings) or series.root})"
    target, verdict = ("≥ 0.7×", ok(first_ratio >= 0.7)) if main else ("", "")
    lines = [
        row(f"{name}: bare Scrapy, process wall time", f"{median([r.bare.wall_s for r in rs]):.2f} s "
            f"(runs {spread([r.bare.wall_s for r in rs])}; {rs[0].bare.pages} pages)"),
        row(f"{name}: eduwatch first crawl, process wall time", f"{median([r.first.wall_s for r in rs]):.2f} s "
            f"(runs {spread([r.first.wall_s for r in rs])}; {rs[0].first.pages} pages, "
            f"{int(median([r.first.stats.get('extracted_in_crawl_process', 0) for r in rs]))} extracted in the "
            "crawl process)"),
        row(f"{name}: **eduwatch first crawl ÷ bare Scrapy** (speed, pairwise median)",
            f"**{first_ratio:.2f}×** (rounds {spread(series.ratios('first'))})", target, verdict),
        row(f"{name}: eduwatch unchanged recheck, process wall time",
            f"{median([r.recheck.wall_s for r in rs]):.2f} s (runs {spread([r.recheck.wall_s for r in rs])}; "
            f"{rs[0].recheck.pages} pages, {int(rs[0].recheck.stats.get('not_modified', 0))} answered 304, "
            f"{int(rs[0].recheck.stats.get('extractions_reused', 0))} readings reused)"),
        row(f"{name}: **eduwatch recheck ÷ bare Scrapy**", f"**{recheck_ratio:.2f}×** "
            f"(rounds {spread(series.ratios('recheck'))})", target, ok(recheck_ratio >= 0.7) if main else ""),
        row(f"{name}: DB growth per unchanged recheck", f"{growth:.0f} bytes/page (runs "
            f"{spread([r.growth for r in rs], '{:.0f}')})" + (f"; HTTP cache dir +{cache:.0f} bytes/page" if cache else ""),
            "≤ 200" if main else "", ok(growth <= 200) if main else ""),
        row(f"{name}: CPU (user+sys, with the recording worker) bare / first / recheck",
            " / ".join(f"{median([getattr(r, w).cpu_s for r in rs]) * 1000 / n:.2f}" for w in ("bare", "first", "recheck"))
            + " ms per page"),
        row(f"{name}: peak memory (PSS summed) bare / first / recheck",
            " / ".join(f"{median([getattr(r, w).tree_mb for r in rs]):.0f}" for w in ("bare", "first", "recheck")) + " MB"),
        row(f"{name}: DB after the first crawl", f"{median([r.db_first for r in rs]) / n:.0f} bytes/page"),
    ]
    codes = {r.first.code for r in rs} | {r.recheck.code for r in rs} | {r.bare.code for r in rs}
    if codes != {0}:
        lines.append(row(f"{name}: exit codes", ", ".join(sorted(map(str, codes))), "0", "MISSED"))
    return lines


def run(args) -> int:
    if args.attachments:
        import throughput_documents

        workdir = Path(args.keep or tempfile.mkdtemp(prefix="eduwatch-bench-")).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"Machine: {machine()}\n")
        print("\n".join(throughput_documents.measure(args, workdir, config_text)))
        print(f"\n(work files in {workdir})")
        return 0
    templates = [t.strip() for t in args.templates.split(",") if t.strip()]
    unknown = [t for t in templates if t not in SPIDER_OF]
    if unknown:
        print(f"unknown template(s) {unknown}; choose from {', '.join(SPIDER_OF)}", file=sys.stderr)
        return 2
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="eduwatch-bench-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    sites = build_sites(templates, args.pages)
    heavy = not args.light
    files = write_mirror(sites, workdir / "mirror", heavy)
    n = len(files.article_bytes)
    server = Server(files.root, workdir, sites, args.server)
    all_series = [Series("defaults", [])]
    for spec in args.variant:
        label, _, settings = spec.partition("=")
        all_series.append(Series(f"variant {label}", [s for s in settings.split(",") if s]))
    if args.before:
        all_series.append(Series("before", [], Path(args.before).resolve()))
    try:
        (workdir / "eduwatch.toml").write_text(config_text(server.url, sites), encoding="utf-8")
        for root in {ROOT, *(series.root for series in all_series if series.root)}:
            crawls.compile_checkout(root)
        for k in range(1, args.rounds + 1):  # series alternate round by round: drift hits them all alike
            bare = crawls.run(f"bare-{k}", crawls.bare_command(workdir, []), workdir, None)
            if bare.pages == 0:  # timing crawls that fetched nothing would print meaningless ratios
                print(f"bench: error: bare Scrapy fetched no page from the mirror; see {workdir}/bare-{k}.stderr "
                      f"and {workdir}/error.log", file=sys.stderr)
                return 1
            for series in all_series:
                series.rounds.append(one_round(series, workdir, n, bare))
                print(f"round {k} {series.label}: bare {series.rounds[-1].bare.wall_s:.2f} s, first "
                      f"{series.rounds[-1].first.wall_s:.2f} s, recheck {series.rounds[-1].recheck.wall_s:.2f} s",
                      file=sys.stderr)
        db = workdir / "defaults.db"
        before = crawls.last_run(db)
        n_edits = len(edit_pages(sites, files.root, EDIT_FRACTION, heavy))
        edited = crawls.run("edits", crawls.eduwatch_command(workdir, db, []), workdir, db)
        n_found = crawls.changes_since(db, before)
    finally:
        server.close()
    stage = stage_costs(sites, heavy, args.stage_pages or None)
    sizes = sorted(files.article_bytes)
    lines = [f"## eduwatch crawl vs bare Scrapy: {n} article pages ({', '.join(sites)}), {PER_PAGE} per list page",
             "", f"Machine: {machine()}", "",
             f"Mirror: {'heavy real-like pages (bench/chrome.py)' if heavy else 'the bare demo templates'}, article "
             f"pages {sizes[0] / 1024:.1f} / {sizes[len(sizes) // 2] / 1024:.1f} / {sizes[-1] / 1024:.1f} KB "
             f"(min / median / max), served by {server.version}. Both crawls: "
             f"`{' '.join('-s ' + s for s in crawls.POLITENESS)}`, nothing else changed. "
             f"{args.rounds} rounds; medians, each round's figure in brackets.", "",
             "| measure | value | target | verdict |", "|---|---|---|---|"]
    lines += series_rows(all_series[0], n, main=True)
    lines += [row("edits made (2 %) / changes found", f"{n_edits} / {n_found}", "equal", ok(n_edits == n_found)),
              row("recrawl after edits, process wall time", f"{edited.wall_s:.2f} s (exit {edited.code})")]
    for stage_name, ms in stage.ms_per_page.items():
        lines.append(row(f"CPU {stage_name}, in-process", f"{ms:.2f} ms/page ({stage.pages} pages)"))
    lines.append(row("articles extracted the same with and without the chrome", f"{stage.same_as_light} / {stage.pages}",
                     "all", ok(stage.same_as_light == stage.pages)))
    for series in all_series[1:]:
        lines += series_rows(series, n, main=False)
    print("\n".join(lines))
    print(f"\n(work files in {workdir})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the mirror (default 2000)")
    parser.add_argument("--templates", default="moe,ccgp,caigou", help="site templates, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of bare / first / recheck (default 3)")
    parser.add_argument("--light", action="store_true", help="the bare demo templates, without the real-like chrome")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="the mirror's server (default: nginx when installed)")
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=NAME=VALUE[,NAME=VALUE]",
                        help="also measure eduwatch with these settings, e.g. 'cache=HTTPCACHE_ENABLED=true'")
    parser.add_argument("--before", metavar="DIR", help="also measure the eduwatch checkout in DIR (before/after)")
    parser.add_argument("--stage-pages", type=int, default=600, help="pages to time the stages over (0 = all)")
    parser.add_argument("--attachments", action="store_true",
                        help="measure pages that link documents, against bare Scrapy fetching each document once")
    parser.add_argument("--no-dead-host", action="store_true",
                        help="--attachments without the links to an unresolvable host (when the resolver is slow)")
    parser.add_argument("--keep", metavar="DIR", help="keep the mirror, databases and crawl logs in DIR")
    args = parser.parse_args(argv)
    if args.pages < PER_PAGE:
        parser.error(f"--pages must be at least {PER_PAGE}")
    for spec in args.variant:
        if "=" not in spec.partition("=")[2]:
            parser.error(f"--variant {spec!r}: write LABEL=NAME=VALUE[,NAME=VALUE]")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
