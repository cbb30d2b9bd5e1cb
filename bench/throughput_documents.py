"""bench/throughput.py --attachments: the crawl of pages that link documents, measured like for like.

Bare Scrapy fetches the same pages and each linked document once (bench/bare_crawl.py --documents);
eduwatch crawls a fresh database, then rechecks it unchanged. Reported: wall time against bare, requests
against bare (counted by the mirror server), and the database growth of the unchanged recheck with
failing documents (404, and a host that cannot be resolved) on some of the pages.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import crawls
from crawls import CrawlResult, median, spread
from documents import DEAD_HOST, link_documents
from mirror import Server, build_sites, write_mirror


@dataclass
class DocRound:
    bare: CrawlResult
    first: CrawlResult
    recheck: CrawlResult
    bare_requests: int
    first_requests: int
    recheck_requests: int
    growth: float  # database bytes per page added by the unchanged recheck
    before: CrawlResult | None = None  # --before DIR: that checkout's first crawl, in the same round


def measure(args, workdir: Path, config_text) -> list[str]:
    """Build the mirror with documents, run the rounds, return the report's lines."""
    templates = [t.strip() for t in args.templates.split(",") if t.strip()]
    sites = build_sites(templates, args.pages)
    files = write_mirror(sites, workdir / "mirror", not args.light)
    counts = link_documents(sites, files.root, dead_host=not args.no_dead_host)
    n = len(files.article_bytes)
    server = Server(files.root, workdir, sites, args.server, log_requests=True)
    rounds: list[DocRound] = []
    try:
        (workdir / "eduwatch.toml").write_text(config_text(server.url, sites), encoding="utf-8")
        crawls.compile_checkout()
        before = Path(args.before).resolve() if args.before else None
        if before:
            crawls.compile_checkout(before)
        for k in range(1, args.rounds + 1):
            rounds.append(_round(k, workdir, server, n, before))
            r = rounds[-1]
            print(f"round {k} documents: bare {r.bare.wall_s:.2f} s ({r.bare_requests} requests), first "
                  f"{r.first.wall_s:.2f} s ({r.first_requests}), recheck {r.recheck.wall_s:.2f} s, "
                  f"+{r.growth:.0f} B/page" + (f", before's first {r.before.wall_s:.2f} s" if r.before else ""),
                  file=sys.stderr)
    finally:
        server.close()
    return _report(rounds, n, counts, server.version, not args.no_dead_host)


def _round(k: int, workdir: Path, server: Server, n: int, before_root: Path | None = None) -> DocRound:
    """Bare Scrapy, eduwatch's first crawl and unchanged recheck (and --before's first crawl), in that order."""
    db = workdir / "documents.db"
    for old in workdir.glob("documents*.db*"):
        old.unlink()
    old_first = None
    if before_root:
        old_db = workdir / "documents-before.db"
        old_first = crawls.run(f"docs-before-first-{k}", crawls.eduwatch_command(workdir, old_db, [], before_root),
                               workdir, old_db, before_root)
    before = server.requests()
    bare = crawls.run(f"docs-bare-{k}", [*crawls.bare_command(workdir, []), "--documents"], workdir, None)
    after_bare = server.requests()
    command = crawls.eduwatch_command(workdir, db, [])
    first = crawls.run(f"docs-first-{k}", command, workdir, db)
    after_first, size = server.requests(), crawls.db_bytes(db)
    recheck = crawls.run(f"docs-recheck-{k}", command, workdir, db)
    return DocRound(bare, first, recheck, after_bare - before, after_first - after_bare,
                    server.requests() - after_first, (crawls.db_bytes(db) - size) / n, old_first)


def _report(rounds: list[DocRound], n: int, counts: dict, server: str, dead_host: bool = True) -> list[str]:
    speed = [r.bare.wall_s / r.first.wall_s for r in rounds]
    asked = [r.first_requests / r.bare_requests for r in rounds if r.bare_requests]
    growth = [r.growth for r in rounds]
    ok = lambda flag: "met" if flag else "MISSED"  # noqa: E731
    row = lambda *cells: "| " + " | ".join(cells) + " |"  # noqa: E731
    # bare Scrapy is one process: waiting (for the resolver, see bench/README.md) shows as wall time past its CPU
    waited = max(r.bare.wall_s - r.bare.cpu_s for r in rounds)
    lines = [f"## Pages with documents, like for like: {n} article pages, {counts['links']} document links to "
             f"{counts['urls']} URLs (a 下载中心 sidebar of shared forms on every page; own files, 404s"
             f"{' and an unresolvable host' if dead_host else ' (--no-dead-host)'} on some), served by {server}", "",
             *([f"**Bare Scrapy waited up to {waited:.1f} s beyond its CPU time**: a resolver slow to fail "
                f"{DEAD_HOST} (bare Scrapy looks it up for each try of each of that host's documents, eduwatch "
                "once), so these wall times measure the resolver. Measure again, or with --no-dead-host.", ""]
               if dead_host and waited > 3 else []),
             "| measure | value | target | verdict |", "|---|---|---|---|",
             row("bare Scrapy, each linked document once: process wall time",
                 f"{median([r.bare.wall_s for r in rounds]):.2f} s (runs {spread([r.bare.wall_s for r in rounds])}; "
                 f"{median([r.bare_requests for r in rounds]):.0f} requests)", "", ""),
             row("eduwatch first crawl: process wall time",
                 f"{median([r.first.wall_s for r in rounds]):.2f} s (runs {spread([r.first.wall_s for r in rounds])}; "
                 f"{median([r.first_requests for r in rounds]):.0f} requests)", "", ""),
             row("**eduwatch first crawl ÷ bare Scrapy** (speed, pairwise median)",
                 f"**{median(speed):.2f}×** (rounds {spread(speed)})", "≥ 0.85×", ok(median(speed) >= 0.85)),
             *([row("--before checkout's first crawl ÷ bare Scrapy (same rounds)",
                    f"{median(olds):.2f}× (rounds {spread(olds)}; {median([r.before.wall_s for r in rounds if r.before]):.2f} s)",
                    "", "")] if (olds := [r.bare.wall_s / r.before.wall_s for r in rounds if r.before]) else []),
             row("**eduwatch requests ÷ bare Scrapy's**", f"**{median(asked):.3f}×** (rounds {spread(asked, '{:.3f}')})",
                 "≤ 1.05×", ok(bool(asked) and median(asked) <= 1.05)),
             row("eduwatch unchanged recheck: process wall time",
                 f"{median([r.recheck.wall_s for r in rounds]):.2f} s "
                 f"({median([r.recheck_requests for r in rounds]):.0f} requests)", "", ""),
             row("CPU (user+sys, with the recording worker) bare / first / recheck",
                 " / ".join(f"{median([getattr(r, w).cpu_s for r in rounds]):.1f}" for w in ("bare", "first", "recheck"))
                 + (f"; --before's first {median([r.before.cpu_s for r in rounds if r.before]):.1f}"
                    if rounds[0].before else "") + " s (on a busy machine the wall-time ratio follows the CPU ratio)",
                 "", ""),
             row("DB growth per unchanged recheck, failing documents on the pages",
                 f"{median(growth):.0f} bytes/page (runs {spread(growth, '{:.0f}')})", "≤ 200", ok(median(growth) <= 200))]
    codes = {r.first.code for r in rounds} | {r.recheck.code for r in rounds} | {r.bare.code for r in rounds}
    if codes != {0}:
        lines.append(row("exit codes", ", ".join(sorted(map(str, codes))), "0", "MISSED"))
    return lines
