"""Links into the web view for a change (its diff) and its page's history, when [web] base_url is set."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit


def change_link(base_url: str | None, change: dict) -> str:
    """The web view's page for this change, else the article itself.

    An edit links to its diff (/diff?url=…&from=…&to=…), a new or restored page to that version,
    a removal to the page's history, a site problem to that site's changes.
    """
    url = change.get("url") or ""
    if not base_url:
        return url
    kind, version, previous = change.get("kind"), change.get("version"), change.get("previous_version")
    if kind == "health":
        return f"{base_url}/?{urlencode({'site': change.get('site') or '', 'kind': 'health'})}"
    if previous and version:
        return f"{base_url}/diff?{urlencode({'url': url, 'from': previous, 'to': version})}"
    if version and kind != "removed":
        return f"{base_url}/page?{urlencode({'url': url, 'v': version})}"
    return history_link(base_url, change)


def history_link(base_url: str | None, change: dict) -> str:
    """The web view's list of the page's stored versions ('' without base_url or for a site problem)."""
    if not base_url or change.get("kind") == "health":
        return ""
    return f"{base_url}/page?{urlencode({'url': change.get('url') or ''})}"


def short_link(base_url: str | None, change: dict) -> str:
    """A short stand-in for a link too long for a chat message: the site's changes in the web view when
    [web] base_url is set, else the article's site (a URL cut short would lead nowhere)."""
    if base_url:
        return f"{base_url}/?{urlencode({'site': change.get('site') or ''})}"
    parts = urlsplit(change.get("url") or "")
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""
