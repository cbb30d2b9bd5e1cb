"""Amounts as procurement notices write them, read into 元 (a case table), and rates kept apart."""

import pytest

from crawler.extract.amounts import format_yuan, parse_amount, read_amount, unit_of


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("1,234,500.00元", None, 1234500.0),
        ("1234500元", None, 1234500.0),
        ("¥1,234,500.00", None, 1234500.0),
        ("￥１，２３４，５００．００", None, 1234500.0),
        ("人民币 350000.00 元", None, 350000.0),
        ("120万元", None, 1200000.0),
        ("95.8万元", None, 958000.0),
        ("￥386.000000 万元", None, 3860000.0),
        ("1.2亿元", None, 120000000.0),
        ("5千元", None, 5000.0),
        ("120万", None, 1200000.0),
        ("壹佰贰拾万元整", None, 1200000.0),
        ("叁拾肆万伍仟元", None, 345000.0),
        ("人民币壹拾万零伍佰元整", None, 100500.0),
        ("伍万叁仟贰佰元伍角陆分", None, 53200.56),
        ("壹亿零伍拾万元", None, 100500000.0),
        ("大写：贰佰叁拾肆万伍仟陆佰柒拾捌元玖角", None, 2345678.9),
        ("1,234,500.00元（大写：壹佰贰拾叁万肆仟伍佰元整）", None, 1234500.0),
        ("中标金额：壹佰贰拾叁万肆仟伍佰元整（¥1,234,500.00）", None, 1234500.0),
        ("1350000.00", "元", 1350000.0),
        ("95.8", "万元", 958000.0),
        ("共3个包，100万元", None, 1000000.0),
        ("总价形式报价:569800.00(元)", None, 569800.0),
        ("63.8600000（万元）", None, 638600.0),
        ("最终报价:699700(元)", None, 699700.0),
    ],
)
def test_written_forms_read_as_yuan(text, unit, expected):
    assert parse_amount(text, unit) == expected


@pytest.mark.parametrize(
    "text",
    ["费率：0.5%", "下浮率5%", "0.8%", "按国家收费标准的85%", "详见附件", "1350000.00", "项目编号 2024-123",
     "2024年6月5日", "3万平方米", "第一包", ""],
)
def test_rates_and_numbers_without_a_unit_are_no_amount(text):
    assert parse_amount(text) is None


def test_a_rate_keeps_its_text():
    reading = read_amount(" 费率：0.55% ")
    assert reading.yuan is None and reading.is_rate and reading.text == "费率：0.55%"
    assert not read_amount("详见附件").is_rate


def test_units_named_by_labels_and_display_form():
    assert unit_of("中标金额（万元）") == "万元" and unit_of("报价(元)") == "元" and unit_of("供应商") is None
    assert format_yuan(1234500.0) == "¥1,234,500.00" and format_yuan(None) == ""
