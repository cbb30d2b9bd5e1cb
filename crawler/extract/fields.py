"""Procurement facts (项目编号, 预算金额, 开标时间 ...) from label/value cells and "标签：值" lines."""

from __future__ import annotations

import re

from lxml import etree

from .text import norm, squash, text_content

CANONICAL = (
    "项目编号", "项目名称", "采购人", "采购方式", "预算金额", "最高限价", "开标时间", "截止时间",
    "公告时间", "代理机构", "中标金额", "供应商", "联系人", "联系电话", "行政区域",
)
_ALIASES = {
    "采购单位": "采购人", "采购人名称": "采购人", "采购单位名称": "采购人", "招标人": "采购人",
    "采购项目名称": "项目名称", "项目名": "项目名称", "采购项目编号": "项目编号", "招标编号": "项目编号",
    "代理机构名称": "代理机构", "采购代理机构": "代理机构", "采购代理机构名称": "代理机构", "招标代理机构": "代理机构",
    "总中标金额": "中标金额", "成交金额": "中标金额", "中标（成交）金额": "中标金额", "总成交金额": "中标金额",
    "中标供应商": "供应商", "成交供应商": "供应商", "中标供应商名称": "供应商", "中标人": "供应商",
    "成交供应商名称": "供应商", "中标（成交）供应商": "供应商",
    "投标截止时间": "截止时间", "响应文件提交截止时间": "截止时间", "提交投标文件截止时间": "截止时间",
    "投标文件递交截止时间": "截止时间", "开标日期": "开标时间", "预算金额（元）": "预算金额",
    "预算金额(元)": "预算金额", "项目预算": "预算金额", "采购预算": "预算金额", "最高限价（元）": "最高限价",
    "最高限价(元)": "最高限价", "项目联系人": "联系人", "项目联系电话": "联系电话", "发布时间": "公告时间",
    "行政区划": "行政区域",
}
_LABEL_LINE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．])?\s*([^：:]{2,16}?)\s*[：:]\s*(.+)$")
_ANCHOR = {"项目编号", "项目名称", "采购人", "预算金额", "中标金额", "采购方式", "供应商"}


def canonical_key(label: str) -> str | None:
    """The stable key for a label as a site writes it, or None when it is not a tracked fact."""
    label = squash(label).rstrip("：:")
    if label in CANONICAL:
        return label
    return _ALIASES.get(label)


def _put(fields: dict[str, str], label: str, value: str) -> None:
    key = canonical_key(label)
    value = norm(value)
    if key and value and key not in fields:
        fields[key] = value


def table_fields(root: etree._Element) -> dict[str, str]:
    """Label/value pairs from summary tables: label cell, value cell (ccgp 公告概要, 2- or 4-cell rows).

    A value that is itself a label means a horizontal table's header row: body, not fields.
    """
    fields: dict[str, str] = {}
    for row in root.iter("tr"):
        cells = [c for c in row if c.tag in ("td", "th")]
        if len(cells) not in (2, 4):
            continue
        for label_cell, value_cell in zip(cells[::2], cells[1::2], strict=True):
            value = text_content(value_cell)
            if value_cell.tag == "td" and canonical_key(value) is None:
                _put(fields, text_content(label_cell), value)
    return fields


def line_fields(lines: list[str]) -> dict[str, str]:
    """Pairs from "一、项目编号：SDGP…" style lines of the body."""
    fields: dict[str, str] = {}
    for line in lines:
        match = _LABEL_LINE.match(line)
        if match:
            _put(fields, match.group(1), match.group(2))
    return fields


def extract_fields(root: etree._Element, body_lines: list[str]) -> dict[str, str]:
    """Summary-table facts first, body lines fill gaps; pages that name no project get none."""
    fields = table_fields(root)
    for key, value in line_fields(body_lines).items():
        fields.setdefault(key, value)
    if not _ANCHOR & fields.keys():
        return {}
    return fields
