"""What a procurement notice says about its project: kind, 项目编号, name, buyer, region, budget, deadlines, awards.

    from crawler.extract.procurement import read_notice
    notice = read_notice(article_dict, site_label="浙江政府采购网")   # None for a page that is no notice

Pure rules over an extracted article (no storage): the project builder (crawler.track.projects) links
notices by `number` (normalised), else by `buyer` + `name_key`, and folds them into one project.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from .amounts import amounts_in, parse_amount
from .awards import Award, awards
from .deadlines import DOCUMENTS, OPENING, SUBMISSION, corrected_deadlines, deadlines
from .regions import region_of

KINDS = ("tender", "correction", "award", "failed", "cancelled", "contract", "other")
# the names deadlines carry in projects (JSON keys, alert lines), from crawler.extract.deadlines' kinds
DEADLINE_NAMES = {SUBMISSION: "投标截止", OPENING: "开标", DOCUMENTS: "获取文件截止"}
_KIND_RULES = (  # first match wins: a 中标结果更正公告 is a correction, a 废标公告 is no award
    ("correction", re.compile(r"更正|变更|澄清|补遗|延期|答疑|修改")),
    ("failed", re.compile(r"废标|流标|采购失败|招标失败|失败公告")),
    ("cancelled", re.compile(r"终止|取消")),
    ("contract", re.compile(r"合同")),
    ("award", re.compile(r"中标|成交|结果|中选|入围公告")),
    ("tender", re.compile(r"招标|采购公告|磋商|谈判|询价|比选|竞价|遴选|邀请|单一来源|公开采购|采购项目.*公告|招募")),
)
_NUMBER_PREFIX = re.compile(r"^(?:(?:采购|招标|政府采购|项目|采购计划|计划|委托)*(?:编号|编码|代码|号)\s*[:：]?\s*)+")
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "―": "-", "‐": "-", "_": "-"})
_NAME_TAIL = re.compile(
    r"(?:[(（][^()（）]*(?:包|标段|次|更正|变更|重新|二次)[^()（）]*[)）]"
    r"|第?[0-9一二三四五六七八九十]+(?:包组|包|标段|分包)|(?:包组|包|标段|分包)[0-9一二三四五六七八九十A-Z]+"
    r"|的?(?:公开招标|邀请招标|竞争性磋商|竞争性谈判|询价|单一来源|竞价|比选|电子卖场|网上竞价)"
    r"|(?:中标|成交|中选)?(?:\(成交\))?(?:结果|候选人)?(?:公告|公示)|更正|变更|澄清|补遗|延期|废标|流标|终止|取消"
    r"|中标|成交|结果|采购失败|招标|重新|二次|[-—:：\s])$")
_BUDGET_KEYS = ("预算金额", "最高限价")
_ORIGINAL_LABEL = re.compile(r"^(?:原公告的?)?(?:采购)?项目(编号|名称)\s*[:：]\s*(.+)$")
_BUDGET_LINE = re.compile(r"预算金额|采购预算|项目预算|最高限价|控制价|拦标价")


@dataclass(frozen=True)
class Notice:
    """One notice's reading. `deadlines` maps DEADLINE_NAMES values to aware ISO times (+08:00), or a bare
    ISO date for a deadline stated without a time of day."""

    kind: str
    number: str | None  # normalised 项目编号
    name: str  # the project's name as the notice writes it (项目名称, else the title)
    name_key: str  # the name normalised for linking
    buyer: str | None
    province: str | None
    city: str | None
    budget: float | None  # 元
    deadlines: dict[str, str] = field(default_factory=dict)
    awards: list[Award] = field(default_factory=list)
    published: str | None = None

    @property
    def key(self) -> str:
        """The project key: the normalised number, else a stable digest of buyer + name."""
        if self.number:
            return self.number
        digest = hashlib.sha256(f"{self.buyer or ''}\n{self.name_key}".encode()).hexdigest()[:12]
        return f"N-{digest}"

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["awards"] = [a.to_dict() for a in self.awards]
        data["key"] = self.key
        return data

    @property
    def region(self) -> str:
        return " ".join(part for part in (self.province, self.city) if part)


def notice_kind(title: str, body: str = "") -> str:
    """tender | correction | award | failed | cancelled | contract | other, from the title (the body's first
    line when the title says nothing: a bare `公告`)."""
    for text in (title or "", (body or "").split("\n", 1)[0][:60]):
        text = unicodedata.normalize("NFKC", text)
        for kind, pattern in _KIND_RULES:
            if pattern.search(text):
                return kind
    return "other"


def normalise_number(text: str | None) -> str | None:
    """项目编号 in one form: NFKC (full-width → half-width), no spaces, upper case, one dash, no label prefix."""
    if not text:
        return None
    value = unicodedata.normalize("NFKC", text).translate(_DASHES)
    value = "".join(value.split())
    value = _NUMBER_PREFIX.sub("", value)
    value = re.split(r"[，,；;。（(]", value, maxsplit=1)[0].strip(":：-").upper()
    return value if len(value) >= 4 and re.search(r"\d", value) else None


def normalise_name(text: str | None) -> str:
    """A project name with its notice words and lot suffixes taken off (…项目更正公告 → …项目), for linking."""
    value = "".join(unicodedata.normalize("NFKC", text or "").split())
    value = re.sub(r"^关于", "", value)
    while True:
        shorter = _NAME_TAIL.sub("", value)
        if shorter == value:
            return value.removesuffix("的")
        value = shorter


def may_be_notice(article: dict) -> bool:
    """A cheap first look: only a page whose fields or body name a 项目 can be a procurement notice."""
    fields = article.get("fields") or {}
    return bool(fields.get("项目编号") or fields.get("项目名称")) or "项目" in (article.get("body") or "")


def read_notice(article: dict, site_label: str | None = None,
                attachments: Callable[[], str] | None = None) -> Notice | None:
    """The notice reading of an article, or None when it is no procurement notice (no 项目编号 and no 项目名称).

    `attachments`: gives the text of its attachments, asked only once the page is known to be a notice (the text
    is large, most pages are none); deadlines and a budget the page itself does not state are read from it (a
    tender whose 开标时间 is only in the 招标文件).
    """
    title, body = article.get("title") or "", article.get("body") or ""
    fields = article.get("fields") or {}
    if not (fields.get("项目编号") and fields.get("项目名称") and fields.get("采购人")) and "项目" in body:
        fields = {**_body_facts(body), **fields}
    number = normalise_number(fields.get("项目编号"))
    name = (fields.get("项目名称") or "").strip()
    if not number and not name:
        return None
    kind = notice_kind(title, body)
    attachment_text = attachments() if attachments else ""
    buyer = (fields.get("采购人") or "").strip() or None
    region = region_of(fields.get("行政区域"), buyer)
    if region.city is None:  # the name and the site label only when the buyer and 行政区域 leave the city open
        region = region_of(fields.get("行政区域"), buyer, name or title, site_label)
    return Notice(
        kind=kind, number=number, name=name or normalise_name(title), name_key=normalise_name(name or title),
        buyer=_buyer_key(buyer), province=region.province, city=region.city,
        budget=notice_budget(article, kind, attachment_text),
        deadlines=_deadlines(article, kind, attachment_text),
        awards=awards(article) if kind in ("award", "contract") else [], published=article.get("published"))


def _body_facts(body: str) -> dict[str, str]:
    """Facts the extractor's fields miss: a correction's `原公告的采购项目编号：…` / `原公告的采购项目名称：…` lines,
    and the buyer named under `采购人信息` (`名 称：…`), as the ccgp notice templates write them."""
    found: dict[str, str] = {}
    lines = [unicodedata.normalize("NFKC", line).strip() for line in body.split("\n")]
    for i, line in enumerate(lines):
        match = _ORIGINAL_LABEL.match(line)
        if match and match.group(2).strip():
            found.setdefault("项目编号" if match.group(1) == "编号" else "项目名称", match.group(2).strip())
        if re.match(r"^(?:\d+[.、])?\s*(?:采购人|采购单位|釆购人)信息", line) and i + 1 < len(lines):
            buyer = re.match(r"^名\s*称\s*[:：]\s*(.+)$", lines[i + 1])
            if buyer:
                found.setdefault("采购人", buyer.group(1).strip())
    return found


def _buyer_key(buyer: str | None) -> str | None:
    return "".join(unicodedata.normalize("NFKC", buyer).split()) if buyer else None


def notice_budget(article: dict, kind: str | None = None, attachment_text: str = "") -> float | None:
    """The budget a notice states, in 元 — the one rule projects and subscriptions (crawler.track.routing) share:
    预算金额, else 最高限价 (either when the other is no amount), from the fields, else a body line, else the
    attachments' text. `kind`: the notice kind when already known (read from the title when not)."""
    fields, body = article.get("fields") or {}, article.get("body") or ""
    kind = kind or notice_kind(article.get("title") or "", body)
    return _budget(fields, body, kind) or _budget({}, attachment_text, kind)


def _budget(fields: dict, body: str, kind: str) -> float | None:
    """预算金额 (else 最高限价) in 元; a correction's is the last amount on its line (更正前 … 更正后)."""
    for key in _BUDGET_KEYS:
        value = fields.get(key)
        if value:
            found = _last_amount(value) if kind == "correction" else parse_amount(value, "元")
            if found is not None:
                return found
    for line in body.split("\n"):
        if _BUDGET_LINE.search(line[:20]):
            found = _last_amount(line) if kind == "correction" else parse_amount(_value_of(line), "元")
            if found is not None:
                return found
    return None


def _value_of(line: str) -> str:
    _, sep, value = unicodedata.normalize("NFKC", line).partition(":")
    return value if sep else line


def _last_amount(text: str) -> float | None:
    """The last amount a text states (由 120万元 变更为 100万元 → 1,000,000)."""
    found = amounts_in(text)
    return found[-1] if found else None


def _deadlines(article: dict, kind: str, attachment_text: str) -> dict[str, str]:
    if kind in ("award", "failed", "cancelled", "contract"):
        return {}
    if attachment_text:
        article = {**article, "body": f"{article.get('body') or ''}\n{attachment_text}"}
    if kind == "correction":
        stated = corrected_deadlines(article)
        return {DEADLINE_NAMES[k]: _iso(d) for k, d in stated.items()}
    return {DEADLINE_NAMES[d.kind]: _iso(d) for d in deadlines(article)}


def _iso(deadline) -> str:
    """ISO with +08:00, or the bare date when the notice named no time of day."""
    return deadline.at.date().isoformat() if deadline.all_day else deadline.at.isoformat()
