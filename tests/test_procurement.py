"""The pure notice rules: kind, 项目编号 and name normalisation, budgets, deadlines and awards (case tables)."""

import json
from pathlib import Path

import pytest

from crawler.extract.awards import awards, lot_name
from crawler.extract.procurement import normalise_name, normalise_number, notice_kind, read_notice

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    "title, kind",
    [
        ("清镇市教育局2025年中小学智慧黑板采购项目公开招标公告", "tender"),
        ("浙江师范大学实验室安全监控系统竞争性磋商公告", "tender"),
        ("某中学录播教室询价公告", "tender"),
        ("清镇市教育局2025年中小学智慧黑板采购项目更正公告", "correction"),
        ("某项目澄清（补遗）公告", "correction"),
        ("某项目中标结果更正公告", "correction"),
        ("济南大学中心校区学生公寓改造提升项目施工中标（成交）公告", "award"),
        ("某项目成交结果公告", "award"),
        ("某项目废标公告", "failed"),
        ("某项目流标公告", "failed"),
        ("云南省某县教育体育局课桌椅采购项目终止公告", "cancelled"),
        ("某项目合同公告", "contract"),
        ("教育部关于2025年工作要点的通知", "other"),
    ],
)
def test_notice_kind_from_the_title(title, kind):
    assert notice_kind(title) == kind


@pytest.mark.parametrize(
    "text, number",
    [
        ("QZJY-2025-GK018", "QZJY-2025-GK018"),
        ("ＱＺＪＹ－２０２５－ＧＫ０１８", "QZJY-2025-GK018"),
        ("qzjy-2025-gk018 ", "QZJY-2025-GK018"),
        ("QZJY 2025 GK018", "QZJY2025GK018"),
        ("采购项目编号：QZJY—2025—GK018", "QZJY-2025-GK018"),
        ("招标编号: QZJY-2025-GK018（更正）", "QZJY-2025-GK018"),
        ("详见公告", None),
        ("", None),
    ],
)
def test_project_numbers_normalised(text, number):
    assert normalise_number(text) == number


@pytest.mark.parametrize(
    "title, name",
    [
        ("清镇市教育局2025年中小学智慧黑板采购项目更正公告", "清镇市教育局2025年中小学智慧黑板采购项目"),
        ("清镇市教育局2025年中小学智慧黑板采购项目公开招标公告", "清镇市教育局2025年中小学智慧黑板采购项目"),
        ("济南大学学生公寓改造项目施工中标（成交）公告", "济南大学学生公寓改造项目施工"),
        ("某学校实验室设备采购项目（包2）中标结果公告", "某学校实验室设备采购项目"),
        ("某学校实验室设备采购项目第一包成交公告", "某学校实验室设备采购项目"),
        ("关于某学校课桌椅采购项目的废标公告", "某学校课桌椅采购项目"),
        ("某学校课桌椅采购项目竞争性磋商更正公告（第二次）", "某学校课桌椅采购项目"),
    ],
)
def test_project_names_lose_notice_words_and_lots(title, name):
    assert normalise_name(title) == name


@pytest.mark.parametrize(
    "text, lot",
    [("第一包", "包1"), ("包2", "包2"), ("包组 3", "包3"), ("第十二包", "包12"), ("标段1", "标段1"),
     ("2标段", "标段2"), ("第二标段", "标段2"), ("供应商名称", None)],
)
def test_lot_names(text, lot):
    assert lot_name(text) == lot


def _amounts(found):
    return [(a.lot, a.supplier, a.amount) for a in found]


def test_a_two_lot_result_table_with_wan_and_capitals():
    body = "\n".join([
        "三、中标（成交）信息",
        "包号 中标供应商 供应商地址 中标金额",
        "1 杭州某某科技有限公司 杭州市西湖区 95.8万元",
        "2 宁波某某教育设备有限公司 宁波市鄞州区 叁拾肆万伍仟元",
        "四、主要标的信息",
    ])
    assert _amounts(awards({"body": body})) == [("包1", "杭州某某科技有限公司", 958000.0),
                                                ("包2", "宁波某某教育设备有限公司", 345000.0)]


def test_a_table_whose_header_names_the_unit():
    body = "标段 成交人 成交价（万元）\n标段1 某某建设集团有限公司 120.5\n标段2 某某装饰工程有限公司 88"
    assert _amounts(awards({"body": body})) == [("标段1", "某某建设集团有限公司", 1205000.0),
                                                ("标段2", "某某装饰工程有限公司", 880000.0)]


def test_labelled_lines_and_blocks_per_lot():
    inline = ("包1：中标供应商：甲科技有限公司，中标金额：1,234,500.00元\n"
              "包2：中标供应商：乙信息技术有限公司，中标金额：壹佰贰拾万元整")
    assert _amounts(awards({"body": inline})) == [("包1", "甲科技有限公司", 1234500.0),
                                                  ("包2", "乙信息技术有限公司", 1200000.0)]
    block = "第一包\n成交供应商：丙教育科技有限公司\n成交金额：人民币伍拾万元整\n第二包\n成交供应商：丁仪器有限公司\n成交金额：¥300,000.00"
    assert _amounts(awards({"body": block})) == [("包1", "丙教育科技有限公司", 500000.0),
                                                 ("包2", "丁仪器有限公司", 300000.0)]


def test_a_rate_is_kept_as_text_not_an_amount():
    found = awards({"body": "中标供应商：某某招标代理有限公司\n中标费率：0.55%"})
    assert [(a.supplier, a.amount, a.amount_text) for a in found] == [("某某招标代理有限公司", None, "中标费率:0.55%")]


def test_single_lot_from_the_fields():
    found = awards({"body": "", "fields": {"供应商": "某某公司", "中标金额": "￥10618.520389 万元（人民币）"}})
    assert _amounts(found) == [(None, "某某公司", 106185203.89)]


def _golden(name):
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def test_golden_notices_read_whole():
    tender = read_notice(_golden("ccgp/tender_qingzhen.json"))
    assert (tender.kind, tender.key, tender.budget) == ("tender", "QZJY-2025-GK018", 3860000.0)
    assert tender.deadlines["开标"] == "2025-07-18T09:30:00+08:00"
    correction = read_notice(_golden("ccgp/correction_qingzhen.json"))
    assert (correction.kind, correction.key) == ("correction", tender.key)
    assert correction.deadlines == {"开标": "2025-07-25T09:30:00+08:00"}
    award = read_notice(_golden("ccgp/award_jinan_univ.json"))
    assert (award.kind, award.province, award.city) == ("award", "山东", "济南市")
    assert _amounts(award.awards) == [(None, "山东建工集团有限公司", 106185203.89)]
    cancelled = read_notice(_golden("ccgp/legacy_termination_short.json"))
    assert cancelled.kind == "cancelled" and cancelled.key.startswith("N-") and cancelled.province == "云南"


def test_a_correction_budget_is_the_new_value_and_a_page_without_project_is_no_notice():
    correction = read_notice({"title": "某项目更正公告", "body": "更正项 更正前 更正后\n预算金额 120万元 100万元\n"
                              "投标截止时间 2024年6月5日9点30分 2024年6月12日9点30分",
                              "fields": {"项目编号": "A-2024-1"}, "published": "2024-05-30"})
    assert correction.budget == 1000000.0 and correction.deadlines == {"投标截止": "2024-06-12T09:30:00+08:00"}
    assert read_notice({"title": "教育部召开会议", "body": "会议指出", "fields": {}}) is None


def test_attachment_text_is_asked_for_only_once_a_page_reads_as_a_notice():
    """The recorder loads up to 200,000 characters of attachment text per page: only for notices."""
    asked = []

    def attachments():
        asked.append(True)
        return "开标时间：2024年6月12日9点30分"

    meeting = {"title": "教育部召开会议", "body": "会议指出，项目建设要抓好。", "fields": {}}
    assert read_notice(meeting, attachments=attachments) is None and asked == []
    tender = read_notice({"title": "某校实验室设备采购公告", "body": "", "fields": {"项目编号": "A-2024-1"}},
                         attachments=attachments)
    assert asked == [True] and tender.deadlines == {"开标": "2024-06-12T09:30:00+08:00"}


def test_a_lot_number_mixing_digits_and_numerals_names_no_lot_rather_than_crashing():
    """第1十包 matched the lot pattern and raised KeyError, losing the notice's reading."""
    assert lot_name("第1十包") is None
    assert lot_name("第十包") == "包10"
