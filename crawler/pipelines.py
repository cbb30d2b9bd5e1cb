"""The one item pipeline: FetchedPage → Article → version/change/outbox rows, one transaction per page."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.config import Config, ConfigError, SiteConfig, load_config
from crawler.corrections import link_correction
from crawler.detect import Verdict, decide, read_signal
from crawler.diff import diff_articles, render_article_html, render_article_text
from crawler.extract import extract
from crawler.items import Article, FetchedPage
from crawler.keywords import match_keywords
from storage import Store

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunCounts:
    """What one crawl run did, for the progress line and the closing summary."""

    pages: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.pages += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class SnapshotPipeline:
    """Extract each fetched page and record what it means, atomically."""

    def __init__(self, db_path: str, config: Config, site_name: str):
        self.db_path = db_path
        self.config = config
        self.site_name = site_name
        self.site_config: SiteConfig | None = next((s for s in config.sites if s.name == site_name), None)
        self.counts = RunCounts()
        self.store: Store | None = None
        self.run_id: int | None = None
        self.baselined = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        db_path = settings.get("EDUWATCH_DB")
        if not db_path:
            raise NotConfigured("EDUWATCH_DB is empty: no snapshot database to write to")
        try:
            config = load_config(settings.get("EDUWATCH_CONFIG"))
        except ConfigError as exc:
            logger.error("%s", exc)
            config = Config(path=None)
        site = getattr(crawler.spidercls, "name", "generic")
        pipeline = cls(db_path, config, site)
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        spider = self.crawler.spider
        self.site_name = getattr(spider, "site", self.site_name)
        self.site_config = next((s for s in self.config.sites if s.name == self.site_name), None)
        self.store = Store(self.db_path)
        self._close_abandoned_runs()
        self.run_id = self.store.start_run(kind="crawl", sites=[self.site_name], started_at=_now())
        site_row = self.store.site(self.site_name)
        self.baselined = bool(site_row and site_row.get("baseline_run"))
        self.crawler.stats.set_value("eduwatch/run_id", self.run_id)

    def _close_abandoned_runs(self) -> None:
        """A crawl killed outright (kill -9, power loss) never closes its run: close this site's old ones as failed."""
        timeout = self.site_config.timeout if self.site_config else 1800.0
        cutoff = (datetime.now(UTC) - timedelta(seconds=2 * timeout)).isoformat(timespec="seconds")
        for run in self.store.runs(limit=100):
            if run.get("finished_at") is None and run.get("sites") == [self.site_name] \
                    and (run.get("started_at") or "") < cutoff:
                self.store.finish_run(run["id"], finished_at=_now(), status="failed",
                                      stats={**(run.get("stats") or {}), "finish_reason": "abandoned"})

    def spider_closed(self, spider, reason: str):
        """Close the run once Scrapy knows why it ended (pipelines close before the reason is recorded)."""
        if self.store is None:
            return
        stats = self.crawler.stats
        at = _now()
        status = "ok" if reason == "finished" else "interrupted"
        if status == "ok" and not self.baselined:
            self.store.mark_baselined(self.site_name, self.run_id, at)
        if status == "ok":
            self._record_health(stats, at)
        summary = {"pages": self.counts.pages, **self.counts.outcomes, "finish_reason": reason,
                   "list_pages": stats.get_value("eduwatch/list_pages", 0),
                   "list_links": stats.get_value("eduwatch/list_links", 0),
                   "list_errors": stats.get_value("eduwatch/list_errors", 0)}
        self.store.finish_run(self.run_id, finished_at=at, status=status, stats=summary)
        self.store.close()
        self.store = None

    def _record_health(self, stats, at: str) -> None:
        """A site whose lists fail or suddenly yield nothing is broken, even when no page errors."""
        if self.site_config is None or not self.site_config.follow and self.site_config.spider == "generic":
            return
        links = stats.get_value("eduwatch/list_links", 0)
        list_errors = stats.get_value("eduwatch/list_errors", 0)
        ok = links > 0 and list_errors == 0
        before = self.store.site(self.site_name) or {}
        row = self.store.record_site_health(self.site_name, ok, links, at)
        threshold = self.config.crawl.health_failures
        if not ok and row.get("consecutive_failures") == threshold:
            problem = (f"{self.site_name}: {threshold} crawls in a row found no articles on the list pages "
                       f"({list_errors} list-page errors); the site may be down or its layout changed")
        elif links == 0 and (before.get("last_article_count") or 0) > 0 and list_errors == 0:
            problem = (f"{self.site_name}: the list pages yielded no articles (last crawl: "
                       f"{before.get('last_article_count')}); the layout may have changed")
        else:
            return
        logger.warning("%s", problem)
        with self.store.transaction():
            change_id = self.store.add_change(
                url=self.site_config.start_urls[0], site=self.site_name, kind="health", detected_at=at,
                title=f"站点异常：{self.site_config.label or self.site_name}", version=None, previous_version=None,
                diff_text=problem, diff_html=None, summary=problem, run_id=self.run_id)
            for recipient in self.site_config.recipients:
                self.store.enqueue_alert(change_id, recipient, self.run_id)

    # --- per page ---------------------------------------------------------------------------
    def process_item(self, item):
        if not isinstance(item, FetchedPage):
            return item
        article = extract(item.body, item.final_url or item.url, item.http_charset) if item.body else None
        verdict = self._record(item, article)
        self.counts.add(verdict.outcome)
        if verdict.outcome in ("error", "flagged", "missing"):
            self.crawler.stats.inc_value("eduwatch/page_errors")
            logger.warning("%s: %s (%s)", item.url, verdict.outcome, verdict.reason)
        return item

    def _record(self, page: FetchedPage, article: Article | None) -> Verdict:
        store = self.store
        at = page.fetched_at or _now()
        with store.transaction():
            row = store.upsert_page(page.url, page.site, at)
            latest = store.latest_version(page.url)
            previous = Article.from_dict(latest["article"]) if latest else None
            verdict = decide(
                signal=read_signal(page, article), state=row.get("state"), miss_count=row.get("miss_count") or 0,
                latest_hash=latest["content_hash"] if latest else None,
                latest_body_len=len(previous.body) if previous else 0, article=article,
                found_on_list=page.list_url is not None, baselined=self.baselined,
                confirmations=self.config.crawl.removal_confirmations)
            raw_hash = (store.put_raw(page.body, http_charset=page.http_charset, at=at)
                        if verdict.store_version else None)
            version = None
            if verdict.store_version:
                version = store.add_version(page.url, article=article.to_dict(), content_hash=article.content_hash(),
                                            raw_hash=raw_hash, seen_at=at, run_id=self.run_id)
            elif verdict.outcome in ("unchanged", "restored") and latest:
                store.touch_version(page.url, at)
            if verdict.change:
                self._add_change(page, verdict, article, previous, latest, version, at)
            store.set_page_state(page.url, verdict.state, at=at, miss_count=verdict.miss_count,
                                 last_status=page.status, last_error=verdict.reason)
            store.log_fetch(self.run_id, page.url, at=at, status=page.status, nbytes=len(page.body),
                            duration_ms=page.duration_ms, error=verdict.reason, raw_hash=raw_hash,
                            outcome=verdict.outcome)
        return verdict

    def _add_change(self, page, verdict, article, previous, latest, version, at) -> None:
        """Record the change and, in the same transaction, queue it for each interested recipient."""
        current = article if article is not None else previous
        details: dict = {}
        related_url = None
        if verdict.change == "changed" or (verdict.change == "restored" and version):
            labels = {"old_label": f"v{latest['version']}", "new_label": f"v{version}"} if version else {}
            diff = diff_articles(previous, article, **labels)
            diff_text, diff_html, summary = (diff.text, diff.html, diff.summary) if diff else (None, None, "")
        elif verdict.change == "new":
            diff_text, diff_html, summary = render_article_text(article), render_article_html(article), "新文章"
        elif verdict.change == "removed":
            diff_text, diff_html, summary = f"页面已删除：{verdict.reason}", None, "已删除"
        else:
            diff_text, diff_html, summary = "页面已恢复，内容未变", None, "已恢复"
        if article is not None and verdict.change in ("new", "changed"):
            link = link_correction(article, self.store.find_versions_by_field(
                "项目编号", article.fields.get("项目编号", ""), exclude_url=page.url) if article.fields.get("项目编号") else [])
            if link:
                related_url = link.original_url
                details["corrects"] = link.to_dict()
                diff_text = f"{link.text}\n{diff_text or ''}".rstrip()
                summary = f"更正公告：{summary}"
        recipients = self._recipients(current.to_dict(), details)
        change_id = self.store.add_change(
            url=page.url, site=page.site, kind=verdict.change, detected_at=at, title=current.title,
            version=version or (latest["version"] if latest else None),
            previous_version=latest["version"] if latest and version else None,
            diff_text=diff_text, diff_html=diff_html, summary=summary, run_id=self.run_id,
            details=details or None, related_url=related_url)
        for recipient, matched in recipients:
            self.store.enqueue_alert(change_id, recipient, self.run_id, matched_keywords=matched)

    def _recipients(self, article: dict, details: dict) -> list[tuple[str, list[str]]]:
        site = self.site_config
        if site is None or not site.recipients:
            return []
        match = match_keywords(article, site.keywords, site.exclude_keywords)
        if not match.wanted:
            return []
        if match.matched:
            details["matched_keywords"] = match.matched
        return [(recipient, match.matched) for recipient in site.recipients]
