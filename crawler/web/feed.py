"""Atom 1.0 feeds of detected changes (the CLI's `feed` and the web view's /feed.atom).

Written with xml.etree rather than feedgen: an Atom feed of changes is a dozen elements, ElementTree
escapes every value and is in the standard library, and feedgen would add python-dateutil and its own
entry ordering (it prepends entries) for nothing we need.
"""

from __future__ import annotations

import html
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from crawler.model import CHANGE_LABELS

ATOM = "http://www.w3.org/2005/Atom"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/eduwatch/eduwatch")

ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class FeedFilter:
    """Which changes a feed carries; the same for `eduwatch feed` and /feed.atom."""

    site: str | None = None
    kind: str | None = None
    keyword: str | None = None
    subscription: str | None = None  # a [[subscriptions]] name: only the changes it matches

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in (("站点", self.site), ("类型", self.kind),
                                                       ("关键词", self.keyword), ("订阅", self.subscription)) if value]
        return "，".join(parts)

    def query(self) -> str:
        return urlencode({k: v for k, v in (("site", self.site), ("kind", self.kind),
                                            ("keyword", self.keyword), ("subscription", self.subscription)) if v})


def change_id(change: dict) -> str:
    """A URN that names this change forever: the same entry in every run of the feed, in any reader."""
    key = f"{change['url']}|{change['kind']}|{change['detected_at']}|{change.get('version')}"
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, key)}"


def rfc3339(value: str | None) -> str:
    """Stored ISO time → RFC 3339 with an offset (naive times are UTC), as Atom requires."""
    moment = datetime.fromisoformat(value) if value else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def atom_feed(changes: list[dict], *, flt: FeedFilter = FeedFilter(), web_base: str | None = None,
              self_url: str | None = None) -> bytes:
    """The feed document (UTF-8 bytes), entries in the order given (newest first).

    web_base: the web view's base URL; when set an entry's main link opens its diff there and the
    article itself is the `related` link, else the main link is the article.
    """
    feed = ET.Element(f"{{{ATOM}}}feed")
    described = flt.describe()
    _text(feed, "title", "eduwatch 变更" + (f"（{described}）" if described else ""))
    _text(feed, "id", f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, 'feed?' + flt.query())}")
    _text(feed, "updated", rfc3339(changes[0]["detected_at"] if changes else None))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "eduwatch")
    _text(feed, "generator", "eduwatch")
    if self_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url, type="application/atom+xml")
    for change in changes:
        feed.append(_entry(change, web_base))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(change: dict, web_base: str | None) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    label = CHANGE_LABELS.get(change["kind"], change["kind"])
    _text(entry, "title", f"[{label}] {change.get('title') or change['url']}")
    _text(entry, "id", change_id(change))
    _text(entry, "updated", rfc3339(change["detected_at"]))
    if web_base and change["kind"] != "health":  # a health change names a list page, not a stored page
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=web_link(web_base, change), type="text/html")
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=change["url"])
    else:
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=change["url"])
    for term in (change["kind"], change.get("site")):
        if term:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=term)
    summary = " · ".join(x for x in (change.get("site"), label, change.get("summary")) if x)
    _text(entry, "summary", summary)
    content = ET.SubElement(entry, f"{{{ATOM}}}content", type="html")
    content.text = change.get("diff_html") or (
        f"<pre>{html.escape(change.get('diff_text') or change.get('summary') or '')}</pre>")
    return entry


def web_link(web_base: str, change: dict) -> str:
    """The web view's page for a change: its diff when it has two versions, else the stored page."""
    base = web_base.rstrip("/")
    if change.get("version") and change.get("previous_version"):
        query = {"url": change["url"], "from": change["previous_version"], "to": change["version"]}
        return f"{base}/diff?{urlencode(query)}"
    query = {"url": change["url"], **({"v": change["version"]} if change.get("version") else {})}
    return f"{base}/page?{urlencode(query)}"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """Drop the control characters XML 1.0 cannot carry (a scraped page can contain them)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)
