"""飞书 (Feishu/Lark) custom robot: a rich-text `post` message; signed with timestamp and sign in the body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace

from crawler.notify.channels.base import Channel, ChatChange, ChatDigest, Outgoing, json_bytes
from crawler.notify.channels.coded import CodedKind
from crawler.notify.channels.markdown import heading


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b"")), as Feishu's documentation computes it."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def _lines(change: ChatChange) -> list[list[dict]]:
    """One change as post paragraphs: label and linked title, then summary, then the other links."""
    title = " ".join((change.title or "（无标题）").split())
    rows = [[{"tag": "text", "text": f"【{change.label}】"},
             {"tag": "a", "text": title, "href": change.link or change.url}]]
    if change.summary:
        rows.append([{"tag": "text", "text": f"    {' '.join(change.summary.split())}"}])
    links = []
    if change.link and change.link != change.url:
        links.append({"tag": "a", "text": "原文", "href": change.url})
    if change.history:
        links.append({"tag": "a", "text": "历史版本", "href": change.history})
    if links:
        rows.append([{"tag": "text", "text": "    "}, *links])
    return rows


class Feishu(CodedKind):
    """飞书自定义机器人: POST {"msg_type": "post", "content": {"post": {"zh_cn": …}}}; success is code 0.

    With 签名校验 (a secret), the body gains "timestamp" (seconds, a string) and "sign".
    Rate limit: 100 a minute, 5 a second per robot (code 11232). The request body is at most 20 KB.
    """

    kind = "feishu"
    limit = 19_500  # bytes of JSON body: Feishu takes 20 KB, less room for timestamp and sign
    signs = True
    code_fields = ("code", "StatusCode")
    message_fields = ("msg", "StatusMessage")
    rate_codes = frozenset({11232})  # frequency limited
    permanent_codes = {
        19001: "the webhook token is invalid; copy the robot's webhook address again",
        19007: "the robot is not enabled; enable it in the group's robot settings",
        19021: "the signature did not match (or the clock is off by over an hour); check secret_env holds"
               " the robot's 签名校验 secret and the system clock",
        19022: "this machine's IP is not in the robot's IP whitelist; add it in the robot's 安全设置",
        19024: "the message lacks the robot's custom keyword; remove the keyword rule in the robot's 安全设置",
    }

    def payload(self, digest: ChatDigest, changes: list[ChatChange], part: tuple[int, int] | None) -> dict:
        content = [[{"tag": "text", "text": digest.at}]] if digest.at else []
        for change in changes:
            content += _lines(change)
        post = {"zh_cn": {"title": heading(digest, part), "content": content}}
        return {"msg_type": "post", "content": {"post": post}}

    def sign(self, channel: Channel, outgoing: Outgoing, now: float) -> Outgoing:
        timestamp = int(now)
        body = json.loads(outgoing.body)
        signed = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret or "", timestamp), **body}
        return replace(outgoing, body=json_bytes(signed))
