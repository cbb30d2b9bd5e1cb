"""The four senders against a local server that answers like each service and checks signatures itself."""

from __future__ import annotations

import logging
import socket

import pytest

from crawler.notify.channels import (
    Channel,
    ChatDigest,
    PermanentChannelError,
    RetryableChannelError,
    messages_for,
    send_payload,
)
from tests.chat_service import ChatService
from tests.test_chat_messages import change

pytestmark = pytest.mark.e2e

SECRETS = {"dingtalk": "SECdingtalk-0123456789abcdef", "feishu": "feishu-sign-secret", "webhook": "hook-secret"}
KINDS = ("wecom", "dingtalk", "feishu", "webhook")


@pytest.fixture
def service():
    with ChatService(secrets=SECRETS) as running:
        yield running


def channel(service: ChatService, kind: str, *, secret: str | None = None, url: str | None = None,
            timeout: float = 5) -> Channel:
    secret = SECRETS.get(kind) if secret is None else secret
    return Channel(name=f"bids-{kind}", kind=kind, url=url or service.url(kind), secret=secret or None,
                   secret_env="EDUWATCH_TEST_SECRET" if secret else "", timeout=timeout)


def one_payload(kind: str, count: int = 2) -> dict:
    digest = ChatDigest(site="ccgp", site_label="中国政府采购网", run_id=3, at="2026-11-29 19:20",
                        changes=tuple(change(i) for i in range(count)))
    [payload] = messages_for(kind, digest)
    return payload


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_message_is_accepted(service, kind):
    send_payload(channel(service, kind), one_payload(kind), message_id="<m1>")
    [got] = service.received
    assert got.accepted, got.answer
    assert got.headers["x-eduwatch-delivery"] == "<m1>"
    assert "某某大学实验室设备采购项目更正公告" in got.raw.decode("utf-8") or kind == "webhook"


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "webhook"])
def test_a_wrong_secret_is_a_permanent_failure(service, kind):
    with pytest.raises(PermanentChannelError) as caught:
        send_payload(channel(service, kind, secret="not-the-secret"), one_payload(kind))
    assert "secret" in str(caught.value)
    assert not service.accepted()


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_key_is_a_permanent_failure(service, kind):
    service.fail("badkey")
    with pytest.raises(PermanentChannelError):
        send_payload(channel(service, kind), one_payload(kind))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["503", "errcode", "nocode"])
def test_outages_and_non_zero_codes_are_retried(service, kind, mode):
    if kind == "webhook" and mode == "nocode":
        pytest.skip("a webhook's 2xx is success whatever its body says")
    service.fail(mode, times=1)
    with pytest.raises(RetryableChannelError):
        send_payload(channel(service, kind), one_payload(kind))
    send_payload(channel(service, kind), one_payload(kind))  # recovered: the same message goes through
    assert [r.accepted for r in service.received] == [False, True]


@pytest.mark.parametrize("kind", KINDS)
def test_a_rate_limit_waits_at_least_a_minute(service, kind):
    service.fail("ratelimit", times=1)
    with pytest.raises(RetryableChannelError) as caught:
        send_payload(channel(service, kind), one_payload(kind))
    assert caught.value.retry_after >= 60


def test_a_timeout_is_retryable_and_unreachable(service):
    service.fail("timeout")
    with pytest.raises(RetryableChannelError, match="no answer") as caught:
        send_payload(channel(service, "wecom", timeout=0.5), one_payload("wecom"))
    assert caught.value.unreachable


def test_a_refused_connection_is_retryable_and_unreachable(service):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{port}/robot/send?access_token=x"
        with pytest.raises(RetryableChannelError, match="refused") as caught:
            send_payload(channel(service, "dingtalk", url=url), one_payload("dingtalk"))
    assert caught.value.unreachable


def test_the_wecom_server_refuses_what_eduwatch_would_never_send(service):
    """The fake checks the 4,096-byte limit itself, so the split tests above mean something."""
    too_long = {"msgtype": "markdown", "markdown": {"content": "实" * 1400}}
    with pytest.raises(PermanentChannelError, match="40058"):
        send_payload(channel(service, "wecom"), too_long)


def test_secrets_and_keys_stay_out_of_logs_and_errors(service, caplog):
    caplog.set_level(logging.DEBUG)
    send_payload(channel(service, "dingtalk"), one_payload("dingtalk"))
    with pytest.raises(PermanentChannelError) as caught:
        send_payload(channel(service, "feishu", secret="wrong-secret"), one_payload("feishu"))
    service.fail("503", times=1)
    with pytest.raises(RetryableChannelError) as retried:
        send_payload(channel(service, "wecom"), one_payload("wecom"))
    shown = caplog.text + str(caught.value) + str(retried.value)
    for secret in (*SECRETS.values(), "wrong-secret", "wecom-key-1234", "dingtalk-token-5678"):
        assert secret not in shown
