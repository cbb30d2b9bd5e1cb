"""Bid deadlines read from the Chinese date-time forms procurement notices use, in Beijing time."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from crawler.extract.deadlines import (
    BEIJING,
    DOCUMENTS,
    OPENING,
    SUBMISSION,
    corrected_deadlines,
    deadlines,
    parse_deadline,
    parse_moment,
)

GOLDEN = Path(__file__).parent / "golden"


def _bj(*parts) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025年07月28日 09:30", _bj(2025, 7, 28, 9, 30)),
        ("2025-07-28 09:30:00（北京时间）", _bj(2025, 7, 28, 9, 30)),
        ("2025年7月28日上午9时30分", _bj(2025, 7, 28, 9, 30)),
        ("2025年7月28日9点30分", _bj(2025, 7, 28, 9, 30)),
        ("2025年7月28日下午2点半", _bj(2025, 7, 28, 14, 30)),
        ("２０２５年７月２８日　９：３０", _bj(2025, 7, 28, 9, 30)),
        ("2025年7月28日（星期一）上午9:30", _bj(2025, 7, 28, 9, 30)),
        ("2025/7/28 9:30", _bj(2025, 7, 28, 9, 30)),
        ("2025-07-28T09:30:00+08:00", _bj(2025, 7, 28, 9, 30)),
    ],
    ids=["padded", "iso-beijing", "shangwu-shi-fen", "dian-fen", "pm-half", "fullwidth", "weekday", "slashes",
         "iso-t"],
)
def test_usual_forms_give_beijing_times(text, expected):
    moment = parse_moment(text)
    assert moment.at == expected and moment.at.utcoffset().total_seconds() == 8 * 3600
    assert not moment.all_day


def test_a_range_sets_its_end_and_a_date_alone_is_all_day():
    moment = parse_deadline("2025年7月14日至2025年7月21日")
    assert (moment.at, moment.all_day) == (_bj(2025, 7, 21), True)
    moment = parse_deadline("2025年7月14日9:00至7月21日17:00（北京时间）")
    assert (moment.at, moment.all_day) == (_bj(2025, 7, 21, 17), False)


@pytest.mark.parametrize("text", ["联系电话：0851-82521234", "￥386.000000 万元", "2025年2月30日", "7.5", ""])
def test_no_date_where_there_is_none(text):
    assert parse_moment(text) is None


def test_a_date_without_year_takes_the_publication_year():
    found = deadlines({"published": "2024-03-01", "body": "投标截止时间：4月10日上午9时", "fields": {}})
    assert [(d.kind, d.at) for d in found] == [(SUBMISSION, _bj(2024, 4, 10, 9))]


def test_golden_tender_has_opening_and_submission():
    article = json.loads((GOLDEN / "ccgp" / "tender_qingzhen.json").read_text(encoding="utf-8"))
    found = {d.kind: d.at for d in deadlines(article)}
    assert found == {OPENING: _bj(2025, 7, 18, 9, 30), SUBMISSION: _bj(2025, 7, 18, 9, 30)}


def test_golden_correction_sets_the_new_opening_time():
    article = json.loads((GOLDEN / "ccgp" / "correction_qingzhen.json").read_text(encoding="utf-8"))
    assert corrected_deadlines(article)[OPENING].at == _bj(2025, 7, 25, 9, 30)


def test_documents_window_and_fields_win_over_body():
    article = {"fields": {"开标时间": "2025年8月1日 9:30"},
               "body": "获取招标文件时间：2025年7月14日至2025年7月21日\n开标时间：2025年9月9日 9:30"}
    found = {d.kind: (d.at, d.all_day) for d in deadlines(article)}
    assert found == {OPENING: (_bj(2025, 8, 1, 9, 30), False), DOCUMENTS: (_bj(2025, 7, 21), True)}
