"""Attachments: text extraction speed per format (files/s, parts/s, MB/s) and DB growth of an unchanged recheck.

Run: .venv/bin/python bench/attachments_bench.py [--seconds 3] [--growth 200]
Speed: the committed fixtures (tests/fixtures/attachments) and three larger files built here with the
project's own libraries (a 60-page PDF, a 300-paragraph DOCX with a 200-row table, a 5,000-row XLSX).
Growth (--growth N, 0 skips it): N moe articles on the local demo server, each linking its own PDF and
a shared DOCX; a baseline crawl, then an unchanged recheck; bytes the database grew per page.
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import subprocess
import sys
import tempfile
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


def _db_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def growth(n: int) -> None:
    """Baseline crawl, then an unchanged recheck of N pages with attachments: DB bytes grown per page."""
    from crawler.demo.run import FAST
    from crawler.demo.server import SiteServer
    from crawler.demo.sites import build_site

    site = build_site("moe", n)
    pdf, spec = (FIXTURES / "tender.pdf").read_bytes(), (FIXTURES / "spec.docx").read_bytes()
    with SiteServer({"moe": site}) as server, tempfile.TemporaryDirectory() as tmp:
        for path in site.article_paths():
            folder, slug = path.rsplit("/", 1)[0], path.rsplit("/", 1)[1].split(".")[0]
            server.put_file(f"/moe{folder}/{slug}.pdf", pdf + f"\n%{slug}\n".encode(), "application/pdf")
            server.put_file(f"/moe{folder}/spec.docx", spec, "application/msword")
            site.add_attachment(path, "招标文件", f"./{slug}.pdf")
            site.add_attachment(path, "技术参数", "./spec.docx")
        work = Path(tmp)
        (work / "eduwatch.toml").write_text(
            f'[[sites]]\nname = "moe"\nstart_urls = ["{server.url_for("moe", site.spec.list_path)}"]\n'
            f'spider = "moe"\nmax_list_pages = {len(site.list_paths()) + 5}\n', encoding="utf-8")
        sizes = []
        for label in ("baseline", "recheck"):
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "crawler", "crawl", "--config", str(work / "eduwatch.toml"),
                            "--db", str(work / "eduwatch.db"), *FAST], check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(FIXTURES.parents[2])})
            sizes.append(_db_bytes(work / "eduwatch.db"))
            print(f"{label}: {time.monotonic() - started:.1f} s, database {sizes[-1]:,} bytes")
        with sqlite3.connect(work / "eduwatch.db") as conn:
            files = conn.execute("SELECT count(*), sum(size) FROM attachment_files").fetchone()
            changes = conn.execute("SELECT count(*) FROM changes WHERE kind = 'changed'").fetchone()[0]
        print(f"{n} pages, {files[0]} attachment files stored ({files[1]:,} bytes), {changes} changes on recheck")
        print(f"DB growth per unchanged recheck: {(sizes[1] - sizes[0]) / n:.0f} bytes/page (target ≤ 200)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each file (default 3)")
    parser.add_argument("--growth", type=int, default=200, help="pages for the recheck-growth run (0: skip)")
    args = parser.parse_args()
    if args.growth:
        growth(args.growth)
    print("| file | KB | parts | chars | files/s | parts/s | MB/s |\n|---|---:|---:|---:|---:|---:|---:|")
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
