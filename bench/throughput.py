"""Measure eduwatch's crawl throughput, per-stage CPU cost, DB growth and memory against a local mirror.

Run: .venv/bin/python bench/throughput.py [--pages 2000] [--templates moe,ccgp,caigou] [--keep DIR]
Prints a Markdown table (see bench/README.md). The mirror is the demo fixture generator served by the
demo SiteServer in its own process (so it does not share the GIL with the crawl); `--serve` is that
process's entry point and is not meant to be called by hand.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo.sites import Site, build_site  # noqa: E402
from tests.procs import descendants  # noqa: E402

log = logging.getLogger(__name__)
SPIDER_OF = {"caigou": "caigou", "moe": "moe", "moe_old": "moe", "ccgp": "ccgp", "ceiea": "ceiea"}
SEED = 7
PER_PAGE = 20
EDIT_FRACTION = 0.02
SPEED = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
         "-s", "HTTPCACHE_ENABLED=false", "-s", "EDUWATCH_PROGRESS_INTERVAL=0", "-s", "LOG_LEVEL=INFO"]
EDIT_TAIL = "（基准测试修订：经费调整为三百万元。）"


class BenchError(RuntimeError):
    """A benchmark step failed (server did not start, crawl crashed); the message says which."""


# --- the mirror ------------------------------------------------------------------------------------------------
def build_mirror(templates: list[str], pages: int) -> dict[str, Site]:
    """`pages` articles split evenly over the templates, 20 per list page, deterministic."""
    share, extra = divmod(pages, len(templates))
    return {name: build_site(name, share + (1 if k < extra else 0), SEED, per_page=PER_PAGE)
            for k, name in enumerate(templates)}


def edit_pages(sites: dict[str, Site], fraction: float) -> list[str]:
    """Edit one sentence in every 1/fraction-th article of each site; the server paths edited."""
    step = max(1, round(1 / fraction))
    edited = []
    for name, site in sites.items():
        for path in site.article_paths()[::step]:
            article = site.article(path)
            if article.kind == "members_only" or not article.paragraphs:
                continue
            sentence = article.paragraphs[0].split("。")[0]
            site.edit_sentence(path, sentence, sentence + EDIT_TAIL)
            edited.append(f"/{name}{path}")
    return edited


def serve(templates: list[str], pages: int) -> int:
    """Server process: print the base URL, then obey stdin lines `edit` (prints edited paths as JSON) and `quit`."""
    from crawler.demo import server as demo_server

    # The mirror stands in for remote sites, whose CPU is not the crawler's: on a small machine it should
    # not take a core's share from the crawl and its recording worker (bare and eduwatch crawls alike).
    if hasattr(os, "nice"):
        os.nice(10)
    sites = build_mirror(templates, pages)
    with demo_server.SiteServer(sites, cache=True) as server:  # each page rendered and gzipped once
        print(server.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "edit":
                edited = edit_pages(sites, EDIT_FRACTION)
                server.forget_cache()
                print(json.dumps(edited), flush=True)
            elif line.strip() == "quit":
                break
    return 0


class MirrorProcess:
    """The mirror server in a child process, controlled over its stdin/stdout."""

    def __init__(self, templates: list[str], pages: int):
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", "--pages", str(pages),
             "--templates", ",".join(templates)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise BenchError(f"the mirror server did not start (said {self.url!r})")

    def edit(self) -> list[str]:
        self.proc.stdin.write("edit\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


# --- crawls ----------------------------------------------------------------------------------------------------
@dataclass
class CrawlResult:
    label: str
    code: int
    wall_s: float
    spider_s: float  # the longest spider's open→close time (Scrapy's elapsed_time_seconds)
    articles: int  # article pages handed to the pipeline (item_scraped_count, all spiders)
    responses: int
    peak_rss_mb: float  # the crawl process alone (wait4)
    tree_rss_mb: float  # the crawl process plus its recording worker: summed PSS, sampled
    cpu_s: float  # user + sys of the crawl process and the children it reaped (the recording worker)
    stderr_tail: str = ""
    rounds: list[float] = field(default_factory=list)  # pages/s of each round, when this is a median

    @property
    def pages_per_s(self) -> float:
        return self.articles / self.spider_s if self.spider_s else 0.0


def config_text(base_url: str, sites: dict[str, Site]) -> str:
    lines = []
    for name, site in sites.items():
        lines += ["[[sites]]", f'name = "{name}"', f'start_urls = ["{base_url}/{name}{site.spec.list_path}"]',
                  f'spider = "{SPIDER_OF[name]}"', f"max_list_pages = {len(site.list_paths()) + 5}", ""]
    return "\n".join(lines)


EXTRA_SETTINGS: list[str] = []  # --set NAME=VALUE, applied to every crawl (bare and eduwatch alike)


def run_crawl(label: str, workdir: Path, extra: list[str]) -> CrawlResult:
    """`python -m crawler crawl` in a child; wait4 gives this child's own peak RSS."""
    err_path = workdir / f"{label}.stderr"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EDUWATCH_DB", None)
    started = time.monotonic()
    with open(err_path, "wb") as err, open(workdir / f"{label}.stdout", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--config", str(workdir / "eduwatch.toml"),
                                 "--db", str(workdir / "eduwatch.db"), *SPEED, *EXTRA_SETTINGS, *extra],
                                cwd=ROOT, env=env, stdout=out, stderr=err)
        sampler = TreeRss(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    text = err_path.read_text("utf-8", "replace")
    elapsed = [float(x) for x in re.findall(r"'elapsed_time_seconds': ([\d.]+)", text)]
    scraped = sum(int(x) for x in re.findall(r"'item_scraped_count': (\d+)", text))
    responses = sum(int(x) for x in re.findall(r"'downloader/response_count': (\d+)", text))
    return CrawlResult(label, proc.returncode, wall, max(elapsed, default=0.0), scraped, responses,
                       usage.ru_maxrss / 1024, sampler.peak_mb, usage.ru_utime + usage.ru_stime,
                       "\n".join(text.splitlines()[-5:]))


class TreeRss:
    """Samples the memory of a process and all its descendants every 50 ms (Linux /proc); keeps the peak.

    The recording worker is a child of the crawl that wait4 on the crawl does not count. Each process
    counts its proportional set size (PSS: pages shared between processes split among them), so the
    sum is what the tree really holds; where PSS is not readable, RSS (which errs high)."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb = pid, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.05):
            self.peak_mb = max(self.peak_mb, sum(_memory_kb(p) for p in [self.pid, *descendants(self.pid)]) / 1024)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _memory_kb(pid: int) -> int:
    for path, field_name in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as f:
                return next(int(line.split()[1]) for line in f if line.startswith(field_name))
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    return 0


def raw_server_rate(urls: list[str], concurrency: int = 16) -> float:
    """Pages/s a threaded keep-alive client (16 threads, gzip like Scrapy) gets: what the server does at least."""
    local = threading.local()

    def fetch(url: str) -> int:
        parts = urlsplit(url)
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(parts.netloc, timeout=30)
        local.conn.request("GET", parts.path, headers={"Accept-Encoding": "gzip"})
        return len(local.conn.getresponse().read())

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(fetch, urls))
    return len(urls) / (time.monotonic() - started)


def median_run(results: list[CrawlResult]) -> CrawlResult:
    """The run with the median pages/s (the middle one of an odd count), carrying every round's rate."""
    ranked = sorted(results, key=lambda r: r.pages_per_s)
    middle = ranked[(len(ranked) - 1) // 2]
    middle.rounds = [r.pages_per_s for r in results]
    return middle


def db_bytes(path: Path) -> int:
    """File size after folding the WAL back in (what the database really occupies)."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def changes_found(db: Path, since_run: int) -> int:
    from storage import Store

    with Store(db) as store:
        return sum(1 for c in store.changes(kind="changed", limit=None) if (c.get("run_id") or 0) > since_run)


def last_run_id(db: Path) -> int:
    from storage import Store

    with Store(db) as store:
        runs = store.runs(limit=1)
    return runs[0]["id"] if runs else 0


# --- per-stage CPU -----------------------------------------------------------------------------------------------
@dataclass
class StageCost:
    ms_per_page: dict[str, float] = field(default_factory=dict)
    pages: int = 0


def stage_costs(sites: dict[str, Site], limit: int | None = None) -> StageCost:
    """CPU time (process_time) of each eduwatch stage over the generated article pages, in this process."""
    from crawler.extract import decode_html, extract
    from crawler.model import Article
    from crawler.track.diff import diff_articles
    from storage import Store

    pages = []
    for name, site in sites.items():
        for path in site.article_paths():
            page = site.render(path)
            charset = re.search(r"charset=([\w-]+)", page.headers.get("Content-Type", ""))
            pages.append((f"http://mirror/{name}{path}", page.body, charset.group(1) if charset else None))
    pages = pages[:limit] if limit else pages
    cost = StageCost(pages=len(pages))

    def timed(stage: str, fn, items):
        started = time.process_time()
        out = [fn(item) for item in items]
        cost.ms_per_page[stage] = 1000 * (time.process_time() - started) / max(1, len(items))
        return out

    timed("decode", lambda p: decode_html(p[1], p[2]), pages)
    articles = timed("extract (incl. decode)", lambda p: extract(p[1], p[0], p[2]), pages)
    timed("hash", lambda a: a.content_hash(), articles)
    edited = [Article.from_dict({**a.to_dict(), "body": a.body.replace("。", EDIT_TAIL, 1)}) for a in articles]
    timed("diff (one edit)", lambda pair: diff_articles(*pair), list(zip(articles, edited, strict=True)))
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "stage.db") as store:
        run_id = store.start_run(kind="crawl", sites=["bench"], started_at="2026-01-01T00:00:00+00:00")

        def store_one(item):
            (url, body, _), article = item
            with store.transaction():
                store.upsert_page(url, "bench", "2026-01-01T00:00:00+00:00")
                raw = store.put_raw(body)
                store.add_version(url, article=article.to_dict(), content_hash=article.content_hash(),
                                  raw_hash=raw, seen_at="2026-01-01T00:00:00+00:00", run_id=run_id)
                store.log_fetch(run_id, url, at="2026-01-01T00:00:00+00:00", status=200, nbytes=len(body),
                                duration_ms=1, error=None, raw_hash=raw, outcome="baseline")

        timed("store (page+raw+version+fetch log)", store_one, list(zip(pages, articles, strict=True)))
    return cost


# --- report ------------------------------------------------------------------------------------------------------
def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import scrapy

    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
            f"{platform.system()} {platform.release()}")


def _rates(result: CrawlResult) -> str:
    return " / ".join(f"{rate:.0f}" for rate in result.rounds) or "1"


def row(name: str, value: str, target: str = "", verdict: str = "") -> str:
    return f"| {name} | {value} | {target} | {verdict} |"


def ok(flag: bool) -> str:
    return "met" if flag else "MISSED"


def report(args, sites, server_rate, bare, full, unchanged, edited, stage, sizes, n_edits, n_found) -> str:
    n = sum(len(s.article_paths()) for s in sites.values())
    ratio = full.pages_per_s / bare.pages_per_s if bare.pages_per_s else 0.0
    per_check = (sizes["recheck"] - sizes["first"]) / n
    lines = [f"## eduwatch throughput: {n} article pages ({', '.join(sites)}), {PER_PAGE} per list page",
             "", f"Machine: {machine()}", "",
             "| measure | value | target | verdict |", "|---|---|---|---|",
             row("mirror server, threaded Python keep-alive client (16 threads)", f"{server_rate:.0f} pages/s", "client-bound, not a ceiling"),
             row("bare Scrapy crawl (no pipeline), median", f"{bare.pages_per_s:.0f} pages/s ({bare.articles} articles "
                 f"in {bare.spider_s:.1f} s; rounds {_rates(bare)})"),
             row("eduwatch full crawl (first, baseline), median", f"{full.pages_per_s:.0f} pages/s ({full.articles} "
                 f"articles in {full.spider_s:.1f} s; process {full.wall_s:.1f} s; rounds {_rates(full)})"),
             row("eduwatch / bare (medians)", f"{ratio:.2f}×", "≥ 0.7×", ok(ratio >= 0.7)),
             row("eduwatch unchanged recheck", f"{unchanged.pages_per_s:.0f} pages/s ({unchanged.articles} articles)"),
             row("CPU of the whole crawl (user+sys, crawl process + recording worker, start-up included), "
                 "bare / eduwatch first / recheck", " / ".join(f"{r.cpu_s:.1f} s = {1000 * r.cpu_s / max(1, r.articles):.2f} ms"
                                                             for r in (bare, full, unchanged)) + " per page"),
             ]
    for stage_name, ms in stage.ms_per_page.items():
        lines.append(row(f"CPU {stage_name}", f"{ms:.2f} ms/page ({stage.pages} pages)"))
    lines += [
        row("edits made (2 %) / changes found", f"{n_edits} / {n_found}", "equal", ok(n_edits == n_found)),
        row("DB after first crawl", f"{sizes['first'] / n:.0f} bytes/page ({sizes['first'] / 1e6:.1f} MB)"),
        row("DB growth per unchanged recheck", f"{per_check:.0f} bytes/page", "≤ 200", ok(per_check <= 200)),
        row("peak memory, first crawl (crawl process + recording worker, PSS summed)",
            f"{full.tree_rss_mb:.0f} MB (peak RSS of the crawl process alone: {full.peak_rss_mb:.0f} MB)", "≤ 300 MB at 20,000",
            ok(full.tree_rss_mb <= 300)),
        row("peak memory, recrawl with edits (same)", f"{edited.tree_rss_mb:.0f} MB"),
        row("peak memory, bare Scrapy crawl (same)", f"{bare.tree_rss_mb:.0f} MB"),
        row("exit codes bare / first / recheck / edits", f"{bare.code} / {full.code} / {unchanged.code} / {edited.code}",
            "bare 1 (no runs recorded), others 0"),
    ]
    return "\n".join(lines)


def run(args) -> int:
    templates = [t.strip() for t in args.templates.split(",") if t.strip()]
    unknown = [t for t in templates if t not in SPIDER_OF]
    if unknown:
        print(f"unknown template(s) {unknown}; choose from {', '.join(SPIDER_OF)}", file=sys.stderr)
        return 2
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="eduwatch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sites = build_mirror(templates, args.pages)
    mirror = MirrorProcess(templates, args.pages)
    try:
        (workdir / "eduwatch.toml").write_text(config_text(mirror.url, sites), encoding="utf-8")
        urls = [f"{mirror.url}/{name}{p}" for name, s in sites.items() for p in s.article_paths()]
        server_rate = raw_server_rate(urls[: min(len(urls), 2000)])
        bares, firsts = [], []
        db = workdir / "eduwatch.db"
        for round_no in range(1, args.rounds + 1):  # alternate, so drift in the machine hits both alike
            for old in [*workdir.glob("eduwatch.db*"), *workdir.glob("bare.db*")]:
                old.unlink()
            bares.append(run_crawl(f"bare-{round_no}", workdir, ["-s", "ITEM_PIPELINES={}",
                                                                  "--db", str(workdir / "bare.db")]))
            firsts.append(run_crawl(f"first-{round_no}", workdir, []))
        bare, full = median_run(bares), median_run(firsts)
        sizes = {"first": db_bytes(db)}
        unchanged = run_crawl("recheck", workdir, [])
        sizes["recheck"] = db_bytes(db)
        before = last_run_id(db)
        n_edits = len(mirror.edit())
        edited = run_crawl("edits", workdir, [])
        n_found = changes_found(db, before)
    finally:
        mirror.close()
    stage = stage_costs(sites, args.stage_pages)
    for result in (full, unchanged, edited):
        if result.code != 0:
            print(f"crawl {result.label} exited {result.code}:\n{result.stderr_tail}", file=sys.stderr)
    print(report(args, sites, server_rate, bare, full, unchanged, edited, stage, sizes, n_edits, n_found))
    print(f"\n(work files in {workdir})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="eduwatch crawl throughput benchmark against a local mirror")
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the mirror (default 2000)")
    parser.add_argument("--templates", default="moe,ccgp,caigou", help="site templates, comma-separated")
    parser.add_argument("--keep", metavar="DIR", help="keep the database, config and crawl logs in DIR")
    parser.add_argument("--stage-pages", type=int, default=2000,
                        help="pages to time the in-process stages over (default 2000; 0 = all)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare and first crawls to alternate; the medians are reported (default 3)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra Scrapy setting for every crawl, e.g. --set CONCURRENT_ITEMS=4")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for item in args.set:
        if "=" not in item:
            parser.error(f"--set {item!r}: write NAME=VALUE")
        EXTRA_SETTINGS.extend(["-s", item])
    if args.pages < PER_PAGE:
        parser.error(f"--pages must be at least {PER_PAGE}")
    if args.serve:
        return serve(args.templates.split(","), args.pages)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
