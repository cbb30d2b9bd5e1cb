"""Chat channel messages without a network: every kind's contract, splitting within limits, signatures,
and how answers are judged (a 200 with a non-zero code is never a success)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.notify.channels import KINDS, Channel, ChatChange, ChatDigest, messages_for
from crawler.notify.channels.base import (
    Answer,
    ChannelKind,
    PermanentChannelError,
    RetryableChannelError,
    utf8_len,
)

SECRET = "SECa1b2c3d4e5f6"


def change(i: int, *, title: str = "", summary: str = "预算金额: 2,030,000.00元 → 1,350,000.00元") -> ChatChange:
    url = f"http://www.ccgp.gov.cn/cggg/t2026112{i:04d}.htm"
    return ChatChange(
        kind="changed", label="更新", title=title or f"第{i}号 某某大学实验室设备采购项目更正公告", summary=summary,
        link=f"http://eduwatch.local:8080/diff?url={url}&from=1&to=2", url=url, site="ccgp",
        detected_at="2026-11-29 19:20", history=f"http://eduwatch.local:8080/page?url={url}",
        record={"url": url, "kind": "changed", "title": title, "diff": "- 旧\n+ 新"})


def digest(changes: list[ChatChange]) -> ChatDigest:
    return ChatDigest(site="ccgp", site_label="中国政府采购网", run_id=7, at="2026-11-29 19:20", changes=tuple(changes))


def channel(kind: str, secret: str | None = SECRET) -> Channel:
    return Channel(name=f"bids-{kind}", kind=kind, url=f"http://127.0.0.1:9/{kind}?key=k", secret=secret,
                   secret_env="EDUWATCH_TEST_SECRET" if secret else "")


def texts(kind: str, payload: dict) -> str:
    """Everything a reader sees in one payload, as one string."""
    return json.dumps(payload, ensure_ascii=False)


# --- the registry -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_keeps_the_contract(name):
    kind = KINDS[name]
    assert kind.kind == name
    assert inspect.getdoc(type(kind)) and inspect.getmodule(type(kind)).__doc__, "kind and module need docstrings"
    assert isinstance(kind.limit, int) and kind.limit > 0
    for method in ("payload", "judge"):
        assert getattr(type(kind), method) is not getattr(ChannelKind, method), f"{name} lacks its own {method}"
    one = kind.messages(digest([change(1)]))
    assert len(one) == 1 and kind.measure(one[0]) <= kind.limit
    signed = kind.build(channel(name), one[0], now=1_764_415_200)
    unsigned = kind.build(channel(name, secret=None), one[0], now=1_764_415_200)
    assert (signed != unsigned) == kind.signs, "a kind that signs changes the request; one that does not, does not"


def test_a_channel_never_shows_its_secret():
    assert SECRET not in repr(channel("dingtalk"))


# --- message content --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(KINDS))
def test_one_message_carries_label_title_summary_and_links(name):
    [payload] = messages_for(name, digest([change(1), change(2)]))
    shown = texts(name, payload)
    for i in (1, 2):
        if name == "webhook":
            assert change(i).url in shown
            continue
        assert f"第{i}号 某某大学实验室设备采购项目更正公告" in shown
        assert change(i).link in shown and change(i).history in shown and change(i).url in shown
    if name != "webhook":
        assert "【更新】" in shown and "预算金额: 2,030,000.00元 → 1,350,000.00元" in shown
        assert "2026-11-29 19:20" in shown and "中国政府采购网" in shown


def test_page_text_cannot_break_the_markdown():
    [payload] = messages_for("wecom", digest([change(1, title="[点此](http://evil) **粗**\n### 标题")]))
    content = payload["markdown"]["content"]
    assert "](http://evil)" not in content and "\n### 标题" not in content


def test_dingtalk_markdown_has_a_title():
    [payload] = messages_for("dingtalk", digest([change(1)]))
    assert payload["msgtype"] == "markdown" and "中国政府采购网" in payload["markdown"]["title"]


def test_webhook_posts_site_run_and_changes():
    [payload] = messages_for("webhook", digest([change(1)]))
    assert payload["site"] == "ccgp" and payload["run"] == 7 and payload["changes"] == [change(1).record]


# --- splitting --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_long_digest_splits_between_changes_within_the_limit(name):
    kind = KINDS[name]
    count = {"wecom": 60, "dingtalk": 200, "feishu": 200, "webhook": 400}[name]
    changes = [change(i, summary="首次变更的句子：" + "预算金额调整" * 8) for i in range(count)]
    if name == "webhook":  # its messages carry the diffs
        changes = [replace(c, record={**c.record, "diff": "- 旧句子\n+ 新句子" * 200}) for c in changes]
    payloads = messages_for(name, digest(changes))
    assert len(payloads) > 1
    assert all(kind.measure(p) <= kind.limit for p in payloads)
    shown = [texts(name, p) for p in payloads]
    for i in range(count):  # every change in exactly one part, in order
        holders = [n for n, s in enumerate(shown) if change(i).url + '"' in s or change(i).url + ")" in s]
        assert len(holders) == 1, (i, holders)
    if name != "webhook":
        assert f"（1/{len(payloads)}）" in shown[0] and f"（{len(payloads)}/{len(payloads)}）" in shown[-1]
    else:
        assert [(p["part"], p["parts"]) for p in payloads] == [(n, len(payloads)) for n in range(1, len(payloads) + 1)]


def test_wecom_limit_counts_utf8_bytes_not_characters():
    changes = [change(i, title="实验室" * 40) for i in range(30)]
    payloads = messages_for("wecom", digest(changes))
    sizes = [utf8_len(p["markdown"]["content"]) for p in payloads]
    assert max(sizes) <= 4096 < sum(len(p["markdown"]["content"]) * 3 for p in payloads)


@pytest.mark.parametrize("name", ["wecom", "dingtalk", "feishu"])
def test_one_change_too_big_alone_is_shortened_not_dropped(name):
    huge = change(1, summary="预算" * 20_000)
    [payload] = messages_for(name, digest([huge]))
    assert KINDS[name].measure(payload) <= KINDS[name].limit
    assert huge.link in texts(name, payload) and "…" in texts(name, payload)


def test_no_changes_still_makes_one_valid_message():
    [payload] = messages_for("wecom", digest([]))
    assert payload["markdown"]["content"]


# --- signatures -------------------------------------------------------------------------------------

def _dingtalk_sign(timestamp: str) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()).decode()


def test_dingtalk_signature_is_url_encoded_exactly_once():
    kind = KINDS["dingtalk"]
    [payload] = messages_for("dingtalk", digest([change(1)]))
    # find a moment whose signature holds '+' and '/', the characters a double encoding would garble
    now = next(t for t in range(1_764_415_200, 1_764_415_800)
               if {"+", "/"} <= set(_dingtalk_sign(str(t * 1000))))
    out = kind.build(channel("dingtalk"), payload, now=now)
    query = parse_qs(urlsplit(out.url).query)
    assert query["key"] == ["k"], "the robot's own query string is kept"
    assert query["timestamp"] == [str(now * 1000)]
    assert query["sign"] == [_dingtalk_sign(str(now * 1000))]
    assert "%25" not in out.url and "%2B" in out.url and "%2F" in out.url


def test_feishu_signature_goes_in_the_body():
    [payload] = messages_for("feishu", digest([change(1)]))
    out = KINDS["feishu"].build(channel("feishu"), payload, now=1_764_415_200.7)
    body = json.loads(out.body)
    want = base64.b64encode(hmac.new(f"1764415200\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["timestamp"] == "1764415200" and body["sign"] == want
    assert body["msg_type"] == "post" and body["content"] == payload["content"]


def test_webhook_signature_covers_the_raw_body():
    [payload] = messages_for("webhook", digest([change(1)]))
    out = KINDS["webhook"].build(channel("webhook"), payload, now=0, message_id="<eduwatch.7.x@eduwatch.local>")
    want = "sha256=" + hmac.new(SECRET.encode(), out.body, hashlib.sha256).hexdigest()
    assert out.headers["X-Eduwatch-Signature"] == want
    assert out.headers["X-Eduwatch-Delivery"] == "<eduwatch.7.x@eduwatch.local>"


def test_a_missing_secret_is_a_permanent_error_naming_the_variable():
    ch = Channel(name="bids", kind="dingtalk", url="http://127.0.0.1:9/robot/send", secret=None,
                 secret_env="EDUWATCH_DINGTALK_SECRET")
    with pytest.raises(PermanentChannelError, match="EDUWATCH_DINGTALK_SECRET"):
        KINDS["dingtalk"].build(ch, {"msgtype": "markdown"}, now=0)


# --- judging answers --------------------------------------------------------------------------------

OK, RETRY, RATE, PERMANENT = "ok", "retry", "rate", "permanent"
ANSWERS = [
    ("wecom", 200, {"errcode": 0, "errmsg": "ok"}, OK),
    ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, RATE),
    ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, PERMANENT),
    ("wecom", 200, {"errcode": -1, "errmsg": "system busy"}, RETRY),
    ("wecom", 200, {"ok": True}, RETRY),
    ("wecom", 503, {}, RETRY),
    ("wecom", 404, {}, PERMANENT),
    ("dingtalk", 200, {"errcode": 0, "errmsg": "ok"}, OK),
    ("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast"}, RATE),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, PERMANENT),
    ("dingtalk", 200, {"errcode": 300001, "errmsg": "token is not exist"}, PERMANENT),
    ("dingtalk", 429, {}, RATE),
    ("feishu", 200, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "msg": "success"}, OK),
    ("feishu", 200, {"StatusCode": 0, "code": 0}, OK),
    ("feishu", 200, {"StatusCode": 0, "StatusMessage": "success"}, OK),
    ("feishu", 200, {"StatusCode": 0, "code": 19021, "msg": "sign match fail"}, PERMANENT),
    ("feishu", 400, {"code": 19021, "msg": "sign match fail"}, PERMANENT),
    ("feishu", 200, {"code": 11232, "msg": "frequency limited"}, RATE),
    ("feishu", 200, {"code": 9499, "msg": "Bad Request"}, RETRY),
    ("feishu", 502, {"code": 0}, RETRY),
    ("webhook", 200, {}, OK),
    ("webhook", 204, {}, OK),
    ("webhook", 429, {}, RATE),
    ("webhook", 500, {}, RETRY),
    ("webhook", 401, {}, PERMANENT),
    ("webhook", 404, {}, PERMANENT),
]


@pytest.mark.parametrize(("name", "status", "body", "expected"), ANSWERS,
                         ids=[f"{n}-{s}-{json.dumps(b)[:40]}" for n, s, b, _ in ANSWERS])
def test_answers_are_judged_as_the_service_means_them(name, status, body, expected):
    answer = Answer(status, json.dumps(body).encode(), {}, "http://127.0.0.1:9/x?key=SECRETKEY")
    if expected == OK:
        assert KINDS[name].judge(answer) is None
        return
    error = PermanentChannelError if expected == PERMANENT else RetryableChannelError
    with pytest.raises(error) as caught:
        KINDS[name].judge(answer)
    assert "SECRETKEY" not in str(caught.value), "the key in the URL stays out of messages"
    if expected == RATE:
        assert caught.value.retry_after >= 60


def test_a_non_json_200_from_a_robot_is_not_a_success():
    with pytest.raises(RetryableChannelError, match="not counted as delivered"):
        KINDS["wecom"].judge(Answer(200, b"<html>proxy</html>", {}, "http://127.0.0.1:9/x"))
