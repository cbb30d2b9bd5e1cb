"""Fixture sites and server behave like the real sites (and misbehave on demand); the golden corpus is well-formed."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.demo.server import DemoServerError, SiteServer
from crawler.demo.sites import TEMPLATES, DemoError, build_site, default_sites

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_KEYS = {
    "url",
    "http_charset",
    "title",
    "subtitle",
    "published",
    "source",
    "editor",
    "body",
    "attachments",
    "fields",
    "encoding",
}
CANONICAL_FIELDS = {
    "项目编号",
    "项目名称",
    "采购人",
    "采购方式",
    "预算金额",
    "最高限价",
    "开标时间",
    "截止时间",
    "公告时间",
    "代理机构",
    "中标金额",
    "供应商",
    "联系人",
    "联系电话",
    "行政区域",
}
ARTICLE_LINK = re.compile(r'href="(\.{1,2}/[^"]+\.(?:s?html?|htm))"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) without raising on HTTP error statuses."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture()
def server():
    with SiteServer(default_sites()) as s:
        yield s


def charset_of(headers) -> str:
    return headers.get_content_charset() or "utf-8"


# --- the generated sites -------------------------------------------------------------------------


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_list_page_links_resolve_to_article_pages(server, template):
    site = server.sites[template]
    seen = set()
    for list_path in site.list_paths():
        url = server.url_for(template, list_path)
        status, headers, body = fetch(url)
        assert status == 200
        text = body.decode(charset_of(headers))
        links = ARTICLE_LINK.findall(text)
        assert links, f"no article links on {url}"
        for href in links:
            target = urljoin(url, href)
            st, _, _ = fetch(target)
            assert st == 200, target
            if urlsplit(target).path.removeprefix(f"/{template}") in site.article_paths():
                seen.add(target)
    assert len(seen) == len(site.article_paths()), "pagination must reach every article"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_next_page_links_walk_every_list_page(server, template):
    site = server.sites[template]
    url, visited = server.url_for(template, site.list_paths()[0]), []
    while url and len(visited) < 10:
        status, headers, body = fetch(url)
        assert status == 200, url
        visited.append(urlsplit(url).path.removeprefix(f"/{template}"))
        nxt = re.search(r'href="([^"]+)">下一页</a>', body.decode(charset_of(headers)))
        url = urljoin(url, nxt.group(1)) if nxt else None
    assert visited == site.list_paths()


def test_article_pages_carry_their_content_and_boilerplate(server):
    site = server.sites["moe"]
    path = site.article_paths()[1]
    a = site.article(path)
    _, _, body = fetch(server.url_for("moe", path))
    text = body.decode()
    assert f"<h1>{a.title}</h1>" in text
    assert a.paragraphs[0] in text
    for marker in (
        'class="TRS_Editor"',
        'id="detail-editor"',
        'id="moeCode"',
        'class="relnews"',
        "moe_footer",
    ):
        assert marker in text
    assert "./W0" in text  # moe attachment links are relative docx links


def test_ceiea_is_gbk_labelled_gb2312(server):
    site = server.sites["ceiea"]
    status, headers, body = fetch(server.url_for("ceiea", site.article_paths()[0]))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=gb2312"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "中国教育装备网" in body.decode("gbk")


def test_gd_has_a_gbk_page_whose_header_says_utf8(server):
    site = server.sites["gd"]
    mismatched = [p for p in site.article_paths() if site.article(p).encoding == "gbk"]
    assert mismatched
    _, headers, body = fetch(server.url_for("gd", mismatched[0]))
    assert headers.get_content_charset() == "utf-8"
    assert "charset=gb2312" in body.decode("gbk")


def test_ccgp_correction_repeats_the_tender_project_number():
    site = build_site("ccgp", 6)
    arts = [site.article(p) for p in site.article_paths()]
    tender, correction = arts[0], arts[2]
    assert correction.kind == "correction" and "更正公告" in correction.title
    assert correction.fields["项目编号"] == tender.fields["项目编号"]
    assert tender.fields["项目编号"] in site.render(correction.path).body.decode()


def test_same_seed_gives_identical_bytes_and_other_seed_differs():
    one, two, other = build_site("caigou", 8), build_site("caigou", 8), build_site("caigou", 8, seed=1)
    path = one.article_paths()[3]
    assert one.render(path).body == two.render(path).body
    assert [one.article(p).title for p in one.article_paths()] != [
        other.article(p).title for p in other.article_paths()
    ]


def test_large_mirror_has_unique_paths():
    site = build_site("caigou", 3000)
    assert len(set(site.article_paths())) == 3000
    assert len(site.list_paths()) == 150


@pytest.mark.parametrize(
    "knob",
    [
        {"views": 9999},
        {"related_seed": 3},
        {"ad_variant": 1},
        {"footer_year": 2031},
        {"nonce": "n2"},
        {"share_variant": 1},
        {"reorder": True},
        {"recent_seed": 2},
    ],
)
def test_noise_changes_bytes_not_content(knob):
    template = {"nonce": "ccgp", "recent_seed": "portal"}.get(next(iter(knob)), "caigou")
    site = build_site(template, 8)
    path = site.article_paths()[0]
    before = site.render(path).body
    site.set_noise(path, **knob)
    after = site.render(path).body
    assert after != before
    a = site.article(path)
    for text in [a.title, *a.paragraphs]:
        assert text in after.decode()


def test_unknown_noise_knob_names_the_valid_ones():
    site = build_site("moe", 2)
    with pytest.raises(DemoError, match="views"):
        site.set_noise(site.article_paths()[0], colour="red")


def test_bad_arguments_get_clear_errors():
    with pytest.raises(DemoError, match="caigou"):
        build_site("nosuch", 3)
    site = build_site("moe", 2)
    with pytest.raises(DemoError, match="article_paths"):
        site.set_title("/nope.html", "x")
    with pytest.raises(DemoError, match="not in the body"):
        site.edit_sentence(site.article_paths()[0], "这句话不存在", "x")


# --- mutations through the running server ----------------------------------------------------------


def test_mutations_show_up_over_http(server):
    site = server.sites["caigou"]
    path = site.article_paths()[0]
    url = server.url_for("caigou", path)
    old = site.article(path).paragraphs[0][:12]
    site.edit_sentence(path, old, "全新的第一句话")
    site.set_title(path, "改过的标题")
    site.append_paragraph(path, "新增的一段补充说明。")
    site.set_field(path, "预算金额", "999.00元")
    site.add_attachment(path, "补充文件", "./fj.pdf")
    text = fetch(url)[2].decode()
    for expected in (
        "全新的第一句话",
        "<h1>改过的标题</h1>",
        "新增的一段补充说明。",
        "预算金额：999.00元",
        "补充文件",
    ):
        assert expected in text
    site.remove(path)
    status, _, body = fetch(url)
    assert status == 404 and "页面不存在" in body.decode()
    list_text = fetch(server.url_for("caigou", site.list_paths()[0]))[2].decode()
    assert path.rsplit("/", 1)[1] not in list_text


def test_conditional_requests_get_304_until_the_page_changes(server):
    site = server.sites["moe"]
    path = site.article_paths()[0]
    url = server.url_for("moe", path)
    status, headers, _ = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304
    site.append_paragraph(path, "更新内容。")
    assert fetch(url, {"If-None-Match": etag})[0] == 200
    assert fetch(url, {"If-Modified-Since": modified})[0] == 200


def test_gzip_when_asked_and_robots_allow_all(server):
    url = server.url_for("portal", server.sites["portal"].article_paths()[0])
    status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert "最近更新" in gzip.decompress(body).decode()
    status, _, robots = fetch(server.url + "/robots.txt")
    assert status == 200 and b"Allow: /" in robots


def test_unknown_paths_and_sites_are_404(server):
    assert fetch(server.url + "/moe/no/such/page.html")[0] == 404
    assert fetch(server.url + "/nosite/index.html")[0] == 404
    with pytest.raises(DemoServerError, match="mounted"):
        server.url_for("nosite", "/")


# --- fault modes -------------------------------------------------------------------------------------


@pytest.fixture()
def faulty(server):
    path = "/moe" + server.sites["moe"].article_paths()[0]
    return server, path, server.url + path


@pytest.mark.parametrize(
    "mode,status,needle",
    [
        ("500", 500, b"500"),
        ("waf", 412, "安全验证".encode()),
        ("soft404", 200, "页面不存在".encode()),
    ],
)
def test_error_pages(faulty, mode, status, needle):
    server, path, url = faulty
    server.set_fault(path, mode)
    got, _, body = fetch(url)
    assert got == status and needle in body


@pytest.mark.parametrize("mode,status", [("503", 503), ("429", 429)])
def test_throttling_sends_retry_after(faulty, mode, status):
    server, path, url = faulty
    server.set_fault(path, mode, retry_after=7)
    got, headers, _ = fetch(url)
    assert got == status and headers["Retry-After"] == "7"


def test_flap_fails_once_then_serves(faulty):
    server, path, url = faulty
    server.set_fault(path, "flap")
    assert fetch(url)[0] == 503
    assert fetch(url)[0] == 200


def test_clear_fault_restores_the_page(faulty):
    server, path, url = faulty
    server.set_fault(path, "500")
    server.clear_fault(path)
    assert fetch(url)[0] == 200


def test_delay_trips_a_client_timeout(faulty):
    server, path, url = faulty
    server.set_fault(path, "delay", seconds=5)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fetch(url, timeout=0.3)


def test_reset_drops_the_connection(faulty):
    server, path, url = faulty
    server.set_fault(path, "reset")
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        fetch(url)


def test_truncated_body_is_shorter_than_announced(faulty):
    server, path, url = faulty
    server.set_fault(path, "truncate")
    with pytest.raises(http.client.IncompleteRead):
        fetch(url)


def test_huge_page_announces_20_mb(faulty):
    server, path, url = faulty
    server.set_fault(path, "huge")
    with urllib.request.urlopen(url, timeout=10) as r:
        assert int(r.headers["Content-Length"]) >= 20 * 1024 * 1024
        assert r.read(100).startswith(b"<html>")


def test_redirects(faulty):
    server, path, url = faulty
    server.set_fault(path, "redirect_loop")
    status, headers, _ = fetch(url)
    assert status == 302 and headers["Location"] == url
    server.set_fault(path, "redirect_home")
    status, headers, _ = fetch(url)
    assert status == 302 and headers["Location"] == server.url + "/moe/"


def test_broken_gzip_cannot_be_decoded(faulty):
    server, path, url = faulty
    server.set_fault(path, "bad_gzip")
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(body)


def test_unknown_fault_mode_lists_the_known_ones(server):
    with pytest.raises(DemoServerError, match="redirect_loop"):
        server.set_fault("/moe/x", "explode")


@pytest.mark.parametrize(
    "args,ok,missing",
    [
        ([], "/moe/jyb_xwfb/gzdt_gzdt/index.html", "/moe/jyb_xwfb/gzdt_gzdt/index_9.html"),
        (
            ["--articles", "45", "--templates", "ccgp"],
            "/ccgp/cggg/dfgg/gkzb/index_2.htm",
            "/moe/jyb_xwfb/gzdt_gzdt/index.html",
        ),
    ],
    ids=["bundle", "mirror"],
)
@pytest.mark.e2e
def test_module_entry_point_prints_its_url_and_serves(args, ok, missing):
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demo.server", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        assert fetch(base + ok)[0] == 200
        assert fetch(base + missing)[0] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


# --- the golden corpus ---------------------------------------------------------------------------------

GOLDEN_CASES = sorted(GOLDEN.glob("*/*.json"))


def test_golden_corpus_is_big_and_varied():
    assert len(GOLDEN_CASES) >= 34
    assert len({p.parent.name for p in GOLDEN_CASES}) >= 8
    expected = [json.loads(p.read_text("utf-8")) for p in GOLDEN_CASES]
    assert sum(e["encoding"] == "gb18030" for e in expected) >= 7
    assert any(p.with_suffix(".html").read_bytes().startswith(b"\xef\xbb\xbf") for p in GOLDEN_CASES)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_case_is_well_formed(case):
    exp = json.loads(case.read_text("utf-8"))
    assert GOLDEN_KEYS <= set(exp), f"missing {GOLDEN_KEYS - set(exp)}"
    assert exp["url"].startswith(("http://", "https://"))
    assert exp["encoding"] in ("utf-8", "gb18030")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:00\+08:00)?", exp["published"])
    assert all(a["url"].startswith(("http://", "https://")) and a["title"] for a in exp["attachments"])
    assert set(exp["fields"]) <= CANONICAL_FIELDS
    text = case.with_suffix(".html").read_bytes().removeprefix(b"\xef\xbb\xbf").decode(exp["encoding"])
    visible = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", re.sub(r"<script.*?</script>", "", text, flags=re.S)))
    for line in [exp["title"], *filter(None, exp["body"].split("\n"))]:
        assert line == " ".join(line.split()) and not line.startswith("\u3000")
        assert re.sub(r"\s+", "", line) in visible, line
