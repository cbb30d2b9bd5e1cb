"""PDF pages → text with pypdf (chosen by measurement: bench/pdf_libs_bench.py, README "Attachments")."""

from __future__ import annotations

import io
import logging

from . import pypdf_reuse
from .model import (
    FLAG_ENCRYPTED,
    FLAG_SCANNED,
    FLAG_TRUNCATED,
    FLAG_UNREADABLE,
    KIND_PDF,
    Document,
    Part,
    ReadLimits,
)
from .textlines import clean_lines

log = logging.getLogger(__name__)


class _Held(logging.Handler):
    """pypdf's own warnings, held back: a bare "EOF marker not found" names no file; the caller's error does."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.notes.append(record.getMessage())


def read_pdf(data: bytes, limits: ReadLimits) -> Document:
    """One Part per page ("第N页"); a PDF whose pages carry no text at all is flagged as a scan. pypdf's
    warnings join the error of a PDF that cannot be read (its caller logs that with the file's URL)."""
    pypdf_log, held = logging.getLogger("pypdf"), _Held()
    pypdf_log.addHandler(held)
    propagate, pypdf_log.propagate = pypdf_log.propagate, False
    try:
        doc = _read(data, limits)
    finally:
        pypdf_log.removeHandler(held)
        pypdf_log.propagate = propagate
    if doc.error and held.notes:
        doc.error = f"{doc.error} (pypdf: {'; '.join(dict.fromkeys(held.notes))})"[:300]
    elif held.notes:
        log.debug("pypdf read the file with warnings: %s", "; ".join(held.notes))
    return doc


def _read(data: bytes, limits: ReadLimits) -> Document:
    with pypdf_reuse.one_file():
        return _read_pages(data, limits)


def _read_pages(data: bytes, limits: ReadLimits) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _open_without_password(reader):
            return Document(KIND_PDF, flags=[FLAG_ENCRYPTED, FLAG_UNREADABLE],
                            error="PDF is password-protected; its text cannot be read")
        doc = Document(KIND_PDF)
        for number, page in enumerate(reader.pages, 1):
            if number > limits.max_pages:
                doc.flags.append(FLAG_TRUNCATED)
                break
            doc.parts.append(Part(f"第{number}页", clean_lines(page.extract_text() or "")))
    except FileNotDecryptedError:
        return Document(KIND_PDF, flags=[FLAG_ENCRYPTED, FLAG_UNREADABLE], error="PDF is password-protected")
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError, ZeroDivisionError) as exc:  # pypdf raises all of these on damaged files
        return Document(KIND_PDF, flags=[FLAG_UNREADABLE], error=f"damaged PDF: {type(exc).__name__}: {exc}"[:300])
    if doc.parts and not any(p.text for p in doc.parts):
        doc.flags.append(FLAG_SCANNED)
    return doc


def _open_without_password(reader) -> bool:
    """Many official PDFs are encrypted with an empty user password (copy/print restrictions only)."""
    try:
        return bool(reader.decrypt(""))
    except Exception as exc:  # pypdf raises DependencyError/NotImplementedError for ciphers it cannot do
        log.debug("PDF decrypt failed: %s", exc)
        return False
