"""The benchmark mirror's documents: a 下载中心 sidebar on every article page, like the real sites' chrome.

Each site's article pages link the same few shared forms (the sidebar), every 5th page its own file,
every 10th page a document that answers 404, and every 20th page a document on a host that cannot be
resolved (`.invalid`, RFC 2606: never a real name). Files are small PDFs, distinct per URL.
"""

from __future__ import annotations

import re
from pathlib import Path

from crawler.demo.sites import Site

SHARED_FORMS = 4  # sidebar documents linked from every article page of a site
OWN_EVERY, MISSING_EVERY, DEAD_HOST_EVERY = 5, 10, 20
DEAD_HOST = "files.eduwatch-bench.invalid"
PDF = (Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "attachments" / "tender.pdf").read_bytes()
_BODY_END = re.compile(rb"</body\s*>", re.I)


def sidebar(name: str, index: int, slug: str, dead_host: bool = True) -> str:
    """The links one article page carries, as HTML."""
    links = [(f"/{name}/download/form{k}.pdf", f"办事表格{k}") for k in range(1, SHARED_FORMS + 1)]
    if index % OWN_EVERY == 0:
        links.append((f"/{name}/files/{slug}.pdf", "招标文件"))
    if index % MISSING_EVERY == 0:
        links.append((f"/{name}/files/missing-{slug}.pdf", "已撤下的附件"))
    if dead_host and index % DEAD_HOST_EVERY == 0:
        links.append((f"http://{DEAD_HOST}/{name}/{slug}.pdf", "外部附件"))
    items = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in links)
    return f'<div class="download"><h3>下载中心</h3><ul>{items}</ul></div>'


def link_documents(sites: dict[str, Site], root: Path, dead_host: bool = True) -> dict[str, int]:
    """Add the sidebar to every article file under root/<site>/ and write the documents it links (the missing
    and dead-host ones excepted; dead_host=False leaves the dead host's links out). Returns counts: pages,
    documents written, links, distinct linked URLs."""
    counts = {"pages": 0, "documents": 0, "links": 0, "urls": 0}
    urls: set[str] = set()
    for name, site in sites.items():
        for k in range(1, SHARED_FORMS + 1):
            _write_pdf(root / name / "download" / f"form{k}.pdf", f"{name}-form{k}")
            counts["documents"] += 1
        for index, path in enumerate(site.article_paths()):
            slug = path.strip("/").rsplit(".", 1)[0].replace("/", "-")
            html = sidebar(name, index, slug, dead_host)
            target = root / name / path.lstrip("/")
            target.write_bytes(_with_sidebar(target.read_bytes(), html.encode(site.template.encoding,
                                                                              "xmlcharrefreplace")))
            hrefs = re.findall(r'href="([^"]+)"', html)
            counts["pages"] += 1
            counts["links"] += len(hrefs)
            urls.update(hrefs)
            if index % OWN_EVERY == 0:
                _write_pdf(root / name / "files" / f"{slug}.pdf", f"{name}-{slug}")
                counts["documents"] += 1
    counts["urls"] = len(urls)
    return counts


def _with_sidebar(data: bytes, extra: bytes) -> bytes:
    found = _BODY_END.search(data)
    return data[:found.start()] + extra + data[found.start():] if found else data + extra


def _write_pdf(target: Path, tag: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(PDF + f"\n%{tag}\n".encode())
