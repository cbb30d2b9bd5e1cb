"""Attachment text extraction speed per format: files/s, parts (PDF pages, sheets)/s and MB/s.

Run: .venv/bin/python bench/attachments_bench.py [--seconds 3]
Reads the committed fixtures (tests/fixtures/attachments) and three larger files built here from them
with the project's own libraries (a 60-page PDF, a 300-paragraph DOCX with a 200-row table, a 5,000-row XLSX).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract.documents import read_document  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "attachments"


def _big_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for _ in range(30):
        writer.append(PdfReader(FIXTURES / "tender.pdf"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _big_docx() -> bytes:
    import docx

    document = docx.Document()
    for i in range(300):
        document.add_paragraph(f"第{i}条 投标产品须满足技术参数要求，台面采用实芯理化板，厚度不小于12.7毫米。")
    table = document.add_table(rows=200, cols=4)
    for r in range(200):
        for c, value in enumerate((str(r), "学生实验台", "50", "8,000")):
            table.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _big_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r in range(5000):
        sheet.append([r, "学生实验台", 50, 8000.5, "含税含运费"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cases() -> dict[str, tuple[str, bytes]]:
    small = {name: (name, (FIXTURES / name).read_bytes()) for name in
             ("tender.pdf", "table.pdf", "scan.pdf", "spec.docx", "prices.xlsx", "prices.xls", "bundle.zip")}
    return {**small, "60-page PDF": ("big.pdf", _big_pdf()), "big DOCX": ("big.docx", _big_docx()),
            "5k-row XLSX": ("big.xlsx", _big_xlsx())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each file (default 3)")
    args = parser.parse_args()
    print(f"| file | KB | parts | chars | files/s | parts/s | MB/s |\n|---|---:|---:|---:|---:|---:|---:|")
    for label, (name, data) in _cases().items():
        doc = read_document(data, name)
        runs, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < args.seconds:
            read_document(data, name)
            runs += 1
        rate = runs / elapsed
        print(f"| {label} | {len(data) / 1024:.0f} | {len(doc.parts)} | {len(doc.text):,} | {rate:.1f} | "
              f"{rate * len(doc.parts):.0f} | {rate * len(data) / 1e6:.2f} |")


if __name__ == "__main__":
    main()
