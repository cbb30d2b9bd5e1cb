"""The entry point: sniff the kind, check container caps, hand the bytes to the reader for that kind."""

from __future__ import annotations

import logging

from . import archive, office, pdf
from .model import (
    DEFAULT_LIMITS,
    FLAG_TRUNCATED,
    FLAG_UNREADABLE,
    FLAG_UNSUPPORTED,
    KIND_DOCX,
    KIND_PDF,
    KIND_XLS,
    KIND_XLSX,
    KIND_ZIP,
    Document,
    ReadLimits,
)
from .sniff import sniff_kind

log = logging.getLogger(__name__)

_READERS = {KIND_PDF: pdf.read_pdf, KIND_DOCX: office.read_docx, KIND_XLSX: office.read_xlsx, KIND_XLS: office.read_xls}


def read_document(data: bytes, name: str = "", content_type: str | None = None,
                  limits: ReadLimits = DEFAULT_LIMITS) -> Document:
    """The attachment's text by parts, or why there is none. Never raises for file content.

    Args:
        data: the file's bytes.
        name: its file name or URL (the extension is a hint when the bytes are ambiguous).
        content_type: the HTTP Content-Type, another hint.
        limits: caps on pages, rows, members and unpacked size.
    """
    return _read(data, name, limits, 0, content_type)


def _read(data: bytes, name: str, limits: ReadLimits, depth: int, content_type: str | None = None) -> Document:
    kind = sniff_kind(data, name, content_type)
    if not data:
        return Document(kind, flags=[FLAG_UNREADABLE], error="empty file (0 bytes)")
    if kind == KIND_ZIP:
        if depth > limits.max_depth:
            return Document(kind, flags=[FLAG_UNSUPPORTED])
        return archive.read_zip(data, limits, depth, _read)
    reader = _READERS.get(kind)
    if reader is None:
        return Document(kind, flags=[FLAG_UNSUPPORTED])  # stored and hashed; changes show as 无法读取文本
    if kind in (KIND_DOCX, KIND_XLSX) and (why := archive.check_container(data, limits)):
        return Document(kind, flags=[FLAG_UNREADABLE], error=why)
    doc = reader(data, limits)
    _cap_text(doc, limits)
    log.debug("read %s (%s): %d parts, flags %s, error %s", name or "attachment", kind, len(doc.parts),
              doc.flags, doc.error)
    return doc


def _cap_text(doc: Document, limits: ReadLimits) -> None:
    """Keep at most max_text_chars across parts, so one giant file cannot bloat the database."""
    left = limits.max_text_chars
    for index, part in enumerate(doc.parts):
        if len(part.text) > left:
            part.text = part.text[:left]
            del doc.parts[index + 1:]
            doc.flags.append(FLAG_TRUNCATED)
            return
        left -= len(part.text)
