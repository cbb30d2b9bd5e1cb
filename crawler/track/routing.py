"""Who is told of a change: the site's own recipients and channels (its keyword filter), and every
[[subscriptions]] entry the change matches — one pure rule for the recorder, `subscriptions test` and feeds.

The outbox stays the one way out: this only names the targets; each target gets a change once, with the
keywords and the subscriptions that brought it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from crawler.config import SiteConfig
from crawler.config_notify import SubscriptionConfig
from crawler.extract.procurement import notice_budget, notice_kind
from crawler.extract.regions import Region, region_of, within
from crawler.track.keywords import match_keywords


@dataclass(frozen=True)
class Notice:
    """What subscriptions look at in a change: its text, where it is from, its kinds, region and budget."""

    article: dict  # title, body, fields: what keywords are matched in
    site: str | None
    change_kind: str
    notice_kind: str | None  # tender, correction, award, failed, cancelled, contract, other; None for health
    region: Region
    budget: float | None  # 元


@dataclass
class Reasons:
    """Why a target is told of a change: the keywords found, and the subscriptions that matched."""

    keywords: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)

    def add(self, keywords: list[str], subscription: str | None) -> None:
        self.keywords += [k for k in keywords if k not in self.keywords]
        if subscription and subscription not in self.subscriptions:
            self.subscriptions.append(subscription)


@dataclass
class Audience:
    """Every recipient and channel told of one change, each once, in the order the config names them."""

    recipients: dict[str, Reasons] = field(default_factory=dict)
    channels: dict[str, Reasons] = field(default_factory=dict)

    def add(self, recipients, channels, keywords: list[str], subscription: str | None = None) -> None:
        for target, book in ((recipients, self.recipients), (channels, self.channels)):
            for name in target:
                book.setdefault(name, Reasons()).add(keywords, subscription)


def notice_of(article: dict | None, *, site: str | None, change_kind: str, site_label: str = "",
              project: dict | None = None) -> Notice:
    """The facts subscriptions match on: the notice kind from its title (crawler.extract.procurement), and the
    region and budget of its project when it has one (a result notice states no budget: its tender did), else
    of the notice itself — region from 行政区域, the buyer (采购人), the site's label, else the title; budget
    by the project builder's own rule (crawler.extract.procurement.notice_budget)."""
    article = article or {}
    fields = article.get("fields") or {}
    project = project or {}
    kind = None if change_kind == "health" else notice_kind(article.get("title") or "", article.get("body") or "")
    budget = project.get("budget")
    if budget is None:
        budget = notice_budget(article, kind)
    region = Region(project.get("province"), project.get("city"))
    if region.province is None:
        region = region_of(fields.get("行政区域"), fields.get("采购人"), site_label, article.get("title"))
    return Notice(article=article, site=site, change_kind=change_kind, notice_kind=kind, region=region,
                  budget=budget)


def subscription_keywords(subscription: SubscriptionConfig, notice: Notice) -> list[str] | None:
    """The keywords found when the subscription wants this change (maybe none), or None when it does not."""
    if subscription.sites and notice.site not in subscription.sites:
        return None
    if not _kinds_match(subscription, notice) or not _budget_match(subscription, notice.budget):
        return None
    if subscription.regions and not any(within(notice.region, _wanted(r)) for r in subscription.regions):
        return None
    match = match_keywords(notice.article, list(subscription.keywords), list(subscription.exclude_keywords))
    return match.matched if match.wanted else None


@cache
def _wanted(region: str) -> Region:
    """A subscription's region as written (浙江省, 杭州) read once per process."""
    return region_of(region)


def _kinds_match(subscription: SubscriptionConfig, notice: Notice) -> bool:
    """A health change reaches only subscriptions naming "health"; notices need a listed kind of each group."""
    if notice.change_kind == "health":
        return "health" in subscription.kinds
    if subscription.change_kinds and notice.change_kind not in subscription.change_kinds:
        return False
    return not subscription.notice_kinds or notice.notice_kind in subscription.notice_kinds


def _budget_match(subscription: SubscriptionConfig, budget: float | None) -> bool:
    if budget is None:
        return not subscription.budget_required
    if subscription.budget_min is not None and budget < subscription.budget_min:
        return False
    return subscription.budget_max is None or budget <= subscription.budget_max


def route(notice: Notice, site: SiteConfig | None, subscriptions: list[SubscriptionConfig]) -> Audience:
    """The site's recipients and channels when its keyword filters say yes (health: always), then every
    enabled subscription that matches; a target named by several gets the change once."""
    audience = Audience()
    if site is not None and (site.recipients or site.channels):
        if notice.change_kind == "health":
            audience.add(site.recipients, site.channels, [])
        else:
            match = match_keywords(notice.article, site.keywords, site.exclude_keywords)
            if match.wanted:
                audience.add(site.recipients, site.channels, match.matched)
    for subscription in subscriptions:
        if not subscription.enabled:
            continue
        keywords = subscription_keywords(subscription, notice)
        if keywords is not None:
            audience.add(subscription.recipients, subscription.channels, keywords, subscription.name)
    return audience
