"""Word and Excel files → text: python-docx (tables in document order), openpyxl (read-only), xlrd for .xls."""

from __future__ import annotations

import datetime as dt
import io
import warnings

from .model import FLAG_TRUNCATED, FLAG_UNREADABLE, KIND_DOCX, KIND_XLS, KIND_XLSX, Document, Part, ReadLimits
from .textlines import clean_lines, row_line

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes, limits: ReadLimits) -> Document:
    """Paragraphs and table rows in the order they appear; a DOCX has no pages, so one unlabelled part."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for child in document.element.body.iterchildren():
            if child.tag == _W + "p":
                lines.append(Paragraph(child, document).text)
            elif child.tag == _W + "tbl":
                lines += _table_lines(Table(child, document))
    except Exception as exc:  # python-docx/lxml/zipfile raise many types on a damaged file
        return _failed(KIND_DOCX, exc)
    return Document(KIND_DOCX, parts=[Part("", clean_lines("\n".join(lines)))])


def _table_lines(table) -> list[str]:
    """One line per row; a merged cell (the same cell repeated by python-docx) counted once; nested tables follow."""
    lines: list[str] = []
    for row in table.rows:
        seen, values, nested = set(), [], []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            values.append(" ".join(p.text for p in cell.paragraphs))
            for inner in cell.tables:
                nested += _table_lines(inner)
        lines += [row_line(values), *nested]
    return lines


def read_xlsx(data: bytes, limits: ReadLimits) -> Document:
    """One part per sheet, named after it; rows in order, cells left to right (cached values, not formulas)."""
    import openpyxl

    doc = Document(KIND_XLSX)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "no default style" and similar chatter
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                rows = sheet.iter_rows(values_only=True) if hasattr(sheet, "iter_rows") else []  # chartsheets
                doc.parts.append(Part(sheet.title, _sheet_text(rows, limits, doc)))
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises KeyError/ValueError/BadZipFile/lxml errors on damaged files
        return _failed(KIND_XLSX, exc)
    return doc


def read_xls(data: bytes, limits: ReadLimits) -> Document:
    """Excel 97 (.xls, also WPS .et) through xlrd: one part per sheet."""
    import xlrd

    doc = Document(KIND_XLS)
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        try:
            for index in range(book.nsheets):
                sheet = book.sheet_by_index(index)
                rows = (_xls_row(sheet.row(r), book.datemode) for r in range(sheet.nrows))
                doc.parts.append(Part(sheet.name, _sheet_text(rows, limits, doc)))
        finally:
            book.release_resources()
    except Exception as exc:  # xlrd.XLRDError, struct.error, IndexError ... on damaged files
        return _failed(KIND_XLS, exc)
    return doc


def _sheet_text(rows, limits: ReadLimits, doc: Document) -> str:
    lines: list[str] = []
    for count, row in enumerate(rows, 1):
        if count > limits.max_rows:
            doc.flags.append(FLAG_TRUNCATED)
            break
        line = row_line(_cell_text(v) for v in row)
        if line:
            lines.append(line)
    return "\n".join(lines)


def _xls_row(cells, datemode: int) -> list:
    import xlrd

    values = []
    for cell in cells:
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                values.append(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                values.append(cell.value)
        elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            values.append(None)
        else:
            values.append(cell.value)
    return values


def _cell_text(value) -> str:
    """How a cell reads to a person: 8000.0 → "8000", a midnight datetime → "2024-04-02"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _failed(kind: str, exc: Exception) -> Document:
    return Document(kind, flags=[FLAG_UNREADABLE], error=f"damaged {kind.upper()} file: {type(exc).__name__}: {exc}"[:300])
