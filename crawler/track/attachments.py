"""Join a page's downloaded attachments to its Article: read each new file once, keep the last good reading on failure.

An attachment that cannot be fetched or read is an error on that attachment: the article keeps the
reading it had (so nothing looks removed or blanked) and the error is recorded beside it.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from crawler.extract.documents import FLAG_SCANNED, FLAG_UNSUPPORTED, Document, read_document
from crawler.model import Article, Attachment, FetchedAttachment

log = logging.getLogger(__name__)


@dataclass
class NewFile:
    """A file not stored yet: written in the page's transaction, before the version that names it."""

    sha256: str
    data: bytes
    document: dict


@dataclass
class AttachmentReadings:
    """What reading a page's attachments came to: files to store, errors to record, attachments read fine."""

    new_files: list[NewFile] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # attachment url → what went wrong
    read_ok: list[str] = field(default_factory=list)  # attachment urls fetched and read this time


# Text held by a ReadingCache (characters, all readings together; ~4 MB): a site's sidebar forms and the files
# read but not yet committed fit many times over. The oldest readings go first past it. There is one cache per
# site being crawled in the crawl process (besides the worker's), so it is kept small.
CACHE_CHARS = 2_000_000


@dataclass
class Known:
    """A file's reading with what every page linking the file derives from it (computed once)."""

    document: Document
    content_sha256: str
    text_chars: int


class ReadingCache:
    """One crawl's readings of its attachment files, so a document linked from every page (a sidebar's
    下载中心) is read, or loaded from the store, once per process instead of once per page.

    Keyed as the two sources are: a stored reading by the file's sha256 (the store keeps one per file and
    every page takes it), a fresh reading by sha256 plus the name and Content-Type it was read with (hints
    the reader may need), exactly as a page reading the file itself would get it."""

    def __init__(self, max_chars: int = CACHE_CHARS):
        self.max_chars = max_chars
        self.chars = 0
        self._known: OrderedDict[tuple, Known] = OrderedDict()

    def get(self, key: tuple) -> Known | None:
        found = self._known.get(key)
        if found is not None:
            self._known.move_to_end(key)
        return found

    def keep(self, key: tuple, sha256: str, document: Document) -> Known:
        known = Known(document, content_sha256(document, sha256), len(document.text))
        if known.text_chars <= self.max_chars:
            old = self._known.pop(key, None)
            self.chars += known.text_chars - (old.text_chars if old else 0)
            self._known[key] = known
            while self.chars > self.max_chars:
                _, gone = self._known.popitem(last=False)
                self.chars -= gone.text_chars
        return known


def content_sha256(document: Document, data_sha256: str) -> str:
    """The hash that says whether an attachment changed: of its text, or of its bytes when it has no text."""
    if document.text and FLAG_SCANNED not in document.flags:
        return hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    return data_sha256


def with_reading(attachment: Attachment, sha256: str, document: Document, known: Known | None = None) -> Attachment:
    """The attachment with the file's reading; `known` when the cache already derived it."""
    if known is None:
        known = Known(document, content_sha256(document, sha256), len(document.text))
    return replace(attachment, sha256=sha256, text_chars=known.text_chars, kind=document.kind,
                   content_sha256=known.content_sha256, flags=list(document.flags))


def read_attachments(article: Article, fetched: list[FetchedAttachment], previous: Article | None,
                     stored_document, cache: ReadingCache | None = None) -> AttachmentReadings:
    """Fill `article.attachments` with readings (in place); only reads the store (`stored_document(sha)`).
    `cache` carries readings from page to page (a crawl's ReadingCache); without it, each call reads afresh."""
    readings = AttachmentReadings()
    downloads = {f.url: f for f in fetched}
    before = {a.url: a for a in previous.attachments} if previous else {}
    sources = _Sources(stored_document, cache if cache is not None else ReadingCache())
    for index, attachment in enumerate(article.attachments):
        got = downloads.get(attachment.url)
        if got is None:  # not fetched this crawl (attachments off, or a cap): keep what was known
            article.attachments[index] = _carry(attachment, before.get(attachment.url))
            continue
        error, reading = _read_one(got, attachment, sources, readings)
        if error:
            readings.errors[attachment.url] = error
            article.attachments[index] = _carry(attachment, before.get(attachment.url))
            log.warning("%s: attachment %s: %s", article.url, attachment.url, error)
        else:
            readings.read_ok.append(attachment.url)
            article.attachments[index] = reading
    return readings


@dataclass
class _Sources:
    """Where one page's readings come from: the page's own (a file it links twice is read once), the
    crawl's cache, the store."""

    stored_document: object  # sha256 → the stored reading (dict) or None
    cache: ReadingCache
    pending: dict = field(default_factory=dict)  # sha256 → Known, read for this page

    def stored(self, sha256: str) -> Known | None:
        """The store's reading of the file (cached once found: a stored reading never changes in a crawl)."""
        known = self.cache.get(("stored", sha256))
        if known is None and (found := self.stored_document(sha256)) is not None:
            known = self.cache.keep(("stored", sha256), sha256, Document.from_dict(found))
        return known


def _read_one(got: FetchedAttachment, attachment: Attachment, sources: _Sources, readings):
    """(error, attachment with its reading); a file already stored, or read for an earlier page, is not read again."""
    if got.status == 304 and got.stored_sha256:  # unchanged since the file the request's validators stand for
        stored = sources.stored(got.stored_sha256)
        if stored is None:
            return "the site answered 304 (not modified) but the stored file is gone; it is fetched in full next time", None
        return None, with_reading(attachment, got.stored_sha256, stored.document, stored)
    if got.error or not got.body:
        return got.error or f"empty answer (HTTP {got.status})", None
    sha256 = hashlib.sha256(got.body).hexdigest()
    known = sources.pending.get(sha256) or sources.stored(sha256)
    if known is None:
        name = got.filename or attachment.url
        key = ("read", sha256, name, got.content_type)
        known = sources.cache.get(key)
        if known is None:
            known = sources.cache.keep(key, sha256, read_document(got.body, name, got.content_type))
        sources.pending[sha256] = known
        if not known.document.failed:  # not stored yet: this page's transaction stores it (once: put_attachment)
            readings.new_files.append(NewFile(sha256, got.body, known.document.to_dict()))
    if known.document.failed:
        return f"cannot read the file: {known.document.error}", None
    return None, with_reading(attachment, sha256, known.document, known)


def _carry(attachment: Attachment, before: Attachment | None) -> Attachment:
    """The previous version's reading of the same URL, under the title the page shows now."""
    if before is None or before.sha256 is None:
        return attachment
    return replace(before, title=attachment.title)


def first_readings_only(previous: Article, article: Article) -> bool:
    """True when the only difference is attachments read for the first time (the upgrade to attachment
    tracking, or a file that failed until now): the stored version is completed in place, no alert."""
    if previous.content_hash() == article.content_hash():
        return False
    before = {a.url: a for a in previous.attachments}
    stripped = Article.from_dict(article.to_dict())
    for index, a in enumerate(stripped.attachments):
        old = before.get(a.url)
        if a.sha256 is not None and (old is None or old.sha256 is None):
            stripped.attachments[index] = Attachment(a.title, a.url)
    return stripped.content_hash() == previous.content_hash()


def unreadable_note(attachment: Attachment) -> str:
    """How a change of a file without text is reported."""
    if FLAG_SCANNED in attachment.flags:
        return "附件已更新（扫描件，无法读取文本）"
    if FLAG_UNSUPPORTED in attachment.flags:
        return "附件已更新（无法读取文本）"
    return "附件已更新"


def copy_readings(source: Article, target: Article) -> None:
    """Give `target`'s attachments the readings `source` has for the same URLs (titles kept)."""
    read = {a.url: a for a in source.attachments if a.sha256}
    for index, attachment in enumerate(target.attachments):
        if attachment.url in read:
            target.attachments[index] = replace(read[attachment.url], title=attachment.title)


def with_stored_readings(article: Article, stored: Article, load) -> Article:
    """A fresh extraction given the attachment readings its stored version had (re-read from `load(sha)`)."""
    before = {a.url: a for a in stored.attachments if a.sha256}
    for index, attachment in enumerate(article.attachments):
        old = before.get(attachment.url)
        document = load(old.sha256) if old else None
        if document is not None:
            article.attachments[index] = with_reading(attachment, old.sha256, Document.from_dict(document))
    return article


def reread_attachments(store) -> int:
    """Read every stored attachment file again from its bytes (after a reader improved); returns how many
    readings changed. A file that no longer reads keeps its old reading."""
    changed = 0
    for sha256 in store.attachment_hashes():
        stored = store.attachment_document(sha256)
        data = store.attachment_bytes(sha256)
        document = read_document(data, f"file.{stored.get('kind')}").to_dict()
        if document != stored and not document.get("error"):
            store.replace_attachment_document(sha256, document)
            changed += 1
    return changed
