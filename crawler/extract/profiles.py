"""Site profiles: where the article body sits on each known template, chosen by URL host or markup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Markers are run on every page, so they are written the way libxml2 answers fastest, as matches of attribute nodes:
# /descendant::div/@id[. = 'x'] matches when //div[@id = 'x'] does, at a third of the cost (it neither collects
# every node of the page first nor reads a missing attribute as '' on each element), and a class is looked for as
# a substring before it is checked as a whole token.
def _has_id(tag: str, name: str) -> str:
    return f"/descendant::{tag}/@id[. = '{name}']"


def _has_class(tag: str, *names: str) -> str:
    rough = " or ".join(f"contains(., '{name}')" for name in names)
    token = " or ".join(f"contains(concat(' ', normalize-space(.), ' '), ' {name} ')" for name in names)
    return f"/descendant::{tag}/@class[{rough}][{token}]"


@dataclass(frozen=True)
class Profile:
    """One template family: hosts it serves, a markup sign that betrays it, body and title locations."""

    name: str
    hosts: tuple[str, ...]
    marker: str  # XPath whose match means "this template", whatever the host
    bodies: tuple[str, ...]  # XPaths of body containers, best first
    titles: tuple[str, ...] = ()


PROFILES = (
    Profile(
        "moe_old", ("moe.gov.cn", "moe.edu.cn"), _has_id("div", "content_body"),
        ("//div[@id='content_body']//div[contains(@class,'TRS_Editor')]", "//div[@id='content_body_xxgk']",
         "//div[@id='content_body']"),
        ("//div[@id='content_body']//h1",),
    ),
    Profile(
        "moe", ("moe.gov.cn", "moe.edu.cn"), f"{_has_class('div', 'moe-detail-box')} | {_has_id('div', 'moe-detail-box')}",
        ("//div[@id='downloadContent']", "//div[contains(@class,'TRS_Editor')]",
         f"//div[{_cls('moe-detail-box')} or @id='moe-detail-box']"),
        (f"//div[{_cls('moe-detail-box')} or @id='moe-detail-box']//h1",),
    ),
    Profile(
        "ccgp", ("ccgp.gov.cn",), _has_class("div", "vF_detail_header", "vF_detail_content", "vT_detail_content"),
        (f"//div[{_cls('vF_detail_content')}]", f"//div[{_cls('vT_detail_content')}]"),
        (f"//div[{_cls('vF_detail_header')}]/h2", f"//div[{_cls('vT_detail_header')}]/h2"),
    ),
    Profile(
        "ceiea", ("ceiea.com",), f"/descendant::table[{_cls('table2')}]/descendant::font/@class[contains(., 'font20')]"
        "[contains(concat(' ', normalize-space(.), ' '), ' font20 ')]",
        (f"//table[{_cls('table2')}]",),
        (f"//font[{_cls('font20')}]",),
    ),
    Profile(
        "caigou", ("caigou.com.cn",), "/descendant::*/@class[contains(., 'caigou')]",
        (f"//div[{_cls('main')}]//div[contains(@class,'content')]", f"//div[{_cls('main')}]",),
        (f"//div[{_cls('main')}]//h1",),
    ),
    Profile(
        "zj", ("zj.gov.cn", "jiangsu.gov.cn", "jsjyt"), _has_id("div", "zoom"),
        ("//div[@id='zoom']",),
    ),
    Profile("gd", ("gd.gov.cn",), _has_id("div", "zoomcon"), ("//div[@id='zoomcon']",)),
    Profile("hanweb", ("shaanxi.gov.cn",), _has_id("div", "article"), ("//div[@id='article']",)),
)


_MARKERS = {profile.name: etree.XPath(profile.marker) for profile in PROFILES}  # compiled once: run on every page
# A marker tests attribute values, so it can only match a page whose source holds one of its quoted
# literals: a substring test on the source rules most templates out without walking the tree.
_NEEDLES = {profile.name: tuple(dict.fromkeys(lit.strip() for lit in re.findall(r"'([^']*)'", profile.marker)
                                              if lit.strip())) for profile in PROFILES}


def choose(url: str, root: etree._Element, marks: dict[str, bool] | None = None,
           source: str | None = None, own: bool | None = None) -> Iterator[Profile]:
    """Profiles to try on this page: host matches whose markup is present, then any template whose markup
    is present, then the remaining host matches. Lazy, since the caller usually stops at the first;
    `marks` remembers which markers matched, so a second pass over one page does not re-run them;
    `source`, the page's HTML text, lets a marker whose literals it lacks be ruled out unevaluated;
    `own` True keeps only the profiles made for the URL's site, False only the others (None: all)."""
    marks = {} if marks is None else marks

    def marked(profile: Profile) -> bool:
        if profile.name not in marks:
            needles = _NEEDLES[profile.name]
            possible = source is None or not needles or any(needle in source for needle in needles)
            marks[profile.name] = possible and bool(_MARKERS[profile.name](root))
        return marks[profile.name]

    host = (urlsplit(url).hostname or "").lower()
    by_host = [p for p in PROFILES if _serves(p, host)]
    if own is not False:
        yield from (p for p in by_host if marked(p))
    if own is not True:
        yield from (p for p in PROFILES if p not in by_host and marked(p))
    if own is not False:
        yield from (p for p in by_host if not marked(p))


def serves(profile: Profile, url: str) -> bool:
    """Whether the profile was made for the URL's site (its host, a subdomain, or a host naming it)."""
    return _serves(profile, (urlsplit(url).hostname or "").lower())


def _serves(profile: Profile, host: str) -> bool:
    return any(host == h or host.endswith("." + h) or h in host for h in profile.hosts)


def body_nodes(profile: Profile, root: etree._Element) -> list[etree._Element]:
    """Candidate body containers for the profile, best first."""
    found = []
    for xp in profile.bodies:
        found.extend(n for n in root.xpath(xp) if n not in found)
    return found
