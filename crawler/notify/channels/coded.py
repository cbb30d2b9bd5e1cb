"""Judge the answers of robots that report in a JSON code field: a 200 with a non-zero code is no success."""

from __future__ import annotations

from crawler.notify.channels.base import Answer, ChannelKind, PermanentChannelError, RetryableChannelError
from crawler.notify.channels.http import where

RATE_LIMIT_WAIT = 60.0  # seconds: WeCom and DingTalk allow about 20 messages a minute per robot


class CodedKind(ChannelKind):
    """A robot answering `{"errcode": 0}` / `{"code": 0}`.

    Subclasses set `code_fields` (looked up in order), `rate_codes` (retry after a minute) and
    `permanent_codes` (code → what the user should fix). Any other non-zero code is retried with backoff.
    """

    code_fields: tuple[str, ...] = ("errcode",)
    message_fields: tuple[str, ...] = ("errmsg",)
    rate_codes: frozenset[int] = frozenset()
    permanent_codes: dict[int, str] = {}

    def judge(self, answer: Answer) -> None:
        data = answer.json()
        code = self.code_of(data)
        said = f"{self.kind} robot at {where(answer.url)} answered HTTP {answer.status}"
        if code:
            self.refuse(code, self.message_of(data), said, answer)
        if answer.status == 429:
            raise RetryableChannelError(f"{said} (rate limited); will retry",
                                        retry_after=answer.retry_after() or RATE_LIMIT_WAIT)
        if answer.status >= 500 or answer.status == 408:
            raise RetryableChannelError(f"{said}: {answer.snippet()!r}; will retry")
        if answer.status >= 300:
            raise PermanentChannelError(f"{said}: {answer.snippet()!r}; check the channel's url (copy the robot's"
                                        " webhook address again)")
        if code is None:
            raise RetryableChannelError(f"{said} without a {self.code_fields[0]} (body {answer.snippet()!r});"
                                        " not counted as delivered, will retry")

    def code_of(self, data: dict | None) -> int | None:
        """The first non-zero code field, else 0 when one is present, else None (no code: not a success)."""
        found = [v for v in ((data or {}).get(n) for n in self.code_fields)
                 if isinstance(v, int) and not isinstance(v, bool)]
        return next((v for v in found if v), 0 if found else None)

    def message_of(self, data: dict | None) -> str:
        for name in self.message_fields:
            if (data or {}).get(name):
                return str(data[name])
        return ""

    def refuse(self, code: int, message: str, said: str, answer: Answer) -> None:
        detail = f"{said} with {self.code_fields[0]} {code} ({message})"
        if code in self.rate_codes:
            raise RetryableChannelError(f"{detail}: rate limited; will retry in a minute or more",
                                        retry_after=answer.retry_after() or RATE_LIMIT_WAIT)
        if code in self.permanent_codes:
            raise PermanentChannelError(f"{detail}: {self.permanent_codes[code]}")
        raise RetryableChannelError(f"{detail}; will retry")
