"""钉钉 (DingTalk) custom robot: markdown with a title; signed with HMAC-SHA256 in the query string."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from urllib.parse import urlencode

from crawler.notify.channels.base import Channel, ChatChange, ChatDigest, Outgoing, utf8_len
from crawler.notify.channels.coded import CodedKind
from crawler.notify.channels.markdown import heading, render


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), not yet URL-encoded."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


class DingTalk(CodedKind):
    """钉钉自定义机器人: POST {"msgtype": "markdown", "markdown": {"title", "text"}}; success is errcode 0.

    With 加签 (a secret), the URL gains timestamp (ms) and sign, URL-encoded exactly once.
    Rate limit: 20 messages a minute per robot (errcode 130101, or 410100).
    """

    kind = "dingtalk"
    limit = 20_000  # bytes of markdown text; DingTalk documents 20,000 for message content
    signs = True
    rate_codes = frozenset({130101, 410100})  # send too fast
    permanent_codes = {
        310000: "DingTalk's security check failed (sign not match, keywords not in content, or IP not in"
                " whitelist); check secret_env holds the robot's 加签 secret and the robot's 安全设置",
        300001: "the access_token is invalid; copy the robot's webhook address again",
        300005: "the access_token does not exist; copy the robot's webhook address again",
        400101: "the access_token does not exist; copy the robot's webhook address again",
        400102: "the robot is disabled; enable it in the group's robot settings",
        400013: "the group was dissolved; point the channel at a robot in a live group",
    }

    def payload(self, digest: ChatDigest, changes: list[ChatChange], part: tuple[int, int] | None) -> dict:
        text = render(digest, changes, part, colour=False, newline="\n\n")
        return {"msgtype": "markdown", "markdown": {"title": heading(digest, part), "text": text}}

    def measure(self, payload: dict) -> int:
        return utf8_len(payload["markdown"]["text"]) + utf8_len(payload["markdown"]["title"])

    def sign(self, channel: Channel, outgoing: Outgoing, now: float) -> Outgoing:
        timestamp = int(now * 1000)
        query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(channel.secret or "", timestamp)})
        joiner = "&" if "?" in outgoing.url else "?"
        return replace(outgoing, url=f"{outgoing.url}{joiner}{query}")
