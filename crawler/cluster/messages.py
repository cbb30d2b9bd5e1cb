"""The messages crawl nodes and the dispatcher put on the Redis stream, and their exact byte encoding.

Every message carries its own id (`mid`: the run's token plus the part of the run it describes), so
the recorder can tell a replay from news whatever happened to the Redis entry id (a producer that
retried an XADD whose reply was lost, an AOF that lost its last second and handed out an id again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields

from crawler.model import FetchedAttachment, FetchedPage

FORMAT = b"1"  # bump when a message's fields change incompatibly; the recorder refuses what it cannot read


class MessageError(ValueError):
    """A stream entry that is not an eduwatch message of a known format (it is left for a person to look at)."""


@dataclass(frozen=True)
class RunDispatched:
    """The dispatcher handed a site's crawl to a node as scrapyd job `job`; the run exists from now on."""

    run: str  # the run's token, unique per dispatch
    site: str
    node: str  # the scrapyd URL
    job: str  # scrapyd's job id
    spider: str
    at: str

    kind = "run_dispatched"

    @property
    def mid(self) -> str:
        return f"{self.run}/dispatched"


@dataclass(frozen=True)
class RunStarted:
    """The job's spider opened on the node (it opens the run too, should the dispatch message be lost)."""

    run: str
    site: str
    node: str
    job: str
    spider: str
    at: str

    kind = "run_started"

    @property
    def mid(self) -> str:
        return f"{self.run}/started"


@dataclass(frozen=True)
class PageFetched:
    """One fetched page, everything a FetchedPage carries (body bytes included); `seq` counts from 1 per run."""

    run: str
    seq: int
    page: FetchedPage

    kind = "page"

    @property
    def mid(self) -> str:
        return f"{self.run}/page/{self.seq}"


@dataclass(frozen=True)
class RunFinished:
    """The spider closed; `reason` is Scrapy's ("finished", "shutdown", "closespider_timeout", ...)."""

    run: str
    at: str
    reason: str
    pages: int  # pages the node sent, so the recorder can tell a run whose pages it has not all seen
    stats: dict = field(default_factory=dict)  # list_pages, list_links, list_errors

    kind = "run_finished"

    @property
    def mid(self) -> str:
        return f"{self.run}/end"


@dataclass(frozen=True)
class RunFailed:
    """The run cannot go on: the job could not be scheduled, or the spider failed to open."""

    run: str
    at: str
    reason: str
    by: str = "node"  # "node" or "dispatcher": two senders, two message ids

    kind = "run_failed"

    @property
    def mid(self) -> str:
        return f"{self.run}/failed/{self.by}"


Message = RunDispatched | RunStarted | PageFetched | RunFinished | RunFailed
_KINDS = {cls.kind: cls for cls in (RunDispatched, RunStarted, PageFetched, RunFinished, RunFailed)}
_PAGE_FIELDS = tuple(f.name for f in dataclass_fields(FetchedPage) if f.name not in ("body", "attachments"))
_ATTACHMENT_FIELDS = tuple(f.name for f in dataclass_fields(FetchedAttachment) if f.name != "body")


def encode(message: Message) -> dict[bytes, bytes]:
    """The stream entry's fields: format, kind, message id, JSON metadata and (for pages) the raw body."""
    if isinstance(message, PageFetched):
        page = {name: getattr(message.page, name) for name in _PAGE_FIELDS}
        # attachment downloads travel like the body: metadata in JSON, bytes raw in their own fields
        page["attachments"] = [{name: getattr(a, name) for name in _ATTACHMENT_FIELDS}
                               for a in message.page.attachments]
        meta = {"run": message.run, "seq": message.seq, "page": page}
        body = message.page.body
    else:
        meta = {f.name: getattr(message, f.name) for f in dataclass_fields(message)}
        body = b""
    fields = {b"v": FORMAT, b"kind": message.kind.encode(), b"mid": message.mid.encode(),
              b"meta": json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")}
    if body:
        fields[b"body"] = body
    if isinstance(message, PageFetched):
        for index, attachment in enumerate(message.page.attachments):
            if attachment.body:
                fields[b"att%d" % index] = attachment.body
    return fields


def decode(fields: dict[bytes, bytes]) -> Message:
    """The message a stream entry holds; MessageError names what is wrong with one that holds none."""
    version = fields.get(b"v")
    if version != FORMAT:
        raise MessageError(f"stream entry of format {version!r}, this eduwatch reads format {FORMAT!r}; "
                           "run the same eduwatch version on the nodes and the recorder")
    kind = (fields.get(b"kind") or b"").decode("ascii", "replace")
    cls = _KINDS.get(kind)
    if cls is None:
        raise MessageError(f"stream entry of unknown kind {kind!r}; expected one of {', '.join(_KINDS)}")
    try:
        meta = json.loads(fields[b"meta"])
        if cls is PageFetched:
            page = {k: v for k, v in meta["page"].items() if k in _PAGE_FIELDS}
            attachments = [FetchedAttachment(**{k: v for k, v in a.items() if k in _ATTACHMENT_FIELDS},
                                             body=fields.get(b"att%d" % i, b""))
                           for i, a in enumerate(meta["page"].get("attachments") or [])]
            message = PageFetched(run=meta["run"], seq=int(meta["seq"]),
                                  page=FetchedPage(**page, body=fields.get(b"body", b""), attachments=attachments))
        else:
            message = cls(**meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise MessageError(f"{kind} stream entry with bad metadata ({exc})") from None
    if message.mid != (fields.get(b"mid") or b"").decode("utf-8", "replace"):
        raise MessageError(f"{kind} stream entry whose id {fields.get(b'mid')!r} does not match its content")
    return message
