"""The one writer of change rows: record each fetched page (extract, decide, write all or nothing) and, at
the end of a crawl, the site's health.

The pipeline hands pages here, either in its own process or through `crawler.track.record_worker` in a
second one; both paths run this same code against the same database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from crawler.clock import now_iso
from crawler.config import Config
from crawler.extract import extract
from crawler.model import Article, ChangeKind, FetchedPage, Outcome
from crawler.track import attachments as attachment_readings
from crawler.track.attachment_diff import combined, diff_attachments
from crawler.track.corrections import link_correction
from crawler.track.detect import decide, read_signal
from crawler.track.diff import diff_articles, render_article_html, render_article_text
from crawler.track.health import ListWalk, judge_site_health
from crawler.track.project_record import ProjectUpdate, ensure_built, notice_removed, record_notice
from crawler.track.routing import Audience, notice_of, route
from storage import Store

NOT_MODIFIED = 304
# outcomes after which the stored reading stands for the fetched bytes (their content hash is the latest's)
KEEPS_VALIDATORS = (Outcome.BASELINE, Outcome.NEW, Outcome.CHANGED, Outcome.UNCHANGED, Outcome.RESTORED)


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
    reused: bool = False  # the bytes were those of the stored version: its article was reused, not re-extracted
    not_modified: bool = False  # the site answered 304: nothing was downloaded or extracted


@dataclass(frozen=True)
class Extraction:
    """A page's article, and whether it is the stored reading of the very same bytes."""

    article: Article | None  # None when the fetch brought no bytes
    reused_hash: str | None = None  # content hash of the stored version whose article was reused
    attachments: attachment_readings.AttachmentReadings | None = None  # files to store, attachment errors
    not_modified: bool = False  # the site answered 304 to the stored validators: the stored reading holds


def _validators_after(page: FetchedPage, outcome: str, stored: tuple) -> tuple[str | None, str | None]:
    """The validators to keep after this fetch. A 200 whose reading is now the stored one (or equal to it)
    brings its own; a 304 or an error leaves the stored ones (they still describe the reading's bytes); a
    page that looks gone or suspect, or that redirected, forgets them so the next fetch is a full one."""
    if outcome in KEEPS_VALIDATORS and page.status == 200:
        if page.final_url and page.final_url != page.url:
            return (None, None)
        return (page.etag, page.last_modified)
    if outcome in KEEPS_VALIDATORS or outcome == Outcome.ERROR:
        return stored
    return (None, None)


def _read(page: FetchedPage) -> Article:
    """Extract the page's bytes, at the URL they were served from (after redirects)."""
    return extract(page.body, page.final_url or page.url, page.http_charset)


class PageRecorder:
    """FetchedPage → Article → page/version/change/outbox/fetch-log rows, atomically (its own transaction,
    or a part of the worker's batch transaction).

    Two steps, so a batch can extract every page before it takes the write lock: `extract_page` (the
    costly part; it only reads) and `write` (the rows)."""

    def __init__(self, context: RunContext, store: Store, readings: attachment_readings.ReadingCache | None = None):
        self.context = context
        self.store = store  # the caller's connection: one per process, shared by the runs it records
        # attachment readings kept from page to page (the worker shares one between the runs it records)
        self.readings = readings if readings is not None else attachment_readings.ReadingCache()
        self.site_config = next((s for s in context.config.sites if s.name == context.site_name), None)
        self._projects_ready = False

    def record(self, page: FetchedPage) -> Recorded:
        return self.write(page, self.extract_page(page))

    def extract_page(self, page: FetchedPage) -> Extraction:
        """The page's article, its downloaded attachments read into it (a stored file is not read again)."""
        extraction = self._extract_article(page)
        if extraction.article is None or not page.attachments:
            return extraction
        latest = self.store.latest_version(page.url)
        previous = Article.from_dict(latest["article"]) if latest else None
        article = Article.from_dict(extraction.article.to_dict())  # the reused stored article stays untouched
        readings = attachment_readings.read_attachments(article, page.attachments, previous,
                                                        self.store.attachment_document, self.readings)
        return Extraction(article, extraction.reused_hash, readings)

    def _extract_article(self, page: FetchedPage) -> Extraction:
        """The page's article. Bytes identical to those the latest version was read from (same final URL,
        same charset header) give back that version's stored article without parsing: a recheck of a
        static page, or a 304 revalidated from the HTTP cache, costs a hash instead of an extraction.
        It also keeps an upgraded extractor from reporting every unchanged page as edited; `eduwatch
        reextract` is how stored readings are renewed."""
        if page.status == NOT_MODIFIED:
            return Extraction(None, not_modified=True)  # the stored reading is taken inside write's transaction
        if not page.body:
            return Extraction(None)
        url = page.final_url or page.url
        latest = self.store.latest_version(page.url)
        if latest and latest["raw_hash"] == hashlib.sha256(page.body).hexdigest() \
                and latest["article"].get("url") == url \
                and self.store.raw_charset(latest["raw_hash"]) == (True, page.http_charset):
            return Extraction(Article.from_dict(latest["article"]), reused_hash=latest["content_hash"])
        return Extraction(_read(page))

    def write(self, page: FetchedPage, extraction: Extraction) -> Recorded:
        """Decide what the fetch means against the stored state and write every row of it, or none."""
        store = self.store
        at = page.fetched_at or now_iso()
        with store.transaction():
            row = store.upsert_page(page.url, page.site, at)
            latest = store.latest_version(page.url)
            article, reused = extraction.article, extraction.reused_hash is not None
            validators = store.page_validators(page.url)
            if extraction.not_modified:
                page, article, reused = self._not_modified(page, latest, validators)
            elif reused and (latest is None or latest["content_hash"] != extraction.reused_hash):
                # the stored reading changed since it was looked up (a concurrent reextract): read the bytes
                article, reused = _read(page), False
                if extraction.attachments is not None:
                    attachment_readings.copy_readings(extraction.article, article)
            if extraction.attachments is not None:
                latest = self._store_attachments(page, extraction, article, latest, at)
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
            project = self._track_project(page, verdict, article, version, at)
            if verdict.change:
                self._add_change(page, verdict, article, previous, latest, version, at, project)
            fresh = _validators_after(page, verdict.outcome, validators)
            if fresh != validators:
                store.set_validators(page.url, *fresh)
            store.set_page_state(page.url, verdict.state, at=at, miss_count=verdict.miss_count,
                                 last_status=page.status, last_error=verdict.reason)
            store.log_fetch(self.context.run_id, page.url, at=at, status=page.status, nbytes=len(page.body),
                            duration_ms=page.duration_ms, error=verdict.reason, raw_hash=raw_hash,
                            outcome=verdict.outcome)
        return Recorded(verdict.outcome, verdict.reason, reused, extraction.not_modified and reused)

    @staticmethod
    def _not_modified(page: FetchedPage, latest: dict | None, validators: tuple) -> tuple[FetchedPage, Article | None, bool]:
        """A 304 to the stored validators: the bytes are those the stored reading stands for, so it is the article.
        Without validators or a reading (cleared since the request was sent), nothing can be concluded."""
        if latest is None or validators == (None, None):
            return replace(page, error="HTTP 304 Not Modified, but no stored reading to reuse (its validators were "
                                       "cleared meanwhile); the next crawl fetches the page in full"), None, False
        return page, Article.from_dict(latest["article"]), True

    def _store_attachments(self, page: FetchedPage, extraction: Extraction, article: Article | None,
                           latest: dict | None, at: str) -> dict | None:
        """New files stored once, attachment errors recorded (or cleared), and a stored version that only
        lacked its attachments' first readings completed in place (no alert). Returns the latest version."""
        store, readings = self.store, extraction.attachments
        for new in readings.new_files:
            store.put_attachment(new.sha256, new.data, new.document, at)
        store.set_attachment_errors(page.url, [*readings.errors.items(), *((url, None) for url in readings.read_ok)],
                                    at, self.context.run_id)  # errors recorded, then those of files read fine cleared
        self._keep_attachment_validators(page, article, readings)
        if latest and article is not None and attachment_readings.first_readings_only(
                Article.from_dict(latest["article"]), article):
            store.replace_version_article(page.url, latest["version"], article.to_dict(), article.content_hash())
            latest = store.latest_version(page.url)
        return latest

    def _keep_attachment_validators(self, page: FetchedPage, article: Article | None, readings) -> None:
        """The validators of each file read from a full download, so the next crawl asks "changed since?"; a
        file that failed forgets them (fetched in full next time); a 304 keeps what it was asked with."""
        read = {a.url: a.sha256 for a in article.attachments} if article is not None else {}
        read_ok = set(readings.read_ok)
        self.store.set_page_attachment_validators(page.url, [
            (got.url, read.get(got.url) if got.url in read_ok else None, got.etag, got.last_modified)
            for got in page.attachments if not (got.status == 304 and got.url in read_ok)])

    def _track_project(self, page: FetchedPage, verdict, article: Article | None, version: int | None,
                       at: str) -> ProjectUpdate | None:
        """Keep the page's procurement project in step (in this transaction): a new reading, or a removal."""
        if not self._projects_ready:
            ensure_built(self.store)  # an archive recorded before projects existed: built once, without alerts
            self._projects_ready = True
        if verdict.change == "removed":
            notice_removed(self.store, page.url)
        elif version is not None and article is not None:
            return record_notice(self.store, url=page.url, site=page.site, article=article.to_dict(),
                                 version=version, seen_at=at, site_label=self.site_config.label
                                 if self.site_config else None, zone=self.context.config.display.timezone)
        elif verdict.change == "restored":
            notice_removed(self.store, page.url, removed=False)
        return None

    def _add_change(self, page, verdict, article, previous, latest, version, at,
                    project: ProjectUpdate | None = None) -> None:
        """Record the change and, in the same transaction, queue it for each interested recipient and channel.
        A later site's copy of a notice already stored is recorded but alerts nobody (the first copy did)."""
        # a removal is told by what was removed: the 404 page's own title ("Error response") names nothing
        current = previous if verdict.change == "removed" and previous is not None else article or previous
        details: dict = {}
        related_url = None
        if verdict.change == "changed" or (verdict.change == "restored" and version):
            labels = {"old_label": f"v{latest['version']}", "new_label": f"v{version}"} if version else {}
            diff = diff_articles(previous, article, **labels)
            inside = diff_attachments(previous, article, self.store.attachment_document,
                                      (labels.get("old_label", "旧版本"), labels.get("new_label", "新版本")))
            diff_text, diff_html, summary = combined(diff, inside)
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
        summary, diff_text = _project_summary(project, details, summary, diff_text)
        audience = self._audience(current.to_dict(), verdict.change, details,
                                  self.store.project_state(project.key) if project else None)
        if project and project.copy_of and verdict.change == "new":
            audience = Audience()  # the first site's copy told everyone
        change_id = self.store.add_change(
            url=page.url, site=page.site, kind=verdict.change, detected_at=at, title=current.title,
            version=version or (latest["version"] if latest else None),
            previous_version=latest["version"] if latest and version else None,
            diff_text=diff_text, diff_html=diff_html, summary=summary, run_id=self.context.run_id,
            details=details or None, related_url=related_url)
        self._enqueue(change_id, audience)

    def _audience(self, article: dict | None, change_kind: str, details: dict,
                  project: dict | None = None) -> Audience:
        """Who is told of this change: the site's recipients and channels when its keyword filters say yes,
        and every subscription it matches (crawler.track.routing) — the same rule for email and channels."""
        config = self.context.config
        notice = notice_of(article, site=self.context.site_name, change_kind=change_kind,
                           site_label=config.site_label(self.context.site_name), project=project)
        audience = route(notice, self.site_config, config.subscriptions)
        matched = [k for reasons in (*audience.recipients.values(), *audience.channels.values())
                   for k in reasons.keywords]
        if matched:
            details["matched_keywords"] = list(dict.fromkeys(matched))
        return audience

    def _enqueue(self, change_id: int, audience: Audience) -> None:
        """Queue the change once per recipient and channel, with the keywords and subscriptions behind it."""
        run_id = self.context.run_id
        for recipient, why in audience.recipients.items():
            self.store.enqueue_alert(change_id, recipient, run_id, matched_keywords=why.keywords,
                                     subscriptions=why.subscriptions)
        for channel, why in audience.channels.items():
            self.store.enqueue_channel(change_id, channel, run_id, matched_keywords=why.keywords,
                                       subscriptions=why.subscriptions)

    def record_health(self, walk: ListWalk, at: str) -> str | None:
        """After a finished crawl: update the site's failure streak and, when the lists broke, record a health
        change and queue it for the site's recipients and channels, in one transaction. Returns the problem."""
        site = self.site_config
        if site is None or not site.follow and site.spider == "generic":
            return None  # a watch list of single pages has no list pages to judge
        store = self.store
        with store.transaction():
            before = store.site(self.context.site_name) or {}
            verdict = judge_site_health(
                self.context.site_name, walk, failures_before=before.get("consecutive_failures") or 0,
                last_article_count=before.get("last_article_count") or 0,
                threshold=self.context.config.crawl.health_failures)
            store.record_site_health(self.context.site_name, verdict.ok, walk.links, at)
            if verdict.problem is None:
                return None
            change_id = store.add_change(
                url=site.start_urls[0], site=self.context.site_name, kind=ChangeKind.HEALTH, detected_at=at,
                title=f"站点异常：{site.label or site.name}", version=None, previous_version=None,
                diff_text=verdict.problem, diff_html=None, summary=verdict.problem, run_id=self.context.run_id)
            self._enqueue(change_id, self._audience(None, ChangeKind.HEALTH, {}))
        return verdict.problem


_LINE_HEADS = {"correction": "更正公告", "award": "中标结果", "contract": "合同公告"}


def _project_summary(project: ProjectUpdate | None, details: dict, summary: str, diff_text: str | None):
    """The project's lines lead the summary and the diff (what moved, who won); a copy names its original."""
    if project is None:
        return summary, diff_text
    details["project"] = project.key
    if project.copy_of:
        details["copy_of"] = project.copy_of
        return f"{summary}（同一公告已见于 {project.copy_of}）", diff_text
    if not project.lines:
        return summary, diff_text
    details["project_lines"] = project.lines
    text = "；".join(project.lines)
    head = _LINE_HEADS.get(project.kind)
    rest = summary.removeprefix("更正公告：")
    rest = "" if rest in ("新文章", "") else f"；{rest}"
    lines = "\n".join(project.lines)
    return (f"{head}：{text}{rest}" if head else f"{text}{rest}"), f"{lines}\n{diff_text or ''}".rstrip()
