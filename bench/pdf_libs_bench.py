"""Compare PDF text libraries on the Chinese fixture PDFs: characters recovered and pages per second.

Run: .venv/bin/pip install pypdf pdfminer.six pdfplumber pypdfium2 pymupdf
     .venv/bin/python bench/pdf_libs_bench.py [rounds]
A library that is not installed is skipped. This is how the project's PDF reader was chosen.
"""

from __future__ import annotations

import difflib
import io
import json
import sys
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "attachments"
FILES = ["tender.pdf", "tender_reportlab.pdf", "tender_stsong.pdf", "table.pdf"]


def _pypdf(data: bytes) -> list[str]:
    import pypdf

    return [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def _pdfminer(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    count = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))
    return [extract_text(io.BytesIO(data), page_numbers=[i]) for i in range(count)]


def _pdfplumber(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def _pdfium(data: bytes) -> list[str]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def _pymupdf(data: bytes) -> list[str]:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return [page.get_text() for page in doc]


LIBS = {"pypdf": _pypdf, "pdfminer.six": _pdfminer, "pdfplumber": _pdfplumber, "pypdfium2": _pdfium,
        "pymupdf (AGPL)": _pymupdf}


def _score(got: list[str], want: list[str]) -> tuple[int, int]:
    """Characters of the expected text found in order (whitespace ignored), over the expected count."""
    a = "".join("".join(want).split())
    b = "".join("".join(got).split())
    matched = sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return matched, len(a)


def _lines(got: list[str], want: list[str]) -> tuple[int, int]:
    """Expected lines (a table row, a paragraph) that come out as one line of their own."""
    have = {" ".join(line.split()) for page in got for line in page.splitlines()}
    lines = [" ".join(line.split()) for page in want for line in page.splitlines() if line.strip()]
    return sum(line in have for line in lines), len(lines)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    blobs = {name: (FIXTURES / name).read_bytes() for name in FILES}
    print(f"{'library':16} " + " ".join(f"{n[:-4]:>18}" for n in FILES) + f" {'pages/s':>8}")
    for label, fn in LIBS.items():
        try:
            fn(blobs[FILES[0]])
        except ImportError:
            print(f"{label:16} (not installed)")
            continue
        cells, pages, start = [], 0, time.perf_counter()
        for name in FILES:
            try:
                got = fn(blobs[name])
                hit, total = _score(got, expected[name])
                whole, lines = _lines(got, expected[name])
                cells.append(f"{100 * hit / total:5.1f}% {whole:>2}/{lines:<2}lines")
            except Exception as exc:  # a library failing on a file is a result, not a crash
                cells.append(f"{type(exc).__name__[:18]:>18}")
        for _ in range(rounds):
            for name in FILES:
                try:
                    pages += len(fn(blobs[name]))
                except Exception:  # counted above
                    pass
        rate = pages / (time.perf_counter() - start)
        print(f"{label:16} " + " ".join(f"{c:>18}" for c in cells) + f" {rate:8.1f}")
    print("cells: expected characters recovered in order (whitespace ignored); lines (paragraphs, table rows) kept whole")


if __name__ == "__main__":
    main()
