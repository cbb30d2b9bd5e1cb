"""CPU cost of each eduwatch stage per page, timed in this process over the mirror's pages."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mirror import EDIT_TAIL, http_charset, page_bytes

from crawler.demo.sites import Site


@dataclass
class StageCost:
    ms_per_page: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    same_as_light: int = 0  # pages whose article is the same with and without chrome


def stage_costs(sites: dict[str, Site], heavy: bool, limit: int | None = None) -> StageCost:
    """process_time of decode, extract, hash, diff and a store loop (one transaction per page) over the pages."""
    from crawler.extract import decode_html, extract
    from crawler.model import Article
    from crawler.track.diff import diff_articles
    from storage import Store

    pages = []
    for name, site in sites.items():
        for path in site.article_paths():
            charset = http_charset(site, path)
            pages.append((f"http://mirror/{name}{path}", page_bytes(name, site, path, heavy), charset,
                          site.render(path).body))
    pages = pages[:limit] if limit else pages
    cost = StageCost(pages=len(pages))

    def timed(stage: str, fn, items):
        started = time.process_time()
        out = [fn(item) for item in items]
        cost.ms_per_page[stage] = 1000 * (time.process_time() - started) / max(1, len(items))
        return out

    timed("decode", lambda p: decode_html(p[1], p[2]), pages)
    articles = timed("extract (incl. decode)", lambda p: extract(p[1], p[0], p[2]), pages)
    cost.same_as_light = sum(a.content_hash() == extract(p[3], p[0], p[2]).content_hash()
                             for a, p in zip(articles, pages, strict=True))
    timed("hash", lambda a: a.content_hash(), articles)
    edited = [Article.from_dict({**a.to_dict(), "body": a.body.replace("。", EDIT_TAIL, 1)}) for a in articles]
    timed("diff (one edit)", lambda pair: diff_articles(*pair), list(zip(articles, edited, strict=True)))
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "stage.db") as store:
        run_id = store.start_run(kind="crawl", sites=["bench"], started_at="2026-01-01T00:00:00+00:00")

        def store_one(item):
            (url, body, _, _), article = item
            with store.transaction():
                store.upsert_page(url, "bench", "2026-01-01T00:00:00+00:00")
                raw = store.put_raw(body)
                store.add_version(url, article=article.to_dict(), content_hash=article.content_hash(),
                                  raw_hash=raw, seen_at="2026-01-01T00:00:00+00:00", run_id=run_id)
                store.log_fetch(run_id, url, at="2026-01-01T00:00:00+00:00", status=200, nbytes=len(body),
                                duration_ms=1, error=None, raw_hash=raw, outcome="baseline")

        timed("store (page+raw+version+fetch log, a transaction each)", store_one,
              list(zip(pages, articles, strict=True)))
    return cost
