"""One web-view request and its answer: the parsed GET, the response, and the errors answered as pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from crawler.errors import EduwatchError
from crawler.model import ChangeKind


class HTTPProblem(EduwatchError):
    """A request the view answers with an error page: status, short title, and what to do."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def bad_request(message: str) -> HTTPProblem:
    return HTTPProblem(400, "参数错误", message)


def not_found(message: str) -> HTTPProblem:
    return HTTPProblem(404, "未找到", message)


@dataclass
class Response:
    status: int
    body: str | bytes  # a whole HTML document, or a feed/calendar file
    content_type: str = "text/html; charset=utf-8"


@dataclass
class Request:
    """A GET: the path and its query parameters (the last value of each wins)."""

    path: str
    params: dict[str, str]

    @classmethod
    def parse(cls, target: str) -> Request:
        parts = urlsplit(target)
        values = parse_qs(parts.query, keep_blank_values=True)
        return cls(parts.path or "/", {k: v[-1].strip() for k, v in values.items()})

    def get(self, name: str) -> str | None:
        return self.params.get(name) or None

    def integer(self, name: str, *, minimum: int = 1) -> int | None:
        """An optional whole-number parameter; anything else is a 400 naming the parameter."""
        raw = self.get(name)
        if raw is None:
            return None
        if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < minimum:
            raise bad_request(f"参数 {name}={raw!r} 不是有效的整数（需要 ≥ {minimum} 的整数，例如 {name}=2）。"
                              f" Parameter {name} must be a whole number ≥ {minimum}.")
        return int(raw)

    def required(self, name: str, example: str) -> str:
        value = self.get(name)
        if value is None:
            raise bad_request(f"缺少参数 {name}，例如 {example}。 Missing parameter {name}.")
        return value


def known_kind(kind: str | None) -> str | None:
    """?kind= as given when it names a change kind (or is absent); else a 400 listing the kinds, on every page."""
    if kind is None or kind in {k.value for k in ChangeKind}:
        return kind
    raise bad_request(f"kind={kind!r} 不是变更类型；可用：{'、'.join(k.value for k in ChangeKind)}。"
                      f" Unknown kind {kind!r}.")
