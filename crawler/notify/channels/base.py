"""What every chat channel shares: the message data, the request, the errors, and splitting at change bounds."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace

from crawler.errors import EduwatchError

log = logging.getLogger(__name__)

ELLIPSIS = "…"


class ChannelError(EduwatchError):
    """A chat message could not be delivered; the message says what was wrong and what to do."""


class RetryableChannelError(ChannelError):
    """Worth retrying later: refused connection, timeout, 5xx, 429, a rate-limit or unknown non-zero code."""

    def __init__(self, message: str, *, unreachable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.unreachable = unreachable  # no HTTP answer at all: the rest of this channel's messages would fail alike
        self.retry_after = retry_after  # seconds the service asked us to wait (rate limits), or None


class PermanentChannelError(ChannelError):
    """Retrying cannot help until someone fixes the config: bad key, bad signature, unknown URL, missing secret."""


class MessageTooBig(PermanentChannelError):
    """One change cannot fit the service's size limit even with its links and text shortened: it fails alone."""


@dataclass(frozen=True)
class Channel:
    """One configured `[[channels]]` entry, with its secret read from the environment at send time."""

    name: str
    kind: str  # a key of crawler.notify.channels.KINDS
    url: str
    secret: str | None = field(default=None, repr=False)  # never printed or logged
    secret_env: str = ""  # the variable the secret came from, for error messages
    timeout: float = 15.0  # seconds for one POST


@dataclass(frozen=True)
class ChatChange:
    """One change as every channel shows it: label, title, link, summary (and the JSON the webhook posts)."""

    kind: str  # new | changed | removed | restored | health
    label: str  # 新增 | 更新 | 删除 | 恢复 | 站点异常
    title: str
    summary: str
    link: str  # the web view's page for the change when [web] base_url is set, else the article
    url: str  # the article
    site: str
    detected_at: str  # display time, e.g. "2026-11-29 19:20"
    history: str = ""  # the web view's history page of the article, when [web] base_url is set
    record: dict = field(default_factory=dict)  # the change as `changes --json` prints it
    id: int | None = None  # the change row, so a split message knows which changes each part holds
    short_link: str = ""  # a short stand-in (the site's changes in the web view, else the site) for a huge URL

    def with_short_link(self) -> ChatChange:
        """A copy whose links cannot outgrow a message: the short stand-in replaces the article and web-view links
        (a URL cannot be cut and still work), and the summary says so. The first thing shortened."""
        note = "原文网址过长，链接改为站点页面"
        summary = f"{note}；{self.summary}" if self.summary else note
        return replace(self, link=self.short_link, url=self.short_link, history="", summary=summary)

    def shrunk(self, budget: int) -> ChatChange:
        """A copy whose summary and title fit about `budget` characters, for one change too big for a message."""
        summary = clip(self.summary, max(budget // 2, 20))
        title = clip(self.title, max(budget - len(summary), 20))
        record = {k: v for k, v in self.record.items() if k != "diff"} | ({"diff": None} if "diff" in self.record else {})
        return replace(self, summary=summary, title=title, record=record)


@dataclass(frozen=True)
class ChatDigest:
    """One crawl run's changes for one channel."""

    site: str  # the config name of the run's site
    site_label: str  # its display name (教育部), or the name
    run_id: int | None
    at: str  # display time of the run's newest change
    changes: tuple[ChatChange, ...]


@dataclass(frozen=True)
class Outgoing:
    """One HTTP POST, ready to send: the exact bytes, so the signature covers what goes on the wire."""

    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    """What the service said: HTTP status, the start of the body, the headers (lower-case names)."""

    status: int
    body: bytes
    headers: dict[str, str]
    url: str = ""  # the endpoint asked (with its query: never put it in a message, use http.where)

    def json(self) -> dict | None:
        """The body as a JSON object, or None when it is not one."""
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def retry_after(self) -> float | None:
        """Seconds from a Retry-After header given in seconds (the HTTP-date form is ignored)."""
        value = self.headers.get("retry-after", "").strip()
        return float(value) if value.isdigit() else None

    def snippet(self) -> str:
        return self.body[:300].decode("utf-8", "replace").strip()


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def json_bytes(payload: dict) -> bytes:
    """Compact UTF-8 JSON (Chinese stays readable and counts as 3 bytes, as the services count it)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ChannelKind:
    """A chat service: builds its messages within its size limit, signs them, and judges its answers.

    Subclasses set `kind`, `limit` (bytes, as `measure` counts them), `signs` (does a secret make sense),
    and implement `payload`, `measure`, `sign` and `judge`.
    """

    kind = ""
    limit = 0  # bytes, as measured by `measure`
    signs = False  # whether `secret_env` means something for this kind
    def payload(self, digest: ChatDigest, changes: list[ChatChange], part: tuple[int, int] | None) -> dict:
        """The service's JSON for these changes; `part` is (i, n) when the digest is split, else None."""
        raise NotImplementedError

    def measure(self, payload: dict) -> int:
        """The size the service's limit applies to (default: the whole JSON body)."""
        return len(json_bytes(payload))

    def sign(self, channel: Channel, outgoing: Outgoing, now: float) -> Outgoing:
        """Add the service's signature; kinds that do not sign return the request unchanged."""
        return outgoing

    def judge(self, answer: Answer) -> None:
        """Return when the answer means delivered; raise Retryable/PermanentChannelError otherwise."""
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------------------------

    def messages(self, digest: ChatDigest) -> list[dict]:
        """The digest as one payload, or several split between changes where the size limit forces it."""
        parts = self.pack(list(digest.changes), digest)
        if len(parts) == 1:
            return [self.payload(digest, parts[0], None)]
        return [self.payload(digest, p, (i, len(parts))) for i, p in enumerate(parts, 1)]

    def fits(self, digest: ChatDigest, changes: list[ChatChange]) -> bool:
        """Measured with the widest part label, so numbering the parts afterwards cannot overflow one."""
        return self.measure(self.payload(digest, changes, (99, 99))) <= self.limit

    def pack(self, changes: list[ChatChange], digest: ChatDigest) -> list[list[ChatChange]]:
        """Greedy, in order: fill a message change by change, each costing what it adds to a message; a change
        too big on its own is shortened to fit. Linear in the changes, then every part is measured whole."""
        base = self.measure(self.payload(digest, [], (99, 99)))
        parts: list[list[ChatChange]] = []
        current: list[ChatChange] = []
        size = base
        for change in changes:
            change = self.fitted(digest, change)
            one = self.measure(self.payload(digest, [change], (99, 99)))
            cost = self.measure(self.payload(digest, [change, change], (99, 99))) - one  # with its separator
            if current and size + cost > self.limit:
                parts.append(current)
                current, size = [], base
            current.append(change)
            size += cost
        parts.append(current)
        return [piece for part in parts for piece in self.verified(digest, part)]

    def verified(self, digest: ChatDigest, part: list[ChatChange]) -> list[list[ChatChange]]:
        """`part` measured whole; halved again should the per-change estimate have been short."""
        if len(part) <= 1 or self.fits(digest, part):
            return [part]
        middle = len(part) // 2
        return self.verified(digest, part[:middle]) + self.verified(digest, part[middle:])

    def fitted(self, digest: ChatDigest, change: ChatChange) -> ChatChange:
        """`change` itself if it fits a message alone, else shortened until it does: long links first (a URL
        cannot be cut, so a short stand-in replaces it), then the summary and title. MessageTooBig when even
        that cannot fit, so this change fails alone."""
        if self.fits(digest, [change]):
            return change
        short_links = utf8_len(change.link + change.url + change.history) <= self.limit // 4
        for start in ([change, change.with_short_link()] if short_links else [change.with_short_link()]):
            found = self.shrunk_to_fit(digest, start)
            if found is not None:
                return found
        raise MessageTooBig(f"{self.kind}: this change cannot fit a {self.limit}-byte message even with its link"
                            " and summary shortened; see it with `eduwatch changes`")

    def shrunk_to_fit(self, digest: ChatDigest, change: ChatChange) -> ChatChange | None:
        """`change` with its summary and title cut until it fits, or None when nothing left to cut would do."""
        budget = self.limit
        while not self.fits(digest, [change]):
            budget = budget * 3 // 4
            if budget < 40:
                return None
            change = change.shrunk(budget // 3)  # a Chinese character takes 3 bytes
        return change

    def build(self, channel: Channel, payload: dict, now: float, message_id: str = "") -> Outgoing:
        """The signed POST for one payload."""
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "eduwatch"}
        if message_id:
            headers["X-Eduwatch-Delivery"] = message_id  # the same on every retry: receivers can drop repeats
        if self.signs and channel.secret_env and not channel.secret:
            raise PermanentChannelError(
                f"channel {channel.name!r}: secret_env = {channel.secret_env!r} but that variable is not set;"
                f" export {channel.secret_env}=<the robot's signing secret> and run"
                f" `eduwatch alerts --retry-failed --channel {channel.name}`"
            )
        outgoing = Outgoing(channel.url, json_bytes(payload), headers)
        return self.sign(channel, outgoing, now) if channel.secret else outgoing
