"""PDF pages → text with pypdf (chosen by measurement: bench/pdf_libs_bench.py, README "Attachments")."""

from __future__ import annotations

import io
import logging
import threading

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


# pypdf builds a page's fonts anew for every page it extracts (parses each ToUnicode CMap, collects the widths:
# half the time of reading a PDF) although a file's pages share their fonts (one font dictionary, referenced by
# each page). While this thread reads one file, a font dictionary's Font is built once (pypdf only reads a Font
# while extracting, besides setting its space width to the same value on every page).
_FONTS = threading.local()


def _build_fonts_once() -> None:
    """Route pypdf's Font.from_font_resource through the file's fonts (once per process; elsewhere, and in any
    other thread, it builds as before). A pypdf without it reads as before, only slower."""
    try:
        from pypdf.generic._font import Font
        build = Font.__dict__["from_font_resource"].__func__
    except (ImportError, KeyError, AttributeError):
        return
    if getattr(build, "eduwatch_once", False):
        return

    def from_font_resource(cls, pdf_font_dict):
        fonts = getattr(_FONTS, "built", None)
        if fonts is None:
            return build(cls, pdf_font_dict)
        held = fonts.get(id(pdf_font_dict))
        if held is None:  # the dictionary is held too: its id stays its own while the file is read
            held = fonts[id(pdf_font_dict)] = (pdf_font_dict, build(cls, pdf_font_dict))
        return held[1]

    from_font_resource.eduwatch_once = True
    Font.from_font_resource = classmethod(from_font_resource)


def _read(data: bytes, limits: ReadLimits) -> Document:
    _build_fonts_once()
    outer, _FONTS.built = getattr(_FONTS, "built", None), {}
    try:
        return _read_pages(data, limits)
    finally:
        _FONTS.built = outer


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
