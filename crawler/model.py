"""The vocabulary every stage shares: the records that flow (FetchedPage → Article) and the kinds they end in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from enum import StrEnum


@dataclass
class FetchedPage:
    """One article fetch as the spider saw it: raw bytes plus transport facts, or an error.

    Spiders yield these and nothing else; extraction and storage happen in the pipeline.
    """

    url: str  # the URL we asked for (the page's identity in storage)
    site: str  # the configured site name ("moe", "caigou", ... or a [[sites]] name)
    final_url: str = ""  # after redirects; "" when the fetch failed before a response
    status: int | None = None  # HTTP status, None when no response arrived
    body: bytes = field(default=b"", repr=False)  # never in a log line: Scrapy logs a failed item's repr
    http_charset: str | None = None  # charset from the Content-Type header, if any
    content_type: str | None = None
    fetched_at: str = ""  # ISO 8601, UTC
    duration_ms: int = 0
    error: str | None = None  # "timeout", "connection refused", "HTTP 503", ... None on success
    list_url: str | None = None  # the list page the link was found on, None for --url pages
    attachments: list[FetchedAttachment] = field(default_factory=list)  # the documents the page links
    etag: str | None = None  # the response's validators, kept for the next fetch's conditional request
    last_modified: str | None = None


@dataclass
class FetchedAttachment:
    """One attachment download made for an article page in the same crawl: bytes, or why there are none."""

    url: str  # as the page links it (the key that joins it to Article.attachments)
    status: int | None = None
    body: bytes = field(default=b"", repr=False)  # never in a log line (as FetchedPage.body)
    content_type: str | None = None
    filename: str | None = None  # from Content-Disposition, a hint for the file's kind
    error: str | None = None  # "HTTP 404", "over the 20 MB attachment cap", "timeout" ...
    etag: str | None = None  # the validators the site sent with the bytes (a recheck asks "changed since?")
    last_modified: str | None = None
    stored_sha256: str | None = None  # on a 304: the stored file the request's validators stand for


@dataclass
class Attachment:
    """A document the article links; once fetched, which file it was and how its text reads."""

    title: str
    url: str  # absolute
    sha256: str | None = None  # of the file's bytes; None until it has been fetched and read once
    text_chars: int | None = None  # length of its extracted text
    content_sha256: str | None = None  # of its text (of its bytes when no text can be read): what "changed" means
    kind: str | None = None  # pdf, docx, xlsx, xls, zip, doc, other
    flags: list[str] = field(default_factory=list)  # scanned, unsupported, truncated (see extract.documents)

    def content_key(self) -> list:
        """What of this attachment counts as article content; unread ones keep the pre-attachment form."""
        key = [self.title, self.url]
        return key + [self.content_sha256] if self.content_sha256 else key


# Flags an Article may carry: the extractor says what kind of page it was handed.
FLAG_EMPTY = "empty"  # no bytes or no text at all
FLAG_BINARY = "binary"  # not HTML (PDF, image, ...)
FLAG_NOT_ARTICLE = "not_article"  # a list, home or navigation page: no article body found
FLAG_ERROR_PAGE = "error_page"  # 页面不存在 / 错误页面 / 404 template
FLAG_WAF = "waf_challenge"  # 安全验证 / anti-bot challenge instead of content
FLAG_MEMBERS_ONLY = "members_only"  # 该正文内容您无权限浏览
FLAG_TRUNCATED = "truncated"  # markup cut short (the body may be incomplete)
FLAG_HUGE = "huge"  # page larger than the extractor's size cap; only a prefix was read


@dataclass
class Article:
    """What the extractor isolates from one page; the unit that is versioned and diffed."""

    url: str
    title: str = ""
    subtitle: str | None = None
    published: str | None = None  # "2024-02-08" or "2024-02-08T13:48:00+08:00"
    source: str | None = None  # 来源
    editor: str | None = None  # 责任编辑
    body: str = ""  # paragraphs joined by "\n"
    attachments: list[Attachment] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # procurement facts, stable keys
    encoding: str = "utf-8"  # the codec the page was decoded with
    extractor: str = "generic"  # which profile produced it ("caigou", "moe", ... or "generic")
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON-ready data, keys in field order (what dataclasses.asdict gives, without its deep copies)."""
        data = {name: getattr(self, name) for name in _ARTICLE_FIELDS}
        data["attachments"] = [_attachment_dict(a) for a in self.attachments]
        data["fields"] = dict(self.fields)
        data["flags"] = list(self.flags)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        data = dict(data)
        data["attachments"] = [Attachment(**a) for a in data.get("attachments") or []]
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def content(self) -> dict:
        """The parts of an article whose change is a real edit (no encoding, flags, profile)."""
        return {
            "title": self.title,
            "subtitle": self.subtitle or "",
            "body": self.body,
            "fields": dict(sorted(self.fields.items())),
            "attachments": [a.content_key() for a in self.attachments],
        }

    def content_hash(self) -> str:
        """sha256 over the content; two extractions hash equal exactly when nothing real changed."""
        canonical = json.dumps(self.content(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_ARTICLE_FIELDS = tuple(f.name for f in dataclass_fields(Article))


class ChangeKind(StrEnum):
    """What a change row says happened; the only kinds that are recorded, alerted and shown."""

    NEW = "new"  # an article first found on a list page after the site's baseline
    CHANGED = "changed"  # its content hash changed
    REMOVED = "removed"  # gone (404/410, 页面不存在, a redirect home), confirmed
    RESTORED = "restored"  # back after a confirmed removal
    HEALTH = "health"  # a site's list pages fail or suddenly yield nothing

    @property
    def label(self) -> str:
        """The Chinese word people read in digests, chat messages and the web view."""
        return CHANGE_LABELS[self]


CHANGE_LABELS = {ChangeKind.NEW: "新增", ChangeKind.CHANGED: "更新", ChangeKind.REMOVED: "删除",
                 ChangeKind.RESTORED: "恢复", ChangeKind.HEALTH: "站点异常"}


class Outcome(StrEnum):
    """What one fetch of a page came to, as logged per fetch and counted per run."""

    BASELINE = "baseline"  # first content of a page during the site's baseline (or a --url page): no alert
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"  # the fetch failed or gave unusable bytes: nothing about the content is concluded
    MISSING = "missing"  # looks gone, not yet confirmed
    REMOVED = "removed"
    RESTORED = "restored"
    FLAGGED = "flagged"  # fetched, but the extraction is suspect (collapsed body, not an article)
    GONE = "gone"  # a page already confirmed removed is still gone: nothing new, no warning (rechecked for a restore)


def change_label(kind: str) -> str:
    """The Chinese label of a change kind; an unknown kind shows as itself."""
    try:
        return ChangeKind(kind).label
    except ValueError:
        return str(kind)


def _attachment_dict(a: Attachment) -> dict:
    """title and url always; the reading keys only once the file was read (old versions stay byte-identical)."""
    data = {"title": a.title, "url": a.url}
    if a.sha256 is not None:
        data.update(sha256=a.sha256, text_chars=a.text_chars, content_sha256=a.content_sha256, kind=a.kind,
                    flags=list(a.flags))
    return data
