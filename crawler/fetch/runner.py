"""Run one crawl in this process: the configured sites and/or single URLs (the CLI delivers alerts after it).

Scrapy's reactor cannot be restarted, so a process crawls once; repeated crawls (the scheduler,
the demo) start `python -m crawler crawl` as a subprocess per run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.config import Config, ConfigError, SiteConfig
from crawler.fetch.pipelines import FATAL_STAT
from crawler.logsetup import stamp_in_zone
from crawler.track.collector import collector_for_bulk_work
from storage import DatabaseDamaged, DiskFull, FatalStorageError, Store

_FATAL = {cls.__name__: cls for cls in (DiskFull, DatabaseDamaged)}

logger = logging.getLogger(__name__)
ADHOC_SITE = "pages"  # the site name of --url pages that belong to no configured site


@dataclass
class CrawlPlan:
    """One spider run: which spider, for which site, with which arguments."""

    site: str
    spider: str
    kwargs: dict = field(default_factory=dict)


def scrapy_settings(db_path: str, config: Config, overrides: dict[str, str], verbose: bool = False) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.fetch.settings", priority="project")
    settings.set("EDUWATCH_DB", str(db_path), priority="cmdline")
    settings.set("EDUWATCH_STREAM", "", priority="cmdline")  # this process records: never a node's stream
    settings.set("ITEM_PIPELINES", settings.getdict("SNAPSHOT_PIPELINES"), priority="cmdline")
    settings.set("EDUWATCH_CONFIG", str(config.path) if config.path else None, priority="cmdline")
    settings.set("EDUWATCH_CONFIG_OBJECT", config, priority="cmdline")  # the pipeline never re-reads the file
    settings.set("HTTPCACHE_DIR", str(Path(db_path).resolve()) + "-httpcache", priority="cmdline")
    settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")
    settings.set("EDUWATCH_ATTACHMENT_MAX_MB", config.crawl.attachment_max_mb, priority="cmdline")
    settings.set("EDUWATCH_BROWSER", config.crawl.browser or None, priority="cmdline")
    settings.set("EDUWATCH_CLEARANCES", str(Path(db_path).resolve()) + "-clearances.json", priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def plan_crawl(config: Config, store: Store, site_names: list[str], urls: list[str]) -> list[CrawlPlan]:
    """Turn `--site` / `--url` choices into spider runs; no choice at all means every configured site."""
    plans: list[CrawlPlan] = []
    if urls:
        by_site: dict[str, list[str]] = {}
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                raise ConfigError(f"--url {url!r} is not an http(s) URL; give a full address like http://host/path.html")
            site = _site_for_url(config, url)
            by_site.setdefault(site.name if site else ADHOC_SITE, []).append(url)
        plans += [CrawlPlan(name, "generic", {"site": name, "article_urls": list_}) for name, list_ in by_site.items()]
    chosen = [config.site(name) for name in site_names] if site_names else ([] if urls else config.sites)
    if not chosen and not urls:
        where = config.path or "./eduwatch.toml (absent)"
        raise ConfigError(f"no sites to crawl: {where} has no [[sites]]; add one (see eduwatch.example.toml) "
                          "or pass --url URL")
    plans += [_site_plan(site, store, config.crawl.recheck_days) for site in chosen]
    return plans


def _site_for_url(config: Config, url: str) -> SiteConfig | None:
    host = urlsplit(url).netloc
    return next((s for s in config.sites if any(urlsplit(u).netloc == host for u in s.start_urls)), None)


def _site_plan(site: SiteConfig, store: Store, recheck_days: int) -> CrawlPlan:
    """List pages to walk, plus every known article of the site recently seen, to notice edits and removals."""
    cutoff = (datetime.now(UTC) - timedelta(days=recheck_days)).isoformat(timespec="seconds")
    recheck = [p["url"] for p in store.pages(site=site.name)
               if p.get("latest_version") and (recheck_days == 0 or (p.get("first_seen") or "") >= cutoff)]
    kwargs = {"site": site.name, "start_urls": site.start_urls, "follow": site.follow,
              "pagination": site.pagination, "max_list_pages": site.max_list_pages, "recheck_urls": recheck}
    if site.allow_private:  # read by crawler/fetch/address_guard.py, as a spider attribute (also on nodes)
        kwargs["allow_private"] = True
    if site.api is not None:
        kwargs["api"] = site.api.to_json()  # a string, as `scrapy crawl -a` and scrapyd pass it
    if site.render:  # list pages opened in the browser (crawler/fetch/challenge.py)
        kwargs["render"] = True
    if site.render or _met_challenge(store, site.name):  # crawler/fetch/challenge.py starts the browser at once
        kwargs["expect_browser"] = True
    return CrawlPlan(site.name, site.spider, kwargs)


def _met_challenge(store: Store, site: str) -> bool:
    """The site's last finished crawl cleared a JavaScript challenge, so this one will most likely meet it too."""
    last = next((r for r in store.runs(limit=200) if r.get("sites") == [site] and r.get("finished_at")), None)
    return bool(last and (last.get("stats") or {}).get("challenges_cleared"))


def run_crawl(config: Config, db_path: str, plans: list[CrawlPlan], overrides: dict[str, str],
              verbose: bool = False) -> None:
    """Run the planned spiders together in this process until all finish."""
    settings = scrapy_settings(db_path, config, overrides, verbose)
    stamp_in_zone(config.display.timezone)  # Scrapy's stderr lines in Beijing time, as every other time shown
    process = CrawlerProcess(settings)
    loader = SpiderLoader.from_settings(settings)
    crawlers = [process.create_crawler(loader.load(plan.spider)) for plan in plans]
    for crawler, plan in zip(crawlers, plans, strict=True):
        process.crawl(crawler, **plan.kwargs)
    with collector_for_bulk_work():
        process.start()
    for crawler in crawlers:  # a crawl stopped by a full disk or a damaged file: the CLI says so, exit 1
        fatal = crawler.stats.get_value(FATAL_STAT) if crawler.stats else None
        if fatal:
            name, message = fatal
            raise _FATAL.get(name, FatalStorageError)(message)
