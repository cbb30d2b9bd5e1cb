"""Join a page's downloaded attachments to its Article: read each new file once, keep the last good reading on failure.

An attachment that cannot be fetched or read is an error on that attachment: the article keeps the
reading it had (so nothing looks removed or blanked) and the error is recorded beside it.
"""

from __future__ import annotations

import hashlib
import logging
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


def content_sha256(document: Document, data_sha256: str) -> str:
    """The hash that says whether an attachment changed: of its text, or of its bytes when it has no text."""
    if document.text and FLAG_SCANNED not in document.flags:
        return hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    return data_sha256


def with_reading(attachment: Attachment, sha256: str, document: Document) -> Attachment:
    return replace(attachment, sha256=sha256, text_chars=len(document.text), kind=document.kind,
                   content_sha256=content_sha256(document, sha256), flags=list(document.flags))


def read_attachments(article: Article, fetched: list[FetchedAttachment], previous: Article | None,
                     stored_document) -> AttachmentReadings:
    """Fill `article.attachments` with readings (in place); only reads the store (`stored_document(sha)`)."""
    readings = AttachmentReadings()
    downloads = {f.url: f for f in fetched}
    before = {a.url: a for a in previous.attachments} if previous else {}
    pending: dict[str, Document] = {}
    for index, attachment in enumerate(article.attachments):
        got = downloads.get(attachment.url)
        if got is None:  # not fetched this crawl (attachments off, or a cap): keep what was known
            article.attachments[index] = _carry(attachment, before.get(attachment.url))
            continue
        error, reading = _read_one(got, attachment, stored_document, pending, readings)
        if error:
            readings.errors[attachment.url] = error
            article.attachments[index] = _carry(attachment, before.get(attachment.url))
            log.warning("%s: attachment %s: %s", article.url, attachment.url, error)
        else:
            readings.read_ok.append(attachment.url)
            article.attachments[index] = reading
    return readings


def _read_one(got: FetchedAttachment, attachment: Attachment, stored_document, pending, readings):
    """(error, attachment with its reading); a file already stored is not read again."""
    if got.status == 304 and got.stored_sha256:  # unchanged since the file the request's validators stand for
        stored = stored_document(got.stored_sha256)
        if stored is None:
            return "the site answered 304 (not modified) but the stored file is gone; it is fetched in full next time", None
        return None, with_reading(attachment, got.stored_sha256, Document.from_dict(stored))
    if got.error or not got.body:
        return got.error or f"empty answer (HTTP {got.status})", None
    sha256 = hashlib.sha256(got.body).hexdigest()
    if sha256 in pending:
        document = pending[sha256]
    elif (stored := stored_document(sha256)) is not None:
        document = Document.from_dict(stored)
    else:
        document = read_document(got.body, got.filename or attachment.url, got.content_type)
        pending[sha256] = document
        if not document.failed:
            readings.new_files.append(NewFile(sha256, got.body, document.to_dict()))
    if document.failed:
        return f"cannot read the file: {document.error}", None
    return None, with_reading(attachment, sha256, document)


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
