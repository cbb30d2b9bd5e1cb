"""A generic webhook: eduwatch's own JSON of the run's changes, signed in X-Eduwatch-Signature."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from crawler.notify.channels.base import (
    Answer,
    Channel,
    ChannelKind,
    ChatChange,
    ChatDigest,
    Outgoing,
    PermanentChannelError,
    RetryableChannelError,
)
from crawler.notify.channels.coded import RATE_LIMIT_WAIT
from crawler.notify.channels.http import where

SIGNATURE_HEADER = "X-Eduwatch-Signature"


def webhook_signature(secret: str, body: bytes) -> str:
    """'sha256=' + hex HMAC-SHA256(secret, the raw body), as GitHub-style receivers check it."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Webhook(ChannelKind):
    """Any HTTP endpoint: POST {"site", "run", "changes": [as in changes --json], "part", "parts"}; 2xx is success.

    With a secret, the header X-Eduwatch-Signature carries sha256=<hex HMAC of the raw body>; the header
    X-Eduwatch-Delivery names the message, the same on every retry, so a receiver can drop repeats.
    """

    kind = "webhook"
    limit = 1_000_000  # bytes of JSON body: eduwatch's own bound, so one run cannot post an unbounded body
    signs = True

    def payload(self, digest: ChatDigest, changes: list[ChatChange], part: tuple[int, int] | None) -> dict:
        number, count = part or (1, 1)
        return {"site": digest.site, "run": digest.run_id, "changes": [c.record for c in changes],
                "part": number, "parts": count}

    def sign(self, channel: Channel, outgoing: Outgoing, now: float) -> Outgoing:
        headers = {**outgoing.headers, SIGNATURE_HEADER: webhook_signature(channel.secret or "", outgoing.body)}
        return replace(outgoing, headers=headers)

    def judge(self, answer: Answer) -> None:
        said = f"webhook {where(answer.url)} answered HTTP {answer.status}"
        if 200 <= answer.status < 300:
            return
        if answer.status == 429:
            raise RetryableChannelError(f"{said} (rate limited); will retry",
                                        retry_after=answer.retry_after() or RATE_LIMIT_WAIT)
        if answer.status >= 500 or answer.status == 408:
            raise RetryableChannelError(f"{said}: {answer.snippet()!r}; will retry")
        if answer.status in (401, 403):
            raise PermanentChannelError(f"{said}: {answer.snippet()!r}; the receiver refused the signature:"
                                        " check secret_env holds the secret the receiver expects")
        raise PermanentChannelError(f"{said}: {answer.snippet()!r}; check the channel's url")
