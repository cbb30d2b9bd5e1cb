"""Attachment reading: file bytes → Document (text per PDF page, sheet or zip member, plus flags).

    from crawler.extract.documents import read_document
    doc = read_document(data, name="招标文件.pdf", content_type="application/pdf")
    doc.text, doc.parts[1].label, doc.flags, doc.error

Pure: no Scrapy, no storage, no network; never raises for file content (failures come back as `error`).
"""

from __future__ import annotations

from .model import (
    DEFAULT_LIMITS,
    FLAG_ENCRYPTED,
    FLAG_SCANNED,
    FLAG_TRUNCATED,
    FLAG_UNREADABLE,
    FLAG_UNSUPPORTED,
    Document,
    Part,
    ReadLimits,
)
from .read import read_document
from .sniff import sniff_kind

__all__ = [
    "DEFAULT_LIMITS", "FLAG_ENCRYPTED", "FLAG_SCANNED", "FLAG_TRUNCATED", "FLAG_UNREADABLE", "FLAG_UNSUPPORTED",
    "Document", "Part", "ReadLimits", "read_document", "sniff_kind",
]
