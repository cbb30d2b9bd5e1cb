"""Regions from 行政区域 values, buyers' names and site labels: a city names its province."""

import pytest

from crawler.extract.regions import (
    Region,
    cities,
    is_county,
    is_place_name,
    places_in,
    provinces,
    region_of,
    within,
)


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["浙江省"], ("浙江", None)),
        (["浙江"], ("浙江", None)),
        (["杭州市"], ("浙江", "杭州市")),
        (["浙江省杭州市西湖区"], ("浙江", "杭州市")),
        (["浙江-杭州"], ("浙江", "杭州市")),
        (["广西壮族自治区"], ("广西", None)),
        (["广西师范大学"], ("广西", None)),
        (["南宁市第三中学"], ("广西", "南宁市")),
        (["北京市海淀区教育委员会"], ("北京", None)),
        (["内蒙古自治区呼和浩特市"], ("内蒙古", "呼和浩特市")),
        (["延边朝鲜族自治州教育局"], ("吉林", "延边朝鲜族自治州")),
        (["吉林市第一中学"], ("吉林", "吉林市")),
        (["吉林大学"], ("吉林", None)),
        (["海南藏族自治州"], ("青海", "海南藏族自治州")),
        (["海南省三亚市"], ("海南", "三亚市")),
        (["宁波大学"], ("浙江", "宁波市")),
        (["襄樊市第五中学"], ("湖北", "襄阳市")),
        (["阿克苏地区教育局"], ("新疆", "阿克苏地区")),
        (["锡林郭勒盟"], ("内蒙古", "锡林郭勒盟")),
        (["上海市延安中学"], ("上海", None)),
        (["北京路小学"], (None, None)),
        (["朝阳区教育委员会"], (None, None)),
        (["中国政府采购网"], (None, None)),
        (["某某大学实验室设备采购项目"], (None, None)),
        ([""], (None, None)),
        ([None, "温州医科大学"], ("浙江", "温州市")),
        (["", "某某学校", "浙江政府采购网"], ("浙江", None)),
        (["浙江省", "宁波市教育局"], ("浙江", "宁波市")),
        (["浙江省", "广州市教育局"], ("浙江", None)),
        (["成都市", "四川政府采购网"], ("四川", "成都市")),
        (["　杭州市　"], ("浙江", "杭州市")),
        # county-level names name their city and province
        (["义乌市教育局"], ("浙江", "金华市")),
        (["义乌中学"], ("浙江", "金华市")),
        (["余杭区教育局"], ("浙江", "杭州市")),
        (["昆山市第一中学"], ("江苏", "苏州市")),
        (["长兴县教育局"], ("浙江", "湖州市")),
        (["沙县第一中学"], ("福建", "三明市")),
        (["海淀区教育委员会"], ("北京", None)),
        (["西湖区教育局"], (None, None)),  # 西湖区 is in 杭州 and in 南昌: no guess
        (["杭州市西湖区教育局"], ("浙江", "杭州市")),
        (["公安局"], (None, None)),  # 公安县 gives no short name: 公安局 is no place
        (["各区和县教育局"], (None, None)),
    ],
    ids=lambda value: "|".join(map(str, value)) if isinstance(value, list) else None,
)
def test_region_of(texts, expected):
    assert region_of(*texts) == expected


def test_every_province_is_known_and_has_one_short_name():
    names = provinces()
    assert len(names) == 34 and len(set(names)) == 34
    assert {"浙江", "广西", "内蒙古", "新疆", "北京", "香港"} <= set(names)


def test_every_province_capital_names_its_province():
    capitals = {
        "石家庄市": "河北", "太原市": "山西", "呼和浩特市": "内蒙古", "沈阳市": "辽宁", "长春市": "吉林",
        "哈尔滨市": "黑龙江", "南京市": "江苏", "杭州市": "浙江", "合肥市": "安徽", "福州市": "福建",
        "南昌市": "江西", "济南市": "山东", "郑州市": "河南", "武汉市": "湖北", "长沙市": "湖南",
        "广州市": "广东", "南宁市": "广西", "海口市": "海南", "成都市": "四川", "贵阳市": "贵州",
        "昆明市": "云南", "拉萨市": "西藏", "西安市": "陕西", "兰州市": "甘肃", "西宁市": "青海",
        "银川市": "宁夏", "乌鲁木齐市": "新疆",
    }
    for city, province in capitals.items():
        assert region_of(city) == (province, city), city


def test_all_prefecture_level_divisions_are_there():
    known = cities()
    assert len(known) >= 333  # 293 cities, 7 地区, 30 自治州, 3 盟 (2023), and the ones a province runs itself
    assert {known[name] for name in known} == set(provinces()) - {"北京", "天津", "上海", "重庆", "台湾", "香港", "澳门"}
    for city, province in known.items():
        assert region_of(city) == (province, city), city
        assert all(place.city is None for place in [region_of(province)]), province


def test_places_in_reads_left_to_right():
    assert places_in("浙江省宁波市") == [Region("浙江", None), Region("浙江", "宁波市")]


@pytest.mark.parametrize(
    "region, wanted, inside",
    [
        (Region("浙江", "杭州市"), Region("浙江", None), True),
        (Region("浙江", "杭州市"), Region("浙江", "杭州市"), True),
        (Region("浙江", None), Region("浙江", "杭州市"), False),
        (Region("浙江", "宁波市"), Region("浙江", "杭州市"), False),
        (Region("江苏", None), Region("浙江", None), False),
        (Region(None, None), Region("浙江", None), False),
    ],
)
def test_within(region, wanted, inside):
    assert within(region, wanted) is inside


def test_county_level_names_are_told_from_regions():
    assert is_county("义乌市") and is_county("余杭区") and is_county("长兴县") and is_county("义乌")
    assert not any(is_county(name) for name in ("杭州市", "浙江", "浙江省", "延边朝鲜族自治州", "杭州"))


def test_a_place_name_is_nothing_but_places():
    assert all(map(is_place_name, ["浙江", "浙江省", "杭州", "杭州市", "浙江省杭州市", "浙江 杭州市", "广西壮族自治区"]))
    assert not any(map(is_place_name, ["浙江大学", "杭洲", "", "北京路", "某某学校"]))
