"""The benchmark's mirror: demo-template sites dressed in real-like chrome, written as static files and served.

Served by nginx (Debian's `nginx` package: `apt-get install nginx`) when it is installed: a C server that
costs the crawl almost no CPU, with ETag / Last-Modified / 304 and gzip like the real sites' servers. Without
nginx, Python's static file server at `nice 10` stands in (Last-Modified and 304, no ETag, no gzip).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from chrome import dress

from crawler.demo.sites import Site, build_site

SEED = 7
PER_PAGE = 20
EDIT_TAIL = "（基准测试修订：经费调整为三百万元。）"
ROBOTS = b"User-agent: *\nAllow: /\n"


class MirrorError(RuntimeError):
    """The mirror could not be built or served; the message says what to do."""


def build_sites(templates: list[str], pages: int) -> dict[str, Site]:
    """`pages` articles split evenly over the templates, 20 per list page, deterministic."""
    share, extra = divmod(pages, len(templates))
    return {name: build_site(name, share + (1 if k < extra else 0), SEED, per_page=PER_PAGE)
            for k, name in enumerate(templates)}


def http_charset(site: Site, path: str) -> str | None:
    page = site.render(path)
    match = re.search(r"charset=([\w-]+)", page.headers.get("Content-Type", ""))
    return match.group(1) if match else None


def page_bytes(name: str, site: Site, path: str, heavy: bool) -> bytes:
    """The bytes the mirror serves at path: the template's page, in its site's chrome when heavy."""
    body = site.render(path).body
    return dress(site.spec.template, path, body, site.template.encoding) if heavy else body


@dataclass
class MirrorFiles:
    root: Path
    article_bytes: list[int]  # size of every article page, for the report


def write_mirror(sites: dict[str, Site], root: Path, heavy: bool) -> MirrorFiles:
    """Every list and article page of every site as a file under root/<site>/..., plus robots.txt."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "robots.txt").write_bytes(ROBOTS)
    sizes = []
    for name, site in sites.items():
        for path in site.list_paths():
            _write(root, name, path, page_bytes(name, site, path, heavy))
        for path in site.article_paths():
            sizes.append(_write(root, name, path, page_bytes(name, site, path, heavy)))
    return MirrorFiles(root, sizes)


def _write(root: Path, name: str, path: str, data: bytes, mtime: float | None = None) -> int:
    target = root / name / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return len(data)


def edit_pages(sites: dict[str, Site], root: Path, fraction: float, heavy: bool) -> list[str]:
    """Edit one sentence in every 1/fraction-th article and rewrite its file (mtime moved on: a new validator)."""
    step = max(1, round(1 / fraction))
    edited = []
    for name, site in sites.items():
        for path in site.article_paths()[::step]:
            article = site.article(path)
            if article.kind == "members_only" or not article.paragraphs:
                continue
            sentence = article.paragraphs[0].split("。")[0]
            site.edit_sentence(path, sentence, sentence + EDIT_TAIL)
            old = (root / name / path.lstrip("/")).stat().st_mtime
            _write(root, name, path, page_bytes(name, site, path, heavy), mtime=max(time.time(), old + 2))
            edited.append(f"/{name}{path}")
    return edited


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


NGINX_CONF = """{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {access};
    client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
    types {{ text/html html htm shtml; text/plain txt; application/pdf pdf; }}
    default_type text/html;
    sendfile on; tcp_nopush on; keepalive_requests 100000; keepalive_timeout 60;
    gzip on; gzip_comp_level 1; gzip_types text/html text/plain; gzip_min_length 256;
    etag on; if_modified_since exact;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {root};
        charset utf-8;
{charsets}
    }}
}}
"""


class Server:
    """nginx (or, without it, Python's static file server at nice 10) serving the mirror's files."""

    def __init__(self, root: Path, work: Path, sites: dict[str, Site], kind: str = "auto", log_requests: bool = False):
        self.root, self.work = root, work
        self.access_log = work / "access.log" if log_requests else None  # one line per request: requests()
        self.port = free_port()
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if kind == "nginx" and not nginx:
            raise MirrorError("nginx is not installed: `apt-get install nginx`, or pass --server python")
        self.kind = "nginx" if nginx and kind != "python" else "python"
        if self.kind == "nginx":
            charsets = "\n".join(f"        location /{name}/ {{ charset {site.template.http_charset}; }}"
                                 for name, site in sites.items() if site.template.http_charset != "utf-8")
            conf = work / "nginx.conf"
            # as root, nginx's workers drop to `nobody`, who cannot read a 0700 temporary directory
            user = "user root;\n" if os.geteuid() == 0 else ""
            conf.write_text(NGINX_CONF.format(user=user, work=work, port=self.port, root=root, charsets=charsets,
                                              access=self.access_log or "off"))
            self.proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(work), "-g", "daemon off;"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        else:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "import os,sys; os.nice(10); from http.server import test, "
                 "ThreadingHTTPServer, SimpleHTTPRequestHandler as H; H.protocol_version='HTTP/1.1'; "
                 "ThreadingHTTPServer.request_queue_size = 128; "
                 "test(H, ThreadingHTTPServer, port=int(sys.argv[1]), bind='127.0.0.1')", str(self.port)],
                cwd=root, stdout=subprocess.DEVNULL,
                stderr=open(self.access_log, "ab") if self.access_log else subprocess.DEVNULL)  # noqa: SIM115
        self._wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def version(self) -> str:
        if self.kind == "python":
            return "Python http.server (nice 10)"
        out = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True, text=True)
        return out.stderr.strip().replace("nginx version: ", "")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise MirrorError(f"the {self.kind} mirror server exited at once: {err.strip()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise MirrorError(f"the {self.kind} mirror server did not listen on port {self.port} within 15 s")

    def requests(self) -> int:
        """Requests served so far (with log_requests): each server logs one line per request."""
        if self.access_log is None or not self.access_log.exists():
            return 0
        return sum(1 for line in self.access_log.read_text("utf-8", "replace").splitlines() if '"GET ' in line)

    def pids(self) -> list[int]:
        """The server's processes (nginx: master and worker), for the CPU it used."""
        from tests.procs import descendants

        return [self.proc.pid, *descendants(self.proc.pid)]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
