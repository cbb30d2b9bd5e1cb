"""Awards read from result notices (中标/成交公告): each lot, its supplier(s) and amount.

Multi-lot results and result TABLES are the common case: a table row arrives as one body line, its cells
joined by one space (crawler.extract.text), after a header line naming the columns. Lines such as
`包1：中标供应商：某某公司，中标金额：120万元` and blocks (`第一包` / `中标供应商：…` / `中标金额：…`) are read
too; the notice's own fields (供应商, 中标金额) are the last resort, as one unnamed lot.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .amounts import read_amount, unit_of

_LOT = re.compile(
    r"(?:第\s*([0-9一二三四五六七八九十]+)\s*(?:包组|包|标段|分包|标包|子包))"
    r"|(?:(?:包组|包号|分包|标包|标段|子包|包)\s*[号:：]?\s*([0-9一二三四五六七八九十]+|[A-Z])(?![0-9]))"
    r"|(?:([0-9一二三四五六七八九十]+)\s*(?:标段|号包))")
_CN_NUMBERS = {c: i for i, c in enumerate("零一二三四五六七八九十")}
_SUPPLIER_LABEL = re.compile(
    r"(?:中标|成交|中选)?(?:\(成交\))?(?:供应商|人|单位|候选人)(?:名称)?\s*[:：]\s*([^，,；;。:：]+)")
_AMOUNT_LABEL = re.compile(
    r"(?:中标|成交|中选)?(?:\(成交\))?(?:金额|价格|报价|总价|价款|费率|下浮率|折扣率)[^:：，,；;]{0,8}[:：]\s*([^；;]+)")
_COMPANY = re.compile(r"(?:公司|集团|厂|研究院|研究所|设计院|中心|事务所|商行|经营部|门市部|合作社|大学|学院|医院|店)$")
_HEAD_SUPPLIER = re.compile(r"供应商|中标人|成交人|中标单位|成交单位|中选人|单位名称")
_HEAD_AMOUNT = re.compile(r"金额|价|费率|下浮")
_HEAD_LOT = re.compile(r"^(?:包号|包组|标段|分包|标包|包|序号|标项)")


@dataclass(frozen=True)
class Award:
    """One lot's winner: `amount` in 元, or None with `amount_text` kept (a rate, 详见附件)."""

    lot: str | None  # "包1", "标段2" … or None when the notice has one lot
    supplier: str
    amount: float | None
    amount_text: str

    def to_dict(self) -> dict:
        return {"lot": self.lot, "supplier": self.supplier, "amount": self.amount, "amount_text": self.amount_text}


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def lot_name(text: str) -> str | None:
    """The lot a text names, in one form: 第二包 / 包2 / 包组 2 / 2标段 → 包2; 标段1 → 标段1."""
    match = _LOT.search(normalise(text))
    if not match:
        return None
    number = next(g for g in match.groups() if g)
    word = "标段" if "标段" in match.group(0) else "包"
    try:
        return f"{word}{_arabic(number)}"
    except KeyError:  # digits and numerals mixed (第1十包): no lot number a reader could name
        return None


def _arabic(number: str) -> str:
    if number.isdigit() or len(number) == 1 and number.isascii():
        return str(int(number)) if number.isdigit() else number
    if number == "十":
        return "10"
    if number.startswith("十"):
        return str(10 + _CN_NUMBERS[number[1]])
    if number.endswith("十"):
        return str(_CN_NUMBERS[number[0]] * 10)
    if "十" in number:
        tens, ones = number.split("十")
        return str(_CN_NUMBERS[tens] * 10 + _CN_NUMBERS[ones])
    return str(_CN_NUMBERS.get(number, 0))


def awards(article: dict) -> list[Award]:
    """The lots a result notice awards, in the notice's order (tables, then labelled lines, then fields)."""
    lines = [normalise(line) for line in (article.get("body") or "").split("\n")]
    found = _table_awards(lines) or _line_awards(lines)
    return found or _field_awards(article.get("fields") or {})


def _table_awards(lines: list[str]) -> list[Award]:
    found: list[Award] = []
    header: list[str] | None = None
    for line in lines:
        cells = line.split(" ")
        if _is_header(cells):
            header = cells
            continue
        if header is None:
            continue
        award = _row_award(header, cells)
        if award is None:
            header = None if found and not lot_name(line) else header
            continue
        found.append(award)
    return _dedupe(found)


def _is_header(cells: list[str]) -> bool:
    return (len(cells) >= 2 and any(_HEAD_SUPPLIER.search(c) for c in cells)
            and any(_HEAD_AMOUNT.search(c) for c in cells) and not any(_COMPANY.search(c) for c in cells))


def _row_award(header: list[str], cells: list[str]) -> Award | None:
    """A row under a result header: by column when the cell counts agree, else by what each cell looks like."""
    supplier = amount_cell = lot = None
    unit = None
    if len(cells) == len(header):
        for head, cell in zip(header, cells, strict=True):
            if _HEAD_SUPPLIER.search(head) and supplier is None:
                supplier = cell
            elif _HEAD_AMOUNT.search(head) and amount_cell is None:
                amount_cell, unit = cell, unit_of(head)
            elif _HEAD_LOT.search(head) and lot is None:
                lot = lot_name(cell) or (f"包{cell}" if cell.isdigit() and "标段" not in head else
                                         f"标段{cell}" if cell.isdigit() else None)
    else:
        supplier = next((c for c in cells if _COMPANY.search(c)), None)
        amount_head = next((h for h in header if _HEAD_AMOUNT.search(h)), "")
        unit = unit_of(amount_head)
        amount_cell = next((c for c in reversed(cells) if read_amount(c, unit).yuan is not None
                            or read_amount(c).is_rate), None)
        lot = lot_name(cells[0]) if cells else None
    if not supplier or not _COMPANY.search(supplier) and len(supplier) < 4:
        return None
    reading = read_amount(amount_cell or "", unit)
    return Award(lot, supplier, reading.yuan, reading.text)


def _line_awards(lines: list[str]) -> list[Award]:
    """包1：中标供应商：X公司，中标金额：120万元 — or the same spread over a lot's lines."""
    found: list[Award] = []
    lot = supplier = amount = None
    for line in lines:
        named = lot_name(line[:12])
        if named and named != lot:
            if supplier:
                found.append(_award(lot, supplier, amount))
            lot, supplier, amount = named, None, None
        for match in _SUPPLIER_LABEL.finditer(line):
            value = match.group(1).strip()
            if _COMPANY.search(value) or len(value) >= 4:
                if supplier and amount is not None:
                    found.append(_award(lot, supplier, amount))
                    amount = None
                supplier = value
        match = _AMOUNT_LABEL.search(line)
        if match and supplier:
            amount = match.group(0)
    if supplier:
        found.append(_award(lot, supplier, amount))
    return _dedupe(found)


def _award(lot: str | None, supplier: str, amount_text: str | None) -> Award:
    reading = read_amount(_after_label(amount_text or ""))
    return Award(lot, supplier, reading.yuan, reading.text)


def _after_label(text: str) -> str:
    label, sep, value = text.partition("：") if "：" in text else text.partition(":")
    return value if sep and not re.search(r"费率|下浮|折扣", label) else text


def _field_awards(fields: dict) -> list[Award]:
    supplier = (fields.get("供应商") or "").strip()
    if not supplier:
        return []
    reading = read_amount(fields.get("中标金额") or "", "元")
    return [Award(None, supplier, reading.yuan, reading.text)]


def _dedupe(found: list[Award]) -> list[Award]:
    seen, kept = set(), []
    for award in found:
        key = (award.lot, award.supplier)
        if key not in seen:
            seen.add(key)
            kept.append(award)
    return kept
