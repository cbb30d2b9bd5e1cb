"""The chat channel kinds, by name: the registry is the truth, and a test holds every kind to one contract."""

from __future__ import annotations

import logging
import time

from crawler.notify.channels.base import (
    Channel,
    ChannelError,
    ChannelKind,
    ChatChange,
    ChatDigest,
    PermanentChannelError,
    RetryableChannelError,
)
from crawler.notify.channels.dingtalk import DingTalk
from crawler.notify.channels.feishu import Feishu
from crawler.notify.channels.http import post, where
from crawler.notify.channels.webhook import Webhook
from crawler.notify.channels.wecom import WeCom

log = logging.getLogger(__name__)

KINDS: dict[str, ChannelKind] = {k.kind: k for k in (WeCom(), DingTalk(), Feishu(), Webhook())}

__all__ = ["KINDS", "Channel", "ChannelError", "ChatChange", "ChatDigest", "PermanentChannelError",
           "RetryableChannelError", "kind_of", "messages_for", "send_payload"]


def kind_of(name: str) -> ChannelKind:
    try:
        return KINDS[name]
    except KeyError:
        raise PermanentChannelError(f"unknown channel kind {name!r}; use one of {', '.join(KINDS)}") from None


def messages_for(kind: str, digest: ChatDigest) -> list[dict]:
    """The service's payload(s) for one run's changes: one, or several where its size limit forces a split."""
    return kind_of(kind).messages(digest)


def send_payload(channel: Channel, payload: dict, *, message_id: str = "", now: float | None = None) -> None:
    """Sign and POST one payload; return when the service accepted it, else raise a ChannelError."""
    kind = kind_of(channel.kind)
    outgoing = kind.build(channel, payload, time.time() if now is None else now, message_id)
    kind.judge(post(outgoing, channel.timeout))
    log.info("sent %s to channel %s (%s at %s)", message_id or "a message", channel.name, channel.kind,
             where(channel.url))
