"""Bid deadlines (开标, 投标截止, 获取招标文件) parsed from an article's fields and body into Beijing times."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

OPENING = "开标时间"
SUBMISSION = "截止时间"  # the fields' key for 投标截止时间 / 响应文件提交截止时间 / 递交投标文件截止时间
DOCUMENTS = "获取文件截止"  # the end of the window for obtaining the tender documents
KINDS = (OPENING, SUBMISSION, DOCUMENTS)
KIND_LABELS = {OPENING: "开标", SUBMISSION: "投标截止", DOCUMENTS: "获取招标文件截止"}

_DATE = r"(?:(\d{4})\s*[年./-]\s*)?(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*[日号]?"
_WEEKDAY = r"(?:\s*\(?\s*(?:星期|周|礼拜)[一二三四五六日天]\s*\)?)?"
_TIME = (r"(?:\s*T?\s*(上午|下午|中午|晚上|早上|凌晨)?\s*(\d{1,2})\s*(?:[:时点])\s*"
         r"(?:(\d{1,2}|半|整)\s*分?)?(?:\s*:\s*(\d{1,2})\s*秒?)?)?")
MOMENT = re.compile(_DATE + _WEEKDAY + _TIME)
_DIGIT = re.compile(r"\d")
_RANGE_WORDS = re.compile(r"至|到|～|~|—|起至")
_PM = {"下午", "晚上"}


@dataclass(frozen=True)
class Moment:
    """One date (and maybe time) found in a text; `all_day` when the text named no time of day."""

    at: datetime  # aware, Asia/Shanghai; midnight when all_day
    all_day: bool
    start: int  # character span in the normalised text
    end: int

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class Deadline:
    """A deadline of one kind stated by an announcement."""

    kind: str  # one of KINDS
    at: datetime  # aware, Asia/Shanghai
    all_day: bool
    text: str  # the wording it was read from

    def to_dict(self) -> dict:
        return {"kind": self.kind, "at": self.at.isoformat(), "all_day": self.all_day, "text": self.text}


def normalise(text: str) -> str:
    """Full-width digits, colons and brackets to ASCII (NFKC), so one pattern reads every form."""
    return unicodedata.normalize("NFKC", text or "")


def moments(text: str, default_year: int | None = None) -> list[Moment]:
    """Every valid date-time in text, in order; a date without a year takes the previous one's or default_year."""
    text = normalise(text)
    found: list[Moment] = []
    year = default_year
    for match in MOMENT.finditer(text):
        moment = _moment(match, year)
        if moment is not None:
            found.append(moment)
            year = moment.at.year
    return found


def _moment(match: re.Match, year: int | None) -> Moment | None:
    y, mo, d, half, h, mi, s = match.groups()
    if y is None and (year is None or not _has_day_mark(match.group(0))):
        return None  # "3.5" or "7-14" alone is no date
    try:
        day = date(int(y) if y else year, int(mo), int(d))
    except ValueError:
        return None
    if h is None:
        return Moment(datetime(day.year, day.month, day.day, tzinfo=BEIJING), True, match.start(), match.end())
    hour = int(h) + (12 if half in _PM and int(h) < 12 else 0)
    minute = 30 if mi == "半" else 0 if mi in (None, "整") else int(mi)
    if hour > 24 or minute > 59:
        return None
    at = datetime(day.year, day.month, day.day, tzinfo=BEIJING) + timedelta(
        hours=hour, minutes=minute, seconds=int(s or 0) if s and int(s) < 60 else 0)
    return Moment(at, False, match.start(), match.end())


def _has_day_mark(text: str) -> bool:
    return "月" in text


def parse_moment(text: str, default_year: int | None = None) -> Moment | None:
    """The first date-time in text (the usual forms: 2025年07月28日 09:30, 2025-07-28 09:30:00（北京时间）,
    2025年7月28日上午9时30分, 2025年7月28日9点30分, full-width digits …), or None."""
    found = moments(text, default_year)
    return found[0] if found else None


def parse_deadline(text: str, default_year: int | None = None) -> Moment | None:
    """The moment a deadline text sets: the end of a range (2025年7月14日至2025年7月21日), else the first."""
    found = moments(text, default_year)
    if not found:
        return None
    normal = normalise(text)
    for first, second in zip(found, found[1:], strict=False):
        if _RANGE_WORDS.search(normal[first.end:second.start]):
            return second
    return found[0]


def parse_corrected(text: str, default_year: int | None = None) -> Moment | None:
    """The moment a correction line sets: the last one (更正前 … 更正后, 由 … 变更为 …)."""
    found = moments(text, default_year)
    return found[-1] if found else None


_LABEL_KINDS = (
    (re.compile(r"开标"), OPENING),
    (re.compile(r"(?:投标|响应|递交|提交|报价|申请).*截止|截止.*(?:投标|响应|递交|提交)"), SUBMISSION),
    (re.compile(r"获取.*(?:招标|采购|磋商|谈判|询价)?文件"), DOCUMENTS),
)
_SENTENCE_KINDS = (
    (re.compile(r"(前|之前)\s*(?:递交|提交)\s*(?:投标|响应)文件"), SUBMISSION),
)


def kind_of(label: str) -> str | None:
    """Which deadline a label or line speaks of (开标 wins over 截止 when a line names both)."""
    label = normalise(label)
    for pattern, kind in _LABEL_KINDS:
        if pattern.search(label):
            return kind
    return None


def deadlines(article: dict) -> list[Deadline]:
    """An announcement's deadlines, one per kind: its fields first (开标时间, 截止时间), then body lines
    (获取招标文件 windows, "于…前递交投标文件" sentences) for kinds the fields lack."""
    year = _year(article)
    found: dict[str, Deadline] = {}
    for key, value in (article.get("fields") or {}).items():
        kind = key if key in (OPENING, SUBMISSION) else None
        moment = parse_deadline(value, year) if kind else None
        if moment and kind not in found:
            found[kind] = Deadline(kind, moment.at, moment.all_day, normalise(value))
    for text in _dated_lines(article.get("body") or ""):
        for kind, moment in _line_deadlines(text, year):
            if kind not in found:
                found[kind] = Deadline(kind, moment.at, moment.all_day, text.strip())
    return [found[k] for k in KINDS if k in found]


def corrected_deadlines(article: dict) -> dict[str, Deadline]:
    """The deadlines a 更正公告 sets: per kind, the last time on each line naming it, and its fields."""
    year = _year(article)
    found: dict[str, Deadline] = {}
    for key, value in (article.get("fields") or {}).items():
        moment = parse_corrected(value, year) if key in (OPENING, SUBMISSION) else None
        if moment:
            found[key] = Deadline(key, moment.at, moment.all_day, normalise(value))
    for text in _dated_lines(article.get("body") or ""):
        kind = kind_of(text[:40])
        moment = parse_corrected(text, year) if kind else None
        if moment and kind not in found:
            found[kind] = Deadline(kind, moment.at, moment.all_day, text.strip())
    return found


def _dated_lines(body: str) -> list[str]:
    """The body's lines, normalised, that hold a digit: a deadline needs a date. The body is normalised at once (no
    character's NFKC form holds a line break, and a line break composes with nothing), and the attachment text
    of a notice (a tender's 招标文件, hundreds of lines) mostly has no date on a line."""
    return [line for line in normalise(body).split("\n") if _DIGIT.search(line)]


def _line_deadlines(text: str, year: int | None) -> list[tuple[str, Moment]]:
    """The deadlines a normalised line states."""
    label, sep, rest = text.partition(":")
    kind = kind_of(label) if sep and len(label) <= 30 else None
    if kind:
        moment = parse_deadline(rest, year)
        return [(kind, moment)] if moment else []
    found = []
    for pattern, kind in _SENTENCE_KINDS:
        match = pattern.search(text)
        before = moments(text[:match.start()], year) if match else []
        if before:
            found.append((kind, before[-1]))
    return found


def _year(article: dict) -> int | None:
    """The publication year, for dates written without one (截止时间为4月10日)."""
    published = article.get("published") or ""
    return int(published[:4]) if published[:4].isdigit() else None
