"""`eduwatch reextract`: rebuild stored versions from their raw pages after the extractor improved.

Rewrites versions in place and raises no alerts: the page did not change, our reading of it did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from crawler.extract import extract
from crawler.model import Article
from crawler.track.attachments import reread_attachments, with_stored_readings
from crawler.track.project_record import ensure_built
from storage import NotFoundError

logger = logging.getLogger(__name__)


@dataclass
class ReextractReport:
    versions: int = 0
    rewritten: int = 0
    unchanged: int = 0
    missing_raw: int = 0
    attachments_reread: int = 0  # stored attachment files whose reading changed (a better reader)


def reextract(store, site: str | None = None) -> ReextractReport:
    report = ReextractReport()
    report.attachments_reread = reread_attachments(store)
    for url, number, raw_hash, charset in list(store.raw_versions(site=site)):
        report.versions += 1
        try:
            body = store.get_raw(raw_hash)
        except NotFoundError:
            report.missing_raw += 1
            continue
        stored = store.version(url, number)
        article = extract(body, stored["article"].get("url") or url, charset)  # the URL it was read at (redirects)
        article = with_stored_readings(article, Article.from_dict(stored["article"]), store.attachment_document)
        if article.content_hash() == stored["content_hash"]:
            report.unchanged += 1
            continue
        with store.transaction():
            store.replace_version_article(url, number, article.to_dict(), article.content_hash())
        report.rewritten += 1
        logger.info("re-extracted %s v%s", url, number)
    if report.rewritten:  # projects are read from the versions: read them again, without alerts
        store.forget_projects()
        ensure_built(store)
    return report
