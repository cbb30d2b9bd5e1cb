"""Keep projects up to date as notices are recorded: called by the recorder inside the page's transaction.

Links a notice to its project (by 项目编号, else buyer + normalised name), notes when it is another site's
copy of a notice already stored, refolds the project and says what the notice changed (alert lines).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from crawler.clock import DISPLAY_ZONE
from crawler.extract.procurement import may_be_notice, normalise_name, read_notice
from crawler.track.projects import alert_lines, fold

log = logging.getLogger(__name__)
ATTACHMENT_CHARS = 200_000  # of attachment text read for deadlines a page does not state


@dataclass(frozen=True)
class ProjectUpdate:
    """What recording one notice did to its project."""

    key: str
    kind: str
    copy_of: str | None = None  # the URL of the notice this page copies (another site's copy): no alert
    lines: list[str] = field(default_factory=list)  # what moved / who won, for the alert


def record_notice(store, *, url: str, site: str, article: dict, version: int, seen_at: str,
                  site_label: str | None = None, zone: str = DISPLAY_ZONE) -> ProjectUpdate | None:
    """Store this version's reading and refold its project; None when the page is no procurement notice. The
    alert lines state times in `zone` (the display zone), as every time a person reads."""
    page_id = store.page_id(url) if may_be_notice(article) else None
    if page_id is None:
        return None
    notice = read_notice(article, site_label, lambda: _attachment_text(store, article))  # loaded for notices only
    if notice is None:
        return None
    key = _project_key(store, notice)
    reading = notice.to_dict()
    notices = store.project_notices(key)
    current = next((n for n in notices if n["page_id"] == page_id), None) or store.notice(page_id)
    others = [n for n in notices if n["page_id"] != page_id]
    before = store.project_state(key) if notices else None
    original = _original(notice.kind, article, site, others)
    first_seen = current["first_seen"] if current else seen_at
    store.put_notice_reading(page_id, version, seen_at, reading)
    store.put_notice(page_id, project_key=key, kind=notice.kind, title=article.get("title") or "",
                     published=notice.published, first_seen=first_seen, reading=reading,
                     copy_of=original["page_id"] if original else None)
    if current and current["project_key"] != key:
        refold(store, current["project_key"])  # the page now reads as another project's notice
    readings = (current or {}).get("readings") if current and current["project_key"] == key else []
    mine = {"page_id": page_id, "project_key": key, "kind": notice.kind, "title": article.get("title") or "",
            "published": notice.published, "first_seen": first_seen, "removed": 0,
            "copy_of": original["page_id"] if original else None, "reading": reading, "url": url, "site": site,
            "readings": [r for r in readings or [] if r["version"] != version]
            + [{"page_id": page_id, "version": version, "first_seen": seen_at, "reading": reading}]}
    after = _refold(store, key, [*others, mine])
    lines = [] if original else alert_lines(notice.kind, reading, before, after, zone)
    return ProjectUpdate(key, notice.kind, original["url"] if original else None, lines)


def notice_removed(store, url: str, removed: bool = True) -> None:
    """A notice page disappeared (or came back): its project's events are cancelled when no announcement is left."""
    page_id = store.page_id(url)
    key = store.set_notice_removed(page_id, removed) if page_id is not None else None
    if key:
        refold(store, key)


def refold(store, key: str) -> dict | None:
    return _refold(store, key, store.project_notices(key))


def _refold(store, key: str, notices: list[dict]) -> dict | None:
    if not notices:
        store.delete_project(key)
        return None
    result = fold(key, notices)
    store.put_project(result.state, result.deadlines, result.awards)
    return result.state


def _project_key(store, notice) -> str:
    """The number when there is one (a project first linked by name moves under it), else the project with the
    same buyer and name, else a new name-based key."""
    by_name = store.project_by_name(notice.buyer, notice.name_key)
    if notice.number:
        if by_name and by_name.startswith("N-"):
            store.rekey_project(by_name, notice.number)
        return notice.number
    return by_name or notice.key


def _original(kind: str, article: dict, site: str, others: list[dict]) -> dict | None:
    """The notice this page copies: the first stored notice of the same kind, on another site, published the same
    day (or, without dates, under the same title)."""
    published = (article.get("published") or "")[:10]
    title = normalise_name(article.get("title"))
    for other in sorted(others, key=lambda n: (n["first_seen"], n["page_id"])):
        if other["kind"] != kind or other["copy_of"] or other["site"] == site or other["removed"]:
            continue
        theirs = (other.get("published") or "")[:10]
        if (published and theirs and published == theirs) or ((not published or not theirs)
                                                              and normalise_name(other["title"]) == title):
            return other
    return None


def _attachment_text(store, article: dict) -> str:
    texts, left = [], ATTACHMENT_CHARS
    for attachment in article.get("attachments") or []:
        sha = attachment.get("sha256")
        document = store.attachment_document(sha) if sha and left > 0 else None
        for part in (document or {}).get("parts") or []:
            texts.append(part["text"][:left])
            left -= len(texts[-1])
    return "\n".join(texts)


def ensure_built(store) -> int:
    """Build the projects of an archive recorded before projects existed, from its stored versions, without
    alerts (no change row is written). Returns how many versions were read; 0 when already built."""
    if store.projects_built():
        return 0
    count = 0
    with store.transaction():
        for url, site, number in store.all_notice_versions():
            stored = store.version(url, number)
            count += record_notice(store, url=url, site=site, article=stored["article"], version=number,
                                   seen_at=stored["first_seen"]) is not None
        for page in store.pages():
            if page["state"] == "removed":
                notice_removed(store, page["url"])
        store.set_projects_built()
    log.info("built procurement projects from %d stored notice versions", count)
    return count
