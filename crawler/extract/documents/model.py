"""What reading an attachment yields: a Document of labelled parts (PDF pages, sheets, zip members) plus flags."""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds a file is sniffed as (magic bytes first, then the name's extension, then the Content-Type).
KIND_PDF = "pdf"
KIND_DOCX = "docx"
KIND_XLSX = "xlsx"
KIND_XLS = "xls"
KIND_DOC = "doc"
KIND_WPS = "wps"
KIND_ZIP = "zip"
KIND_OTHER = "other"  # rar, 7z, ofd, images, anything no reader exists for

# Flags a Document may carry.
FLAG_SCANNED = "scanned"  # a PDF with pages but no text layer (a scan): not "empty text"
FLAG_UNSUPPORTED = "unsupported"  # no well-kept reader for the format (doc, wps, rar ...): kept and hashed only
FLAG_UNREADABLE = "unreadable"  # the file is damaged or refused reading; `error` says why
FLAG_ENCRYPTED = "encrypted"  # password-protected (also unreadable)
FLAG_TRUNCATED = "truncated"  # a cap was hit (pages, rows, archive members, text size): only a prefix was read


@dataclass
class Part:
    """One addressable piece of a document, so a diff can say where an edit is ("第2页", a sheet, a member)."""

    label: str  # "第2页", "报价清单", "技术参数.docx", "技术参数.docx 第1页"; "" when the file has no pages
    text: str  # lines joined by "\n"; table rows are one line, cells joined by a single space
    note: str = ""  # why a zip member has no text ("无法读取：…"), "" otherwise


@dataclass
class Document:
    """The text of one attachment file, or the reason there is none (never raised: recorded as state)."""

    kind: str
    parts: list[Part] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    error: str | None = None  # what went wrong reading the file; None when it was read (or is unsupported)

    @property
    def text(self) -> str:
        """All parts' text in document order (what search and the sentence diff see)."""
        return "\n".join(p.text for p in self.parts if p.text)

    @property
    def failed(self) -> bool:
        """True when the file could not be read: an error on the attachment, never a change of it."""
        return self.error is not None

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "parts": [{"label": p.label, "text": p.text, "note": p.note} for p in self.parts],
            "flags": list(self.flags),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Document:
        parts = [Part(**p) for p in data.get("parts") or []]
        return cls(kind=data["kind"], parts=parts, flags=list(data.get("flags") or []), error=data.get("error"))


@dataclass(frozen=True)
class ReadLimits:
    """Caps that keep one hostile or huge file from eating the crawl (one options object, handed down)."""

    max_pages: int = 500  # PDF pages read
    max_rows: int = 20_000  # rows per sheet
    max_text_chars: int = 2_000_000  # per document, all parts together
    max_members: int = 200  # entries in a zip archive (a zip bomb guard)
    max_unpacked_bytes: int = 100 * 1024 * 1024  # total uncompressed size of a zip, docx or xlsx container
    max_depth: int = 1  # zips inside zips followed this deep


DEFAULT_LIMITS = ReadLimits()
