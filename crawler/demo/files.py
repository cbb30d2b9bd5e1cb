"""Attachment files for the demo sites: explicit files put by tests, and a generated DOCX for each linked one."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from datetime import datetime
from email.utils import formatdate
from urllib.parse import quote, urljoin

from crawler.demo.sites import Page, Site

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DemoFiles:
    """Files by server path; answers carry Last-Modified (the server adds the ETag)."""

    def __init__(self):
        self._files: dict[str, Page] = {}
        self._lock = threading.Lock()

    def put(self, path: str, data: bytes, content_type: str, filename: str | None = None) -> None:
        """Serve `data` at server path `path` from now on (a new put is a new version of the file)."""
        headers = {"Content-Type": content_type, "Last-Modified": formatdate(time.time(), usegmt=True)}
        if filename:
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        with self._lock:
            self._files[path] = Page(200, headers, data)

    def remove(self, path: str) -> None:
        """Answer 404 at `path` from now on (an attachment taken down while the page still links it)."""
        with self._lock:
            self._files[path] = Page(404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404 Not Found</h1>")

    def get(self, path: str) -> Page | None:
        with self._lock:
            return self._files.get(path)


_LINKS: dict[int, dict[str, tuple[str, str]]] = {}  # id(site) → {"path?query": (article path, title)}


def linked_attachment(site: Site, inner: str, query: str) -> Page | None:
    """A generated DOCX when an article of `site` links this path (the demo's 实施方案 and 采购文件 links)."""
    key = inner + ("?" + query if query else "")
    links = _LINKS.get(id(site))
    if links is None or key not in links:
        links = _LINKS[id(site)] = _index(site)
    if key not in links:
        return None
    path, title = links[key]
    article = site.article(path)
    headers = {"Content-Type": DOCX_TYPE, "Last-Modified": formatdate(site.last_modified(path), usegmt=True),
               "Content-Disposition": f"attachment; filename*=UTF-8''{quote(title)}.docx"}
    return Page(200, headers, _docx(title, article.title, article.fields))


def _index(site: Site) -> dict[str, tuple[str, str]]:
    return {urljoin(path, href): (path, title) for path in site.article_paths()
            for title, href in site.article(path).attachments}


def _docx(title: str, article_title: str, fields: dict[str, str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(f"本文件为《{article_title}》的附件。")
    for key, value in fields.items():
        document.add_paragraph(f"{key}：{value}")
    document.core_properties.created = document.core_properties.modified = datetime(2024, 1, 1)
    out = io.BytesIO()
    document.save(out)
    return _fixed_dates(out.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    """The same file every time it is generated (zip members otherwise carry the current time)."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
