"""企业微信 (WeCom) group robot: markdown messages of at most 4,096 bytes; the key in the URL is the secret."""

from __future__ import annotations

from crawler.notify.channels.base import ChatChange, ChatDigest, utf8_len
from crawler.notify.channels.coded import CodedKind
from crawler.notify.channels.markdown import render


class WeCom(CodedKind):
    """企业微信群机器人: POST {"msgtype": "markdown", "markdown": {"content": …}}; success is errcode 0.

    The robot is not signed: its webhook URL carries the key, so the URL itself is the secret.
    Rate limit: about 20 messages a minute per robot (errcode 45009).
    """

    kind = "wecom"
    limit = 4096  # bytes of UTF-8 markdown content, per WeCom's documentation
    signs = False
    rate_codes = frozenset({45009})  # api freq out of limit
    permanent_codes = {
        93000: "the webhook key is invalid or the robot was removed; copy the robot's webhook address again",
        93004: "the robot is disabled; enable it in the group's robot settings",
        93008: "the robot is not in the group any more; add it again and copy its new webhook address",
        40008: "WeCom refused the message type; report this as an eduwatch bug",
        40058: "WeCom refused the message (too long or malformed); report this as an eduwatch bug",
        44004: "the message was empty; report this as an eduwatch bug",
    }

    def payload(self, digest: ChatDigest, changes: list[ChatChange], part: tuple[int, int] | None) -> dict:
        return {"msgtype": "markdown",
                "markdown": {"content": render(digest, changes, part, colour=True, newline="\n")}}

    def measure(self, payload: dict) -> int:
        return utf8_len(payload["markdown"]["content"])
