"""Render change rows into one digest email (text + HTML) per recipient; pure, no I/O."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from crawler.clock import DISPLAY_ZONE, display_time
from crawler.links import link_html
from crawler.model import ChangeKind, change_label
from crawler.notify.weblinks import change_link, history_link

# a digest lists site problems first, then edits, then the rest
KIND_ORDER = [ChangeKind.HEALTH, ChangeKind.CHANGED, ChangeKind.NEW, ChangeKind.REMOVED, ChangeKind.RESTORED]
SUBJECT_MAX = 180  # characters; long subjects get folded badly by some clients
DIFF_MAX = 20_000  # characters of one change's diff in an email; the rest is one `eduwatch diff` away
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def header_safe(value: str) -> str:
    """Strip CR/LF and other control characters so page text can never start a new header."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(value))).strip()


def kind_counts(changes: list[dict]) -> str:
    """'2 篇更新，1 篇新增' in a fixed kind order."""
    counts = Counter(c.get("kind") for c in changes)
    parts = [f"{counts[k]} {'条' if k == ChangeKind.HEALTH else '篇'}{k.label}" for k in KIND_ORDER if counts[k]]
    parts += [f"{n} 条{header_safe(k)}" for k, n in counts.items() if k not in KIND_ORDER]
    return "，".join(parts) or "没有变更"


def digest_subject(site_label: str, changes: list[dict]) -> str:
    """'[eduwatch] 教育部：2 篇更新，1 篇新增'; several sites → '[eduwatch] 3 个站点：…'."""
    sites = {c.get("site") for c in changes}
    label = f"{len(sites)} 个站点" if len(sites) > 1 else header_safe(site_label)
    subject = header_safe(f"[eduwatch] {label}：{kind_counts(changes)}")
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def site_label_for(changes: list[dict], site_labels: dict[str, str] | None) -> str:
    """The display name of the digest's site (first change's site), falling back to the config name."""
    site = changes[0].get("site", "") if changes else ""
    return (site_labels or {}).get(site, site)


def ordered(changes: list[dict]) -> list[dict]:
    """A broken site first (nothing else from it can be trusted), then edits (the reason people subscribe),
    new, removed, restored; oldest first within a kind."""
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(changes, key=lambda c: (rank.get(c.get("kind"), 9), c.get("detected_at") or ""))


def matched_keywords(change: dict) -> list[str]:
    """The keywords found for this reader (its outbox row), else the ones recorded with the change."""
    if "matched_keywords" in change:
        return list(change["matched_keywords"] or [])
    details = change.get("details") or {}
    return list(details.get("matched_keywords") or [])


def render_digest(
    *,
    sender: str,
    recipient: str,
    changes: list[dict],
    message_id: str,
    site_labels: dict[str, str] | None = None,
    subject: str | None = None,
    date: datetime | None = None,
    zone: str = DISPLAY_ZONE,
    base_url: str | None = None,
    body: DigestBody | None = None,
) -> EmailMessage:
    """One multipart/alternative email listing every change; stable Message-ID so a resend is recognisable.

    Args:
        changes: storage change rows (url, site, kind, title, detected_at, version, diff_text, diff_html, ...).
        subject: the stored subject of the alert; computed from the changes when None.
        date: a datetime for the Date header (default now), written in the display zone.
        zone: the display time zone ([display] timezone) for every time in the message.
        base_url: the web view ([web] base_url): each change then links to its diff and its page's history.
        body: the changes' parts already rendered (render_body), used as they are.

    diff_html in the rows is trusted: crawler.track.diff produced it with all page text escaped.
    """
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = header_safe(sender)
    msg["To"] = header_safe(recipient)
    msg["Subject"] = header_safe(subject or digest_subject(site_label_for(changes, site_labels), changes))
    msg["Message-ID"] = header_safe(message_id)
    msg["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(ZoneInfo(zone)))  # "+0800"
    msg["Auto-Submitted"] = "auto-generated"
    body = body or render_body(changes, site_labels, zone=zone, base_url=base_url)
    msg.set_content(body.text, charset="utf-8")
    msg.add_alternative(body.html, subtype="html", charset="utf-8")
    return msg


@dataclass(frozen=True)
class DigestBody:
    """A digest's two parts, rendered once: delivery renders them while assembling and sends them as they are."""

    text: str
    html: str


def render_body(changes: list[dict], site_labels: dict[str, str] | None = None, *, zone: str = DISPLAY_ZONE,
                base_url: str | None = None) -> DigestBody:
    """The text and HTML parts listing the changes, in digest order."""
    items = ordered(changes)
    return DigestBody(render_text(items, site_labels, zone=zone, base_url=base_url),
                      render_html(items, site_labels, zone=zone, base_url=base_url))


def _version_label(change: dict) -> str:
    prev, cur = change.get("previous_version"), change.get("version")
    if prev and cur:
        return f"v{prev} → v{cur}"
    return f"v{cur}" if cur else ""


def web_links(change: dict, base_url: str | None) -> list[tuple[str, str]]:
    """(label, URL) of the web view's pages for the change: its diff (or version), and the page's history."""
    rows = [("差异", change_link(base_url, change) if base_url else ""), ("历史版本", history_link(base_url, change))]
    return [(k, v) for k, v in rows if v]


def _meta(change: dict, site_labels: dict[str, str] | None, zone: str = DISPLAY_ZONE) -> list[tuple[str, str]]:
    """(label, value) facts shown for each change, skipping empty ones."""
    site = change.get("site") or ""
    rows = [
        ("类型", change_label(change.get("kind"))),
        ("站点", (site_labels or {}).get(site, site)),
        ("时间", display_time(change.get("detected_at"), zone)),
        ("版本", _version_label(change)),
        ("关键词", "、".join(matched_keywords(change))),
        ("订阅", "、".join(change.get("subscriptions") or [])),
        ("摘要", change.get("summary") or ""),
        ("相关公告", change.get("related_url") or (change.get("details") or {}).get("related_url") or ""),
        ("也见于", "、".join(change.get("also_on") or [])),  # the same notice on other sites (projects)
    ]
    return [(k, v) for k, v in rows if v]


def clipped(diff_text: str, change: dict) -> str:
    """Keep a huge diff from swamping the digest; say how to see the whole of it."""
    if len(diff_text) <= DIFF_MAX and diff_text:
        return diff_text
    return f"{diff_text[:DIFF_MAX]}\n…（差异过长，已截断；完整内容请运行 eduwatch diff {change.get('url', '')}）"


def render_text(changes: list[dict], site_labels: dict[str, str] | None = None, *, zone: str = DISPLAY_ZONE,
                base_url: str | None = None) -> str:
    """Plain-text part: one block per change with its links and its diff."""
    blocks = [f"eduwatch 检测到 {kind_counts(changes)}。", ""]
    for i, c in enumerate(changes, 1):
        kind = change_label(c.get("kind"))
        blocks.append(f"{i}. [{kind}] {c.get('title') or '（无标题）'}")
        blocks.append(f"   {c.get('url', '')}")
        blocks += [f"   {k}: {v}" for k, v in web_links(c, base_url) + _meta(c, site_labels, zone)]
        if c.get("diff_text"):
            blocks += ["", *(f"   {line}" for line in clipped(c["diff_text"], c).splitlines())]
        blocks.append("")
    return "\n".join(blocks)


def render_html(changes: list[dict], site_labels: dict[str, str] | None = None, *, zone: str = DISPLAY_ZONE,
                base_url: str | None = None) -> str:
    """HTML part: every piece of page text escaped; diffs keep their <del>/<ins> highlights."""
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
        f"<p>eduwatch 检测到 {html.escape(kind_counts(changes))}。</p>",
    ]
    for c in changes:
        parts.append(_html_block(c, site_labels, zone, base_url))
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_block(change: dict, site_labels: dict[str, str] | None, zone: str, base_url: str | None) -> str:
    title = change.get("title") or "（无标题）"
    links = "".join(f"<li>{link_html(url, label)}</li>" for label, url in web_links(change, base_url))
    rows = links + "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in _meta(change, site_labels, zone))
    diff = change.get("diff_html")
    if (not diff or len(diff) > DIFF_MAX) and change.get("diff_text"):  # HTML cannot be cut safely mid-tag
        diff = f'<pre style="white-space:pre-wrap">{html.escape(clipped(change["diff_text"], change))}</pre>'
    elif diff and len(diff) > DIFF_MAX:
        diff = f"<p>{html.escape(clipped('', change))}</p>"
    return (
        '<div style="border-top:1px solid #ccc;padding:8px 0">'
        f"<h3>{link_html(change.get('url', ''), title)}</h3>"
        f"<ul>{rows}</ul>{diff or ''}</div>"
    )
