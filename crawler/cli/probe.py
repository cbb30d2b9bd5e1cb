"""`eduwatch probe URL`: fetch a list page, recognise its shape, print a ready [[sites]] block and what it would record."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from crawler.errors import EduwatchError
from crawler.extract import extract
from crawler.fetch.address_guard import AddressRule
from crawler.fetch.browser import BrowserMissing, is_challenge, solve
from crawler.fetch.page import Fetched, PageFetchError, fetch_page, render_page
from crawler.sources.patterns import date_placeholders
from crawler.sources.recognize import NotAList, Proposal, recognise
from crawler.sources.template import today

SAMPLE = 3  # articles fetched and shown
_SKIP_LABELS = {"www", "gov", "cn", "com", "org", "net", "edu"}


def probe(url: str, name: str | None, as_json: bool, browser: str | None = None) -> int:
    """Print the proposal (TOML with a comment per guess, or JSON); exit 1 with one line when it is no list.
    A page behind a JavaScript challenge is cleared in Chromium (`browser`, else the one on PATH) first."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise EduwatchError(f"{url!r} is not an http(s) URL; give the list page's full address")
    page = fetch_page(url)
    challenge = is_challenge(page.status, page.body)
    headers: dict[str, str] = {}
    if challenge:
        headers = _cleared(url, challenge, browser)
        page = fetch_page(url, headers=headers)
    if page.status >= 400:
        raise EduwatchError(f"{url}: the server answered HTTP {page.status}; check the address (a list page)")
    proposal = _recognise(page, browser)
    site = site_keys(url, name, proposal)
    guard = AddressRule.for_urls([url, page.final_url])  # as in the crawl: internal addresses only on the list's origin
    articles = [_sample(link, headers, guard) for link in proposal.links[:SAMPLE]]
    if as_json:
        print(json.dumps({"shape": proposal.shape, "challenge": challenge, "site": site,
                          "articles": [{k: a[k] for k in ("url", "title", "published")} for a in articles]},
                         ensure_ascii=False, indent=2))
    else:
        print(render_toml(site, proposal, challenge))
        print(render_articles(articles, len(proposal.links)))
    return 0


def _cleared(url: str, challenge: str, browser: str | None) -> dict[str, str]:
    """Clear the challenge in Chromium: the headers (cookies, the browser's UA) the plain requests then carry."""
    try:
        return solve(url, browser, AddressRule.for_urls([url])).headers()
    except BrowserMissing as exc:
        raise EduwatchError(f"{url}: answered HTTP {challenge} with a JavaScript challenge; {exc}") from None


def _recognise(page: Fetched, browser: str | None) -> Proposal:
    """The page as served; when it shows no list, the page as Chromium draws it (shape "rendered", render = true)."""
    try:
        return recognise(page.text(), page.final_url, page.content_type)
    except NotAList as plain:
        if "no repeating links" not in str(plain):
            raise
        drawn = render_page(page.final_url, browser, AddressRule.for_urls([page.url, page.final_url]))
        if drawn is None:
            raise NotAList(f"{plain} (no Chromium to try it rendered: apt install chromium)") from None
        try:
            proposal = recognise(drawn, page.final_url)
        except NotAList:
            raise plain from None
    proposal.shape = "rendered"
    proposal.keys = {"render": True, **proposal.keys}
    proposal.notes["render"] = "the links exist only after the page's scripts ran: lists are read rendered"
    return proposal


def site_keys(url: str, name: str | None, proposal: Proposal) -> dict:
    """The block's keys: name, label, start_urls (dates as placeholders), then the shape's own keys."""
    start = date_placeholders(proposal.start_url or url, today())
    keys: dict = {"name": name or guess_name(url), "label": proposal.label or guess_name(url), "start_urls": [start]}
    keys.update(proposal.keys)
    keys["max_list_pages"] = 5
    return keys


def guess_name(url: str) -> str:
    labels = [part for part in urlsplit(url).hostname.split(".") if part not in _SKIP_LABELS]
    return "-".join(labels) or "site"


def render_toml(site: dict, proposal: Proposal, challenge: str | None = None) -> str:
    """The [[sites]] block, one comment per guess, ready to paste into eduwatch.toml."""
    lines = [f"# shape: {proposal.shape}" + (f" — {proposal.notes['shape']}" if "shape" in proposal.notes else ""),
             "[[sites]]"]
    if challenge:  # after the shape line, which tools and tests read first
        lines.insert(1, f"# behind a JavaScript challenge (HTTP {challenge}): crawls clear it in Chromium when met")
    notes = {"name": "from --name" if site["name"] != guess_name(site["start_urls"][0]) else "guessed from the host",
             "label": "the page's <title>", "max_list_pages": "list pages walked per crawl",
             "start_urls": _start_note(site["start_urls"][0]), **proposal.notes}
    for key, value in site.items():
        if key == "api":
            continue
        lines.append(f"{key} = {_toml(value, key)}" + (f"  # {notes[key]}" if key in notes else ""))
    if "api" in site:
        lines.append(f"[sites.api]  # {notes['api']}")
        lines += [f"{k} = {_toml(v, k)}" for k, v in site["api"].items() if v]
    return "\n".join(lines)


def _start_note(start: str) -> str:
    notes = [note for mark, note in (("{date", "dates in the address move with each crawl (Beijing time)"),
                                     ("{page}", "{page} is each list page's number, 1, 2 …")) if mark in start]
    return "; ".join(notes) or "the page probed"


def _toml(value, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v, key) for v in value) + "]"
    if key in ("follow", "pagination") and "'" not in value:
        return f"'{value}'"  # a literal string: the regex's backslashes stay as they are
    return json.dumps(value, ensure_ascii=False)


def _sample(link, headers: dict[str, str], guard: AddressRule) -> dict:
    """What the crawl would record for one article: its title, date and the start of its body."""
    try:
        page: Fetched = fetch_page(link.url, headers=headers, guard=guard)
    except PageFetchError as exc:
        return {"url": link.url, "title": link.title, "published": link.published, "body": f"({exc})"}
    if page.status >= 400:
        return {"url": link.url, "title": link.title, "published": link.published, "body": f"(HTTP {page.status})"}
    article = extract(page.body, page.final_url, page.charset)
    return {"url": link.url, "title": article.title or link.title, "published": article.published or link.published,
            "body": re.sub(r"\s+", " ", article.body)[:80]}


def render_articles(articles: list[dict], found: int) -> str:
    lines = [f"# {found} articles on this page; the first {len(articles)} as they would be recorded:"]
    for a in articles:
        lines += [f"#   {a['title']}  ({a['published'] or 'no date'})", f"#     {a['url']}", f"#     {a['body']}"]
    return "\n".join(lines)


__all__ = ["probe", "NotAList"]
