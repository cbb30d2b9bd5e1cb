"""Money amounts as notices write them (元, 万元, 亿元, ¥, commas, 壹佰贰拾万元整) read into 元.

Budgets, ceilings and award prices are compared and filtered as numbers (subscriptions' budget range,
projects' budget, awards), so every written form must land on the same value. A rate (费率 0.5%,
下浮率 5%) is not an amount: it reads as None and callers keep its text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

UNITS = {"元": Decimal(1), "圆": Decimal(1), "万元": Decimal(10_000), "万": Decimal(10_000),
         "亿元": Decimal(100_000_000), "亿": Decimal(100_000_000), "千元": Decimal(1000)}
_CENT = Decimal("0.01")
_PREFIX = r"(?:[¥$]|人民币|RMB|CNY)"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A number counts as an amount when a currency sign stands before it or a unit follows it; 万/亿 without 元
# only when no other word follows (120万 is money, 3万平方米 is not).
_ARABIC = re.compile(
    rf"(?P<prefix>{_PREFIX})?\s*(?P<number>{_NUMBER})\s*"
    r"(?:[(（]\s*(?=(?:千元|万元|亿元|元)\s*[)）]))?"  # a unit in brackets: 569800.00(元), 63.86（万元）
    r"(?P<unit>千元|万元|亿元|元|圆|[万亿](?![\u4e00-\u9fff]))?")
_CAPITAL_DIGITS = {"零": 0, "〇": 0, "壹": 1, "一": 1, "贰": 2, "貳": 2, "二": 2, "两": 2, "叁": 3, "參": 3,
                   "三": 3, "肆": 4, "四": 4, "伍": 5, "五": 5, "陆": 6, "陸": 6, "六": 6, "柒": 7, "七": 7,
                   "捌": 8, "八": 8, "玖": 9, "九": 9}
_CAPITAL_SMALL = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CAPITAL_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CAPITAL_CHARS = "".join([*_CAPITAL_DIGITS, *_CAPITAL_SMALL, *_CAPITAL_BIG])
_CAPITAL = re.compile(
    rf"(?P<yuan>[{_CAPITAL_CHARS}]+)?(?:元|圆)(?P<jiao>[{_CAPITAL_CHARS}]角)?(?P<fen>[{_CAPITAL_CHARS}]分)?"
    rf"|(?P<jiao_only>[{_CAPITAL_CHARS}]角)(?P<fen2>[{_CAPITAL_CHARS}]分)?")
_RATE = re.compile(r"[%‰]|费率|折扣|下浮|折$|优惠率|百分之")
_DIGIT_COMMA = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")
_RATE_WORD = re.compile(r"费率|折扣率|下浮率|优惠率")
_YUAN_AMOUNT = re.compile(r"\d\s*(?:万元|元|亿元)")


@dataclass(frozen=True)
class Amount:
    """One amount read from a text: `yuan` the value in 元 (None when the text states a rate or no amount)."""

    yuan: float | None
    text: str

    @property
    def is_rate(self) -> bool:
        return self.yuan is None and bool(_RATE.search(normalise(self.text)))


def normalise(text: str) -> str:
    """Full-width digits, dots and ￥ to ASCII (NFKC); the full-width comma stays, as it separates clauses
    (共3个包，100万元 is not 3,100万元) unless it stands between digits (１，２３４，５００)."""
    text = unicodedata.normalize("NFKC", (text or "").replace("，", "\ue000")).replace("\ue000", "，")
    return _DIGIT_COMMA.sub(",", text)


def parse_amount(text: str, unit: str | None = None) -> float | None:
    """The first amount in text, in 元, or None (a rate, 详见附件, a number without a unit).

    `unit` is the unit a label or table header states (预算金额（万元）: 95.8): a bare number then counts.
    """
    return read_amount(text, unit).yuan


def read_amount(text: str, unit: str | None = None) -> Amount:
    """The first amount in text with the text it came from (see parse_amount)."""
    original = text or ""
    text = normalise(original)
    if _only_rate(text):
        return Amount(None, original.strip())
    found = [a for a in (_first_arabic(text, unit), _first_capital(text)) if a is not None]
    if not found:
        return Amount(None, original.strip())
    _, value = min(found, key=lambda f: f[0])
    return Amount(_yuan(value), original.strip())


def amounts_in(text: str, unit: str | None = None) -> list[float]:
    """Every amount in text, in order (a correction's 由 120万元 变更为 100万元 → [1200000.0, 1000000.0])."""
    text = normalise(text)
    if _only_rate(text):
        return []
    found = [*_arabic_all(text, unit), *_capital_all(text)]
    return [_yuan(value) for _, value in sorted(found, key=lambda f: f[0])]


def _only_rate(text: str) -> bool:
    """A normalised text that names a rate (费率, 下浮率 …) and states no amount in 元/万元/亿元."""
    return bool(_RATE_WORD.search(text)) and not _YUAN_AMOUNT.search(text)


def unit_of(label: str) -> str | None:
    """The unit a label or column header names: 中标金额（万元） → 万元, 报价(元) → 元."""
    match = re.search(r"(千元|万元|亿元|元)", normalise(label))
    return match.group(1) if match else None


def format_yuan(value: float | None) -> str:
    """An amount in display form: ¥1,234,500.00 (empty for None)."""
    return "" if value is None else f"¥{value:,.2f}"


def _first_arabic(text: str, unit: str | None) -> tuple[int, Decimal] | None:
    return next(_arabic_all(text, unit), None)


def _first_capital(text: str) -> tuple[int, Decimal] | None:
    return next(_capital_all(text), None)


def _arabic_all(text: str, unit: str | None) -> Iterator[tuple[int, Decimal]]:
    for match in _ARABIC.finditer(text):
        after = text[match.end():match.end() + 1]
        if after == "%" or after == "‰":
            continue
        number = _decimal(match["number"])
        if number is None:
            continue
        if match["unit"]:
            yield match.start(), number * UNITS[match["unit"]]
        elif match["prefix"]:
            yield match.start(), number
        elif unit and _only_number(text, match):
            yield match.start(), number * UNITS.get(unit, Decimal(1))


def _only_number(text: str, match: re.Match) -> bool:
    """A bare number counts only when it is the whole value (a cell or field holding 1350000.00)."""
    rest = (text[:match.start()] + text[match.end():]).strip(" ()（）:：")
    return not rest or not re.search(r"\d", rest) and len(rest) <= 6


def _capital_all(text: str) -> Iterator[tuple[int, Decimal]]:
    for match in _CAPITAL.finditer(text):
        yuan = match["yuan"]
        if yuan and not any(c in _CAPITAL_DIGITS for c in yuan):
            continue  # 万元 after an Arabic number
        jiao, fen = match["jiao"] or match["jiao_only"], match["fen"] or match["fen2"]
        if not yuan and not jiao:
            continue
        value = Decimal(_capital_integer(yuan)) if yuan else Decimal(0)
        if jiao:
            value += Decimal(_CAPITAL_DIGITS.get(jiao[0], 0)) / 10
        if fen:
            value += Decimal(_CAPITAL_DIGITS.get(fen[0], 0)) / 100
        yield match.start(), value


def _capital_integer(text: str) -> int:
    """壹佰贰拾万 → 1200000; 叁拾肆万伍仟 → 345000; 壹亿零伍拾万 → 100500000; 十二 → 12."""
    total, section, digit = 0, 0, None
    for char in text:
        if char in _CAPITAL_DIGITS:
            digit = _CAPITAL_DIGITS[char]
        elif char in _CAPITAL_SMALL:
            section += (1 if digit is None else digit) * _CAPITAL_SMALL[char]
            digit = None
        else:
            big = _CAPITAL_BIG[char]
            section += digit or 0
            digit = None
            if big == 100_000_000:
                total = (total + section) * big
            else:
                total += section * big
            section = 0
    return total + section + (digit or 0)


def _decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None


def _yuan(value: Decimal) -> float:
    return float(value.quantize(_CENT))
