"""Record one fetched page: extract it, decide what the fetch means, write it all or nothing.

The pipeline hands pages here, either in its own process or through `crawler.record_worker` in a
second one; both paths run this same code against the same database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.config import Config
from crawler.corrections import link_correction
from crawler.detect import decide, read_signal
from crawler.diff import diff_articles, render_article_html, render_article_text
from crawler.extract import extract
from crawler.items import Article, FetchedPage
from crawler.keywords import match_keywords
from storage import Store


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunContext:
    """What every page of one crawl run shares: where to write, which run, which site's rules."""

    db_path: str
    config: Config
    site_name: str
    run_id: int
    baselined: bool  # the site has a finished baseline run, so list-found pages are "new"


@dataclass(frozen=True)
class Recorded:
    """What recording one page came to, for the run's counts and the log."""

    outcome: str  # baseline|new|changed|unchanged|error|missing|removed|restored|flagged
    reason: str | None = None


class PageRecorder:
    """FetchedPage → Article → page/version/change/outbox/fetch-log rows, atomically (its own transaction,
    or a part of the worker's batch transaction).

    Two steps, so a batch can extract every page before it takes the write lock: `extract_page` (pure,
    the costly part) and `write` (the rows)."""

    def __init__(self, context: RunContext, store: Store):
        self.context = context
        self.store = store  # the caller's connection: one per process, shared by the runs it records
        self.site_config = next((s for s in context.config.sites if s.name == context.site_name), None)

    def record(self, page: FetchedPage) -> Recorded:
        return self.write(page, self.extract_page(page))

    @staticmethod
    def extract_page(page: FetchedPage) -> Article | None:
        """The page's article; None when the fetch brought no bytes (an error: there is nothing to read)."""
        return extract(page.body, page.final_url or page.url, page.http_charset) if page.body else None

    def write(self, page: FetchedPage, article: Article | None) -> Recorded:
        """Decide what the fetch means against the stored state and write every row of it, or none."""
        store = self.store
        at = page.fetched_at or now_iso()
        with store.transaction():
            row = store.upsert_page(page.url, page.site, at)
            latest = store.latest_version(page.url)
            previous = Article.from_dict(latest["article"]) if latest else None
            verdict = decide(
                signal=read_signal(page, article), state=row.get("state"), miss_count=row.get("miss_count") or 0,
                latest_hash=latest["content_hash"] if latest else None,
                latest_body_len=len(previous.body) if previous else 0, article=article,
                found_on_list=page.list_url is not None, baselined=self.context.baselined,
                confirmations=self.context.config.crawl.removal_confirmations)
            raw_hash = (store.put_raw(page.body, http_charset=page.http_charset, at=at)
                        if verdict.store_version else None)
            version = None
            if verdict.store_version:
                version = store.add_version(page.url, article=article.to_dict(), content_hash=article.content_hash(),
                                            raw_hash=raw_hash, seen_at=at, run_id=self.context.run_id)
            elif verdict.outcome in ("unchanged", "restored") and latest:
                store.touch_version(page.url, at)
            if verdict.change:
                self._add_change(page, verdict, article, previous, latest, version, at)
            store.set_page_state(page.url, verdict.state, at=at, miss_count=verdict.miss_count,
                                 last_status=page.status, last_error=verdict.reason)
            store.log_fetch(self.context.run_id, page.url, at=at, status=page.status, nbytes=len(page.body),
                            duration_ms=page.duration_ms, error=verdict.reason, raw_hash=raw_hash,
                            outcome=verdict.outcome)
        return Recorded(verdict.outcome, verdict.reason)

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
            diff_text=diff_text, diff_html=diff_html, summary=summary, run_id=self.context.run_id,
            details=details or None, related_url=related_url)
        for recipient, matched in recipients:
            self.store.enqueue_alert(change_id, recipient, self.context.run_id, matched_keywords=matched)

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
