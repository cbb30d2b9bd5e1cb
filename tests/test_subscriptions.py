"""[[subscriptions]]: read once with named errors, and the routing rule (change → subscriptions → targets)
as a case table over realistic notices."""

from __future__ import annotations

import pytest

from crawler.config import ConfigError, load_config
from crawler.config_notify import CHANGE_KINDS, SubscriptionConfig
from crawler.extract.procurement import read_notice
from crawler.model import ChangeKind
from crawler.track.routing import notice_of, route

SITES = ('[[sites]]\nname = "ccgp"\nstart_urls = ["http://127.0.0.1:9/list/"]\nrecipients = ["ops@example.org"]\n'
         '[[sites]]\nname = "zjzfcg"\nlabel = "浙江政府采购网"\nstart_urls = ["http://127.0.0.1:9/zj/"]\n')
WECOM = ('[[channels]]\nname = "bids-wecom"\nkind = "wecom"\n'
         'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"\n')
LAB = '''[[subscriptions]]
name = "lab-zj"
recipients = ["wang@example.org"]
channels = ["bids-wecom"]
keywords = ["实验室", "理化生"]
exclude_keywords = ["废标"]
regions = ["浙江", "杭州市"]
budget_min = 500000
budget_max = 5000000
kinds = ["tender", "correction", "award"]
sites = ["ccgp", "zjzfcg"]
'''


def load(tmp_path, text: str):
    path = tmp_path / "eduwatch.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_the_issue_s_example_is_read(tmp_path):
    config = load(tmp_path, SITES + WECOM + LAB)
    (lab,) = config.subscriptions
    assert lab == SubscriptionConfig(
        name="lab-zj", recipients=("wang@example.org",), channels=("bids-wecom",), keywords=("实验室", "理化生"),
        exclude_keywords=("废标",), regions=("浙江", "杭州市"), budget_min=500000.0, budget_max=5000000.0,
        kinds=("tender", "correction", "award"), sites=("ccgp", "zjzfcg"))
    assert config.subscription("lab-zj") is lab
    assert (lab.notice_kinds, lab.change_kinds) == (("tender", "correction", "award"), ())


def test_change_kinds_are_the_recorded_vocabulary():
    assert set(CHANGE_KINDS) == {k.value for k in ChangeKind}


def test_an_unknown_subscription_name_lists_the_known_ones(tmp_path):
    config = load(tmp_path, SITES + WECOM + LAB)
    with pytest.raises(ConfigError, match=r"unknown subscription 'lab'.*lab-zj"):
        config.subscription("lab")


BAD = {
    "unknown_key": (LAB + 'budget = 3\n', "subscriptions[0].budget", "allowed here"),
    "no_name": (LAB.replace('name = "lab-zj"\n', ""), "subscriptions[0].name", "is required"),
    "bad_name": (LAB.replace('"lab-zj"', '"lab zj"'), "subscriptions[0].name", "letters, digits"),
    "duplicate": (LAB + LAB, "subscriptions[1].name", "duplicate subscription name"),
    "bad_address": (LAB.replace("wang@example.org", "王工"), "subscriptions[0].recipients", "email address"),
    "unknown_channel": (LAB.replace('["bids-wecom"]', '["nope"]'), "subscriptions[0].channels", "'nope'"),
    "unknown_site": (LAB.replace('"zjzfcg"]', '"zj"]'), "subscriptions[0].sites", "'zj'"),
    "unknown_kind": (LAB.replace('"award"]', '"awarded"]'), "subscriptions[0].kinds", "'awarded' is not a kind"),
    "unknown_region": (LAB.replace('"杭州市"]', '"杭洲"]'), "subscriptions[0].regions", "'杭洲' is not a province"),
    "not_a_place": (LAB.replace('"杭州市"]', '"浙江大学"]'), "subscriptions[0].regions", "'浙江大学' is not a province"),
    "county_region": (LAB.replace('"杭州市"]', '"义乌市"]'), "subscriptions[0].regions", "write '金华市'"),
    "budget_text": (LAB.replace("budget_min = 500000", 'budget_min = "50万"'), "subscriptions[0].budget_min", "number of 元"),
    "budget_negative": (LAB.replace("budget_min = 500000", "budget_min = -1"), "subscriptions[0].budget_min", "number of 元"),
    "budget_swapped": (LAB.replace("5000000", "400000"), "subscriptions[0].budget_max", "below budget_min"),
    "required_text": (LAB + 'budget_required = "yes"\n', "subscriptions[0].budget_required", "true or false"),
    "not_array": ('[subscriptions]\nname = "x"\n', "subscriptions", "[[subscriptions]]"),
    "keywords_string": (LAB.replace('["实验室", "理化生"]', '"实验室"'), "subscriptions[0].keywords", "list of strings"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_subscriptions_name_the_file_key_and_fix(tmp_path, case):
    text, key, fix = BAD[case]
    with pytest.raises(ConfigError) as error:
        load(tmp_path, SITES + WECOM + text)
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'eduwatch.toml'}: {key}: ") and fix in message and "\n" not in message


def _article(title, body="", **fields):
    return {"title": title, "body": body, "fields": fields}


LAB_TENDER = _article("杭州市某中学理化生实验室设备采购项目招标公告", "采购理化生实验室设备一批。",
                      采购人="杭州市某中学", 预算金额="1,200,000.00元")
SUBSCRIPTIONS = [
    SubscriptionConfig(name="lab-zj", recipients=("wang@example.org",), channels=("bids-wecom",),
                       keywords=("实验室", "理化生"), exclude_keywords=("废标",), regions=("浙江", "杭州市"),
                       budget_min=500000, budget_max=5000000, kinds=("tender", "correction", "award")),
    SubscriptionConfig(name="av-gd", recipients=("li@example.org",), keywords=("录播",), regions=("广东",)),
    SubscriptionConfig(name="big-only", recipients=("boss@example.org", "wang@example.org"), budget_min=3000000,
                       budget_required=True),
    SubscriptionConfig(name="edits", recipients=("zhao@example.org",), kinds=("changed", "removed")),
    SubscriptionConfig(name="paused", recipients=("off@example.org",), enabled=False),
    SubscriptionConfig(name="ccgp-health", recipients=("ops2@example.org",), kinds=("health",), sites=("ccgp",)),
]
CASES = {
    # a tender in 杭州 within budget, with the keyword: lab-zj; no budget floor of 3,000,000 reached
    "lab-tender": (LAB_TENDER, "new", {"wang@example.org": ["lab-zj"]}),
    # 万元 budget above 3,000,000: big-only too, and wang hears of it once, from both subscriptions
    "big-lab-tender": (_article("浙江大学实验室设备采购公告", 预算金额="350万元", 采购人="浙江大学"), "new",
                       {"wang@example.org": ["lab-zj", "big-only"], "boss@example.org": ["big-only"]}),
    # a city names its province: 宁波 is in 浙江
    "province-holds-city": (_article("宁波市实验室改造采购公告", 行政区域="宁波市", 预算金额="80万元"), "new",
                            {"wang@example.org": ["lab-zj"]}),
    "other-province": (_article("广州市实验室设备采购公告", 行政区域="广东省广州市", 预算金额="80万元"), "new", {}),
    "too-cheap": (_article("杭州市实验室耗材采购公告", 预算金额="12万元"), "new", {}),
    # no budget stated: matches unless a subscription requires one
    "no-budget": (_article("杭州市实验室设备采购公告"), "new", {"wang@example.org": ["lab-zj"]}),
    "excluded-word": (_article("杭州市实验室设备采购项目废标公告", 预算金额="80万元"), "new", {}),
    "notice-kind-not-wanted": (_article("杭州市实验室设备采购合同公告", 预算金额="80万元"), "new", {}),
    "correction-wanted": (_article("杭州市实验室设备采购项目更正公告", 预算金额="80万元"), "changed",
                          {"wang@example.org": ["lab-zj"], "zhao@example.org": ["edits"]}),
    "capitals-budget": (_article("广东省某校录播教室采购公告", 预算金额="壹佰贰拾万元整"), "new",
                        {"li@example.org": ["av-gd"]}),
    "removed": (_article("深圳市录播教室采购公告", 采购人="深圳市某学校"), "removed",
                {"li@example.org": ["av-gd"], "zhao@example.org": ["edits"]}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_route_sends_each_change_to_the_matching_subscriptions_once_per_target(case):
    article, kind, expected = CASES[case]
    notice = notice_of(article, site="zjzfcg", change_kind=kind, site_label="某采购网")
    audience = route(notice, None, SUBSCRIPTIONS)
    assert {r: why.subscriptions for r, why in audience.recipients.items()} == expected
    assert list(audience.channels) == (["bids-wecom"] if "wang@example.org" in expected
                                       and "lab-zj" in expected["wang@example.org"] else [])


def test_the_site_s_own_recipients_keep_their_keyword_filter_beside_subscriptions(tmp_path):
    config = load(tmp_path, SITES.replace('recipients = ["ops@example.org"]\n',
                                          'recipients = ["ops@example.org", "wang@example.org"]\n'
                                          'keywords = ["设备"]\n') + WECOM + LAB)
    notice = notice_of(LAB_TENDER, site="ccgp", change_kind="new", site_label="中国政府采购网")
    audience = route(notice, config.site("ccgp"), config.subscriptions)
    assert list(audience.recipients) == ["ops@example.org", "wang@example.org"]
    assert audience.recipients["ops@example.org"].subscriptions == []
    assert audience.recipients["wang@example.org"].subscriptions == ["lab-zj"]
    assert audience.recipients["wang@example.org"].keywords == ["设备", "实验室", "理化生"]
    off_topic = notice_of(_article("某校食堂餐具采购公告"), site="ccgp", change_kind="new")
    assert not route(off_topic, config.site("ccgp"), config.subscriptions).recipients


def test_a_health_change_reaches_only_subscriptions_that_name_health():
    notice = notice_of(None, site="ccgp", change_kind="health")
    audience = route(notice, None, SUBSCRIPTIONS)
    assert {r: why.subscriptions for r, why in audience.recipients.items()} == {"ops2@example.org": ["ccgp-health"]}


def test_region_comes_from_the_field_then_the_buyer_then_the_site_label():
    assert notice_of(_article("x", 行政区域="杭州市", 采购人="宁波大学"), site="s", change_kind="new").region \
        == ("浙江", "杭州市")
    assert notice_of(_article("x", 采购人="宁波大学"), site="s", change_kind="new").region == ("浙江", "宁波市")
    assert notice_of(_article("x"), site="s", change_kind="new", site_label="浙江政府采购网").region == ("浙江", None)
    assert notice_of(_article("宁波市某校采购公告"), site="s", change_kind="new", site_label="浙江政府采购网").region \
        == ("浙江", "宁波市")


def test_the_project_s_region_and_budget_stand_for_a_notice_that_states_none():
    award = _article("某某学校实验室设备采购项目中标结果公告", "中标供应商：某某科技有限公司")
    alone = notice_of(award, site="ccgp", change_kind="new")
    assert (alone.notice_kind, alone.region, alone.budget) == ("award", (None, None), None)
    project = {"province": "浙江", "city": "杭州市", "budget": 1200000.0}
    known = notice_of(award, site="ccgp", change_kind="new", project=project)
    assert (known.region, known.budget) == (("浙江", "杭州市"), 1200000.0)
    audience = route(known, None, SUBSCRIPTIONS)
    assert {r: why.subscriptions for r, why in audience.recipients.items()} == {"wang@example.org": ["lab-zj"]}


@pytest.mark.parametrize("fields, budget", [
    ({"预算金额": "80万元", "最高限价": "75万元"}, 800000.0),  # both stated: the budget, not the price cap
    ({"预算金额": "详见采购文件", "最高限价": "75万元"}, 750000.0),  # the budget field states no amount
    ({"最高限价": "750000"}, 750000.0),  # only a price cap; a bare number is 元
    ({"预算金额": "详见采购文件"}, None),
], ids=["both", "budget-not-an-amount", "cap-only", "none"])
def test_a_notice_s_budget_is_the_one_its_project_records(fields, budget):
    """Subscriptions filter on the budget the project builder reads (crawler.extract.procurement), no second rule."""
    tender = _article("杭州市某中学实验室设备采购项目招标公告", "采购实验室设备一批。", 项目名称="实验室设备采购项目",
                      **fields)
    assert notice_of(tender, site="s", change_kind="new").budget == read_notice(tender).budget == budget


@pytest.mark.parametrize("kinds, change_kind, title, wanted", [
    (("tender", "new"), "new", "某校实验室设备采购项目招标公告", True),
    (("tender", "new"), "changed", "某校实验室设备采购项目招标公告", False),  # an edit of a tender: not new
    (("tender", "new"), "new", "某校实验室设备采购项目中标结果公告", False),  # new, but no tender
    (("award", "failed"), "new", "某校实验室设备采购项目废标公告", True),
    (("removed",), "removed", "某校实验室设备采购项目招标公告", True),
    ((), "restored", "某校实验室设备采购项目招标公告", True),
])
def test_kinds_need_one_of_each_group_they_list(kinds, change_kind, title, wanted):
    subscription = SubscriptionConfig(name="s", recipients=("a@example.org",), kinds=kinds)
    notice = notice_of(_article(title), site="ccgp", change_kind=change_kind)
    assert bool(route(notice, None, [subscription]).recipients) is wanted
