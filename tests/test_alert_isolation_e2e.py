"""One outbox row cannot stop the others, end to end: the real CLI, a local WeCom/DingTalk/Feishu/webhook
service, an aiosmtpd inbox, pages whose URLs are ~1,300 characters (and ~900 with Chinese), on a fresh
database crawled from scratch and on one that already holds sent alerts and rows stuck behind a bad one."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import Site, build_site
from storage import Store
from tests.chat_service import ChatService
from tests.conftest import Workspace
from tests.test_alert_isolation import LONG_ASCII, LONG_CHINESE, T0
from tests.test_channels_e2e import ENV, SECRETS, channels_toml, names, shown

pytestmark = pytest.mark.e2e

KINDS = ("wecom", "dingtalk", "feishu", "webhook")
RECIPIENT = "bids@example.org"
LONG_PATHS = ["/a/20231120/" + "x-" * 630 + ".html", "/a/20231120/" + quote("招标公告" * 24) + ".html"]


def config_text(service: ChatService, mailbox, server_url: str) -> str:
    smtp = (f'[smtp]\nhost = "127.0.0.1"\nport = {mailbox.port}\nsecurity = "none"\n'
            'sender = "eduwatch@example.org"\ntimeout = 5\n\n')
    site = ["[[sites]]", 'name = "portal"', f'start_urls = ["{server_url}/portal/news/index.html"]',
            r"follow = '/a/\d{8}/[^/]+\.html$'", r"pagination = '/news/index_\d+\.html$'", "max_list_pages = 5",
            f'recipients = ["{RECIPIENT}"]', f"channels = {names(*KINDS)}", ""]
    return smtp + channels_toml(service, KINDS) + "\n".join(site)


@pytest.fixture
def service():
    with ChatService(secrets=SECRETS) as running:
        yield running


def long_url_site() -> Site:
    """The portal sample site with two of its three articles moved to very long addresses."""
    site = build_site("portal", 3, seed=5)
    articles = [site.article(p) for p in site.article_paths()]
    for article, path in zip(articles, LONG_PATHS, strict=False):
        article.path = path
    return Site(site.spec, articles)


def received_urls(service: ChatService, kind: str) -> str:
    return "".join(shown(r) for r in service.accepted(kind))


def test_a_crawl_with_long_urls_delivers_every_change_to_every_channel(tmp_path, service, mailbox):
    site = long_url_site()
    with SiteServer({"portal": site}) as server:
        chat = Workspace(tmp_path, server)
        chat.write_config(config_text(service, mailbox, server.url))
        first = chat.cli("crawl", env=ENV)
        assert first.code == 0, first.err
        paths = site.article_paths()
        assert len(paths) == 3 and all(len(server.url_for("portal", p)) > 850 for p in paths[:2])
        for n, path in enumerate(paths):
            site.append_paragraph(path, f"本项目预算调整为{n + 1},350,000.00元。")
        crawl = chat.cli("crawl", env=ENV)
    assert crawl.code == 0, crawl.err
    assert "Traceback" not in crawl.err and "cannot fit" not in crawl.err
    for kind in KINDS:
        text = received_urls(service, kind)
        for n in range(3):
            assert f"{n + 1},350,000.00元" in text, f"{kind} lost change {n}"
    wecom = service.accepted("wecom")
    assert all(len(r.body["markdown"]["content"].encode()) <= 4096 for r in wecom)
    assert len(service.received) == len(service.accepted()), "every post was accepted"
    [mail] = mailbox.messages
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert all(server.url_for("portal", p) in text for p in paths), "the email keeps every full address"
    assert {a["status"] for a in chat.cli("alerts", "--json", env=ENV).json()} == {"sent"}


def queue(store: Store, url: str, title: str, run_id: int) -> int:
    change_id = store.add_change(url=url, site="portal", kind="changed", detected_at=T0, title=title, version=2,
                                 previous_version=1, diff_text="- 1,000,000.00元\n+ 1,350,000.00元", diff_html=None,
                                 summary="预算金额: 1,000,000.00元 → 1,350,000.00元", run_id=run_id)
    store.enqueue_alert(change_id, RECIPIENT, run_id)
    for kind in KINDS:
        store.enqueue_channel(change_id, f"bids-{kind}", run_id)
    return change_id


@pytest.mark.parametrize("history", [False, True], ids=["fresh-db", "existing-db"])
def test_a_row_that_cannot_be_built_fails_alone_and_the_rest_go_out(tmp_path, service, mailbox, history):
    chat = Workspace(tmp_path, None)
    chat.write_config(config_text(service, mailbox, "http://127.0.0.1:9"))
    if history:  # a database in use: an earlier change already delivered everywhere
        with Store(chat.db) as store:
            queue(store, "http://127.0.0.1:8000/portal/a/20231120/0.html", "已发送的公告", 1)
        assert chat.cli("alerts", "--send", env=ENV).code == 0
        service.received.clear()
        mailbox.messages.clear()
    with Store(chat.db) as store:
        damaged = queue(store, "http://127.0.0.1:8000/portal/a/20231120/9.html", "损坏的行", 2)
        for n, url in enumerate([LONG_ASCII, LONG_CHINESE]):
            queue(store, url, f"公告{n}", 2)
    with sqlite3.connect(chat.db) as db:  # a hand-edited row whose title is no text
        db.execute("UPDATE changes SET title = x'80ff' WHERE id = ?", [damaged])
    sent = chat.cli("alerts", "--send", env=ENV)
    assert sent.code == 0, sent.err
    assert "Traceback" not in sent.err
    for kind in KINDS:
        text = received_urls(service, kind)
        assert "公告0" in text and "公告1" in text and "1,350,000.00元" in text, kind
    [mail] = mailbox.messages
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert LONG_ASCII in body and LONG_CHINESE in body
    rows = chat.cli("alerts", "--json", env=ENV).json()
    failed = [a for a in rows if a["status"] == "failed"]
    assert sorted(a["channel"] for a in failed) == sorted(["email", *(f"bids-{k}" for k in KINDS)])
    assert all(f"change {damaged}" in a["subject"] and "could not be" in a["error"] for a in failed), failed
    assert {a["status"] for a in rows if a not in failed} == {"sent"}
    listing = chat.cli("alerts", env=ENV).out
    assert listing.count("failed") == 5 and "could not be" in listing
    again = chat.cli("alerts", "--send", env=ENV)
    assert again.code == 0 and len(mailbox.messages) == 1, "nothing is sent twice"
