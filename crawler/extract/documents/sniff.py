"""Tell what kind of file an attachment is: magic bytes first, then the file name, then the Content-Type."""

from __future__ import annotations

import io
import posixpath
import zipfile
from urllib.parse import unquote, urlsplit

from .model import KIND_DOC, KIND_DOCX, KIND_OTHER, KIND_PDF, KIND_WPS, KIND_XLS, KIND_XLSX, KIND_ZIP

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97 .doc, Excel 97 .xls, WPS .wps/.et
_EXTENSIONS = {
    ".pdf": KIND_PDF, ".docx": KIND_DOCX, ".xlsx": KIND_XLSX, ".xls": KIND_XLS, ".et": KIND_XLS,
    ".doc": KIND_DOC, ".wps": KIND_WPS, ".zip": KIND_ZIP,
}
_CONTENT_TYPES = {
    "application/pdf": KIND_PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": KIND_DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": KIND_XLSX,
    "application/vnd.ms-excel": KIND_XLS,
    "application/msword": KIND_DOC,
    "application/zip": KIND_ZIP,
    "application/x-zip-compressed": KIND_ZIP,
}


def kind_from_name(name: str) -> str | None:
    """The kind a file name or URL path suggests (".pdf" → "pdf"), None when the extension says nothing."""
    path = unquote(urlsplit(name).path if "://" in name else name)
    return _EXTENSIONS.get(posixpath.splitext(path)[1].lower())


def kind_from_content_type(content_type: str | None) -> str | None:
    """The kind a Content-Type header names, None for generic types such as application/octet-stream."""
    if not content_type:
        return None
    return _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())


def sniff_kind(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """The file's kind; the bytes win over the name because sites serve PDFs as download.jsp?id=…"""
    hinted = kind_from_name(name) or kind_from_content_type(content_type)
    head = data[:1024]
    if b"%PDF-" in head:
        return KIND_PDF
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data, hinted)
    if data.startswith(_OLE_MAGIC):
        return hinted if hinted in (KIND_XLS, KIND_DOC, KIND_WPS) else KIND_DOC
    return hinted or KIND_OTHER


def _zip_kind(data: bytes, hinted: str | None) -> str:
    """docx and xlsx are zips too: look inside for word/ or xl/ before calling it an archive."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return hinted or KIND_ZIP  # a damaged container: let the hinted reader say what is wrong
    if "word/document.xml" in names:
        return KIND_DOCX
    if "xl/workbook.xml" in names:
        return KIND_XLSX
    return KIND_ZIP
