"""The web view as a user sees it: a real crawl into a real database, served over HTTP, read by urllib and Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from crawler.demo.mailbox import LocalMailbox
from crawler.demo.server import SiteServer
from crawler.demo.sites import default_sites
from crawler.links import link_html
from crawler.web.server import make_server
from storage import Store
from tests.conftest import REPO, Workspace, site_toml
from tests.test_alerts_e2e import smtp_toml

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses

# The extractor strips tag-like text such as "<script>…</script>" from titles, but an unclosed tag survives:
# printed unescaped it would become an <img> whose onerror runs. Bodies keep markup-like text as written.
HOSTILE_TITLE = "标题<img src=x onerror=alert(1)//"
HOSTILE_PARAGRAPH = "<script>alert(2)</script>正文"
ESCAPED_TITLE = "标题&lt;img src=x onerror=alert(1)//"
ESCAPED_PARAGRAPH = "&lt;script&gt;alert(2)&lt;/script&gt;正文"
RECIPIENT = "bids@example.org"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="install Debian's chromium (CI does)")


@dataclass
class Archive:
    """A crawled, edited and re-crawled database, and the web view serving it."""

    base: str  # the web view's URL, ending in /
    edited_url: str
    edited_title: str
    old_sentence: str
    new_sentence: str
    hostile_url: str
    plain_url: str  # a page crawled twice without an edit: one version
    db: Path


@dataclass
class Got:
    status: int
    content_type: str
    text: str


def get(base: str, path: str) -> Got:
    """GET a path of the web view; error statuses are answers too, not exceptions."""
    try:
        with urllib.request.urlopen(base.rstrip("/") + path, timeout=30) as resp:
            return Got(resp.status, resp.headers["Content-Type"], resp.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        with err:
            return Got(err.code, err.headers["Content-Type"], err.read().decode("utf-8"))


def q(**params) -> str:
    return "?" + urlencode(params)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    with SiteServer(default_sites()) as sites, LocalMailbox() as mailbox:
        workspace = Workspace(tmp_path_factory.mktemp("web"), sites)
        workspace.write_config(smtp_toml(mailbox.port) + site_toml(sites, ["moe"], recipients=[RECIPIENT])
                               + site_toml(sites, ["ccgp"]))
        first = workspace.crawl()
        assert first.code == 0, first.err

        moe = sites.sites["moe"]
        paths = [p for p in moe.article_paths() if moe.article(p).kind != "members_only"]
        edited, hostile, plain = paths[0], paths[1], paths[2]
        old_sentence = moe.article(edited).paragraphs[0].split("。")[0] + "。"
        new_sentence = old_sentence.replace("。", "，启动鲲鹏计划专项经费。")
        moe.edit_sentence(edited, old_sentence, new_sentence)
        moe.set_title(hostile, HOSTILE_TITLE)
        moe.append_paragraph(hostile, HOSTILE_PARAGRAPH)
        second = workspace.crawl()
        assert second.code == 0, second.err
        assert [m["to"] for m in mailbox.messages] == [RECIPIENT]
        with Store(workspace.db) as store:
            stored = store.latest_version(sites.url_for("moe", hostile))["article"]
        assert stored["title"] == HOSTILE_TITLE and HOSTILE_PARAGRAPH in stored["body"], "pick another hostile text"

        server = make_server(workspace.db, "127.0.0.1", 0)
        server.start()
        try:
            yield Archive(server.url, sites.url_for("moe", edited), moe.article(edited).title, old_sentence,
                          new_sentence, sites.url_for("moe", hostile), sites.url_for("moe", plain),
                          workspace.db)
        finally:
            server.stop()


def text_of(fragment: str) -> str:
    """What a reader sees: tags dropped, entities left as they are (the page text has none of its own)."""
    return re.sub(r"<[^>]+>", "", fragment)


# --- HTTP ----------------------------------------------------------------------------------------------


def test_home_lists_the_edit_newest_first_as_html(archive):
    got = get(archive.base, "/")
    assert got.status == 200
    assert got.content_type == "text/html; charset=utf-8"
    assert archive.edited_title in got.text and "更新" in got.text
    assert f'href="/page?url={quote(archive.edited_url, safe="")}"' in got.text
    assert f'href="/diff?url={quote(archive.edited_url, safe="")}&amp;from=1&amp;to=2"' in got.text
    assert "<script" not in got.text and "<img" not in got.text


def test_home_filters_by_site_kind_and_since(archive):
    assert archive.edited_title in get(archive.base, "/" + q(site="moe")).text
    assert archive.edited_title not in get(archive.base, "/" + q(site="ccgp")).text
    assert archive.edited_title not in get(archive.base, "/" + q(kind="new")).text
    assert archive.edited_title in get(archive.base, "/" + q(kind="changed", since="1d")).text
    assert archive.edited_title not in get(archive.base, "/" + q(since="2999-01-01")).text


@pytest.mark.parametrize("query,names", [
    ({"since": "yesterday"}, "since"), ({"limit": "ten"}, "limit"), ({"limit": "0"}, "limit"),
])
def test_bad_home_filters_are_400_saying_which(archive, query, names):
    got = get(archive.base, "/" + q(**query))
    assert got.status == 400 and got.content_type.startswith("text/html")
    assert names in got.text and "Traceback" not in got.text


def test_page_view_shows_versions_diff_links_and_the_latest_article(archive):
    got = get(archive.base, "/page" + q(url=archive.edited_url))
    assert got.status == 200
    assert ">v1<" in got.text and ">v2<" in got.text and "与 v1 比较" in got.text
    assert archive.new_sentence in got.text and archive.old_sentence not in got.text
    assert f'href="{archive.edited_url}"' in got.text  # the original page, clickable


def test_page_view_of_an_older_version_shows_its_text(archive):
    got = get(archive.base, "/page" + q(url=archive.edited_url, v="1"))
    assert got.status == 200 and archive.old_sentence in got.text and archive.new_sentence not in got.text


def test_diff_shows_old_and_new_wording_with_del_and_ins(archive):
    for path in ("/diff" + q(url=archive.edited_url), "/diff" + q(url=archive.edited_url, **{"from": 1, "to": 2})):
        got = get(archive.base, path)
        assert got.status == 200
        inserted = re.findall(r"<ins[^>]*>(.*?)</ins>", got.text)
        assert "，启动鲲鹏计划专项经费" in inserted
        assert "正文 1 处修改" in got.text
        changed = next(p for p in re.findall(r"<p>(.*?)</p>", got.text) if "<ins" in p)
        assert text_of(re.sub(r"<ins[^>]*>.*?</ins>", "", changed)) == archive.old_sentence
        assert text_of(re.sub(r"<del[^>]*>.*?</del>", "", changed)) == archive.new_sentence


@pytest.mark.parametrize("params,status,says", [
    ({"from": "abc"}, 400, "from"), ({"to": "-1"}, 400, "to"), ({"to": "9"}, 404, "v9"),
])
def test_bad_diff_versions_are_explained(archive, params, status, says):
    got = get(archive.base, "/diff" + q(url=archive.edited_url, **params))
    assert got.status == status and says in got.text and "Traceback" not in got.text


def test_diff_of_a_page_with_one_version_is_404_saying_so(archive):
    got = get(archive.base, "/diff" + q(url=archive.plain_url))
    assert got.status == 404 and "1 个版本" in got.text


def result_links(page: str) -> list[str]:
    return re.findall(r'<td><a href="/page\?url=([^"]+)"', page)


@pytest.mark.parametrize("word", ["鲲鹏", "鲲鹏计划"])  # 2 characters: the scan path; 4: the trigram index
def test_search_finds_the_page_with_a_chinese_word_highlighted(archive, word):
    got = get(archive.base, "/search" + q(q=word))
    assert got.status == 200
    assert result_links(got.text) == [quote(archive.edited_url, safe="")]
    assert f"<mark>{word}</mark>" in got.text


def test_search_with_a_site_filter_and_nothing_found(archive):
    assert result_links(get(archive.base, "/search" + q(q="鲲鹏", site="moe")).text) == [
        quote(archive.edited_url, safe="")]
    got = get(archive.base, "/search" + q(q="鲲鹏", site="ccgp"))
    assert got.status == 200 and result_links(got.text) == [] and "没有找到" in got.text


def test_hostile_page_text_is_escaped_everywhere(archive):
    pages = {"/": [ESCAPED_TITLE], "/page" + q(url=archive.hostile_url): [ESCAPED_TITLE, ESCAPED_PARAGRAPH],
             "/diff" + q(url=archive.hostile_url): [ESCAPED_TITLE, ESCAPED_PARAGRAPH],
             "/search" + q(q="alert"): [ESCAPED_TITLE]}
    for path, escaped in pages.items():
        got = get(archive.base, path)
        assert got.status == 200, path
        for text in escaped:
            assert text in got.text, (path, text)
        assert "<script" not in got.text and "<img" not in got.text, path


def test_unknown_paths_and_pages_are_404_pages(archive):
    got = get(archive.base, "/nosuch")
    assert got.status == 404 and got.content_type == "text/html; charset=utf-8" and "/search" in got.text
    got = get(archive.base, "/page" + q(url="http://example.invalid/x.html"))
    assert got.status == 404 and "eduwatch crawl --url http://example.invalid/x.html" in got.text
    got = get(archive.base, "/page")
    assert got.status == 400 and "url" in got.text


def test_alerts_page_shows_the_sent_digest_and_its_changes(archive):
    got = get(archive.base, "/alerts")
    assert got.status == 200
    sent = got.text.split("已发送")[1].split("发送失败")[0]
    assert RECIPIENT in sent and "2 篇更新" in sent
    assert archive.edited_title in sent and ESCAPED_TITLE in sent
    assert "待发送（0）" in got.text and "<img" not in got.text


def test_alerts_page_lists_changes_queued_for_a_chat_channel_too(archive):
    with Store(archive.db) as store:
        change = next(c for c in store.changes() if c["url"] == archive.edited_url)
        store.enqueue_channel(change["id"], "招标群", change["run_id"])
    try:
        queued = get(archive.base, "/alerts").text.split("排队中")[1]
        assert "频道 招标群" in queued and archive.edited_title in queued and "（尚未生成邮件或频道消息，1）" in queued
    finally:
        with Store(archive.db) as store, store.transaction():
            store.db.execute("DELETE FROM channel_outbox WHERE channel = '招标群'")


def test_only_http_links_are_clickable():
    assert link_html("javascript:alert(1)", "附件") == '附件 <span class="muted">(javascript:alert(1))</span>'
    assert link_html("https://www.moe.gov.cn/a?b=1&c=\"", "附件") == (
        '<a href="https://www.moe.gov.cn/a?b=1&amp;c=&quot;" rel="noopener noreferrer">附件</a>')


def test_missing_database_says_to_crawl_first_and_creates_nothing(tmp_path):
    db = tmp_path / "none.db"
    server = make_server(db).start()
    try:
        got = get(server.url, "/")
    finally:
        server.stop()
    assert got.status == 503 and "eduwatch crawl" in got.text and str(db) in got.text
    assert not db.exists()


def test_a_file_that_is_not_a_database_gives_an_error_page_naming_it(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("not sqlite " * 100)
    server = make_server(db).start()
    try:
        got = get(server.url, "/search" + q(q="教育"))
    finally:
        server.stop()
    assert got.status == 500 and str(db) in got.text and "Traceback" not in got.text
    assert db.read_text() == "not sqlite " * 100


def test_head_answers_without_a_body(archive):
    request = urllib.request.Request(archive.base, method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 200 and resp.read() == b""
        assert int(resp.headers["Content-Length"]) > 0


def test_eduwatch_serve_answers_and_stops_on_sigterm(archive):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("EDUWATCH_DB", None)
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", str(archive.db), "--port", "0"],
                            cwd=archive.db.parent, env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in proc.stderr:
            match = re.search(r"at (http://\S+/)", line)
            if match:
                url = match.group(1)
                break
        assert url, "serve never said where it listens"
        assert archive.edited_title in get(url, "/").text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


# --- a real browser ----------------------------------------------------------------------------------------


def dump_dom(url: str, profile: Path) -> str:
    """The DOM Chromium builds from the page (what a user's browser would show)."""
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done.stdout.decode("utf-8")


@needs_chromium
def test_browser_renders_the_home_page_with_the_hostile_title_as_text(archive, tmp_path):
    dom = dump_dom(archive.base, tmp_path / "profile")
    assert archive.edited_title in dom
    assert ESCAPED_TITLE in dom
    assert "<img" not in dom and "<script" not in dom


@needs_chromium
def test_browser_renders_the_diff_with_the_insertion(archive, tmp_path):
    dom = dump_dom(archive.base.rstrip("/") + "/diff" + q(url=archive.edited_url), tmp_path / "profile")
    assert re.search(r"<ins[^>]*>，启动鲲鹏计划专项经费</ins>", dom)
    assert archive.new_sentence in text_of(dom)
    assert archive.edited_title in dom


@needs_chromium
def test_browser_renders_a_hostile_insertion_as_text(archive, tmp_path):
    dom = dump_dom(archive.base.rstrip("/") + "/diff" + q(url=archive.hostile_url), tmp_path / "profile")
    assert re.search(r"<ins[^>]*>" + re.escape(ESCAPED_PARAGRAPH) + "</ins>", dom)
    assert "<img" not in dom and "<script" not in dom
