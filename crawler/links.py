"""Safe links: only http(s) URLs ever become clickable, in emails, diffs and the web view alike."""

from __future__ import annotations

import html
import re

_WEB_URL = re.compile(r"https?://", re.IGNORECASE)


def is_web_url(url: str | None) -> bool:
    """True for http(s) URLs (any case); javascript:, data:, file: and relative links are not."""
    return bool(url) and bool(_WEB_URL.match(url.strip()))


def safe_href(url: str | None) -> str | None:
    """The URL escaped for an href attribute, or None when it must stay text."""
    return html.escape(url.strip(), quote=True) if is_web_url(url) else None


def link_html(url: str | None, text: str | None = None) -> str:
    """An outbound <a> for http(s) URLs; anything else shows as inert text (with the URL beside the title)."""
    label = html.escape(text or url or "", quote=True)
    href = safe_href(url)
    if href:
        return f'<a href="{href}" rel="noopener noreferrer">{label}</a>'
    if text and url:
        return f'{label} <span class="muted">({html.escape(url, quote=True)})</span>'
    return label
