"""Alert emails end to end: real crawls, a real SMTP server, exactly one digest per recipient per run with changes."""

from __future__ import annotations

import pytest

from crawler.demo.mailbox import LocalMailbox, free_port
from tests.conftest import site_toml

pytestmark = pytest.mark.e2e  # starts crawls, servers or subprocesses

RECIPIENTS = ["bids@example.org", "policy@example.org"]


def smtp_toml(port: int) -> str:
    return f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsender = "eduwatch@example.org"\ntimeout = 5\n\n'


def edit_first_moe_sentence(server) -> tuple[str, str]:
    moe = server.sites["moe"]
    path = moe.article_paths()[0]
    old = moe.article(path).paragraphs[0].split("。")[0] + "。"
    new = old.replace("。", "，项目预算调整为三百万元。")
    moe.edit_sentence(path, old, new)
    return old, new


def test_one_digest_per_recipient_only_for_runs_with_changes(workspace, server, mailbox):
    workspace.write_config(smtp_toml(mailbox.port) + site_toml(server, ["moe"], recipients=RECIPIENTS,
                                                                extra={"label": '"教育部"'}))
    assert workspace.crawl().code == 0
    assert mailbox.messages == [], "no email for a site's baseline crawl"
    assert workspace.crawl().code == 0
    assert mailbox.messages == [], "no email for an unchanged crawl"

    old, new = edit_first_moe_sentence(server)
    assert workspace.crawl().code == 0
    assert sorted(m["to"] for m in mailbox.messages) == sorted(RECIPIENTS)
    for message in mailbox.messages:
        assert message["subject"] == "[eduwatch] 教育部：1 篇更新"
        assert "=?utf-8?" in message.as_string().split("\n\n", 1)[0].lower(), "subject must be RFC 2047 encoded"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert old in text and new in text
        assert "<ins" in html or "<del" in html
    assert len({m["message-id"] for m in mailbox.messages}) == 2

    statuses = workspace.cli("alerts", "--json").json()
    assert [a["status"] for a in statuses] == ["sent", "sent"]


def test_smtp_outage_loses_nothing_and_duplicates_nothing(workspace, server):
    port = free_port()
    workspace.write_config(smtp_toml(port) + site_toml(server, ["moe"], recipients=RECIPIENTS[:1]))
    assert workspace.crawl().code == 0
    edit_first_moe_sentence(server)
    crawl = workspace.crawl()
    assert crawl.code == 0, "an SMTP outage must not fail the crawl"
    pending = workspace.cli("alerts", "--json").json()
    assert [a["status"] for a in pending] == ["pending"]
    assert pending[0]["error"]

    with LocalMailbox(port) as box:
        sent = workspace.cli("alerts", "--send")
        assert sent.code == 0, sent.err
        assert len(box.messages) == 1
        again = workspace.cli("alerts", "--send")
        assert again.code == 0
        assert len(box.messages) == 1, "a second --send must not deliver again"
    assert [a["status"] for a in workspace.cli("alerts", "--json").json()] == ["sent"]


def test_keyword_filters_decide_who_is_told(workspace, server, mailbox):
    ccgp = server.sites["ccgp"]
    tender = next(p for p in ccgp.article_paths() if "预算金额" in ccgp.article(p).fields)
    word = ccgp.article(tender).title[-6:-2]
    workspace.write_config(smtp_toml(mailbox.port) + site_toml(
        server, ["ccgp"], recipients=RECIPIENTS[:1], extra={"keywords": f'["{word}"]'}))
    assert workspace.crawl().code == 0
    ccgp.set_field(tender, "预算金额", "8,888,888.00元")
    others = [p for p in ccgp.article_paths() if word not in ccgp.article(p).title
              and word not in "".join(ccgp.article(p).paragraphs) and word not in str(ccgp.article(p).fields)]
    if others:
        ccgp.append_paragraph(others[0], "本段与关键词无关。")
    assert workspace.crawl().code == 0
    assert len(mailbox.messages) == 1
    text = mailbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "8,888,888.00元" in text and word in text
    assert "本段与关键词无关" not in text


def test_no_smtp_table_means_alerts_wait(workspace, server):
    workspace.write_config(site_toml(server, ["moe"], recipients=RECIPIENTS[:1]))
    assert workspace.crawl().code == 0
    edit_first_moe_sentence(server)
    assert workspace.crawl().code == 0
    assert [a["status"] for a in workspace.cli("alerts", "--json").json()] == ["pending"]
    result = workspace.cli("alerts", "--send")
    assert result.code == 1 and "[smtp]" in result.err


def test_a_site_whose_lists_go_empty_sends_a_health_alert(workspace, server, mailbox):
    workspace.write_config(smtp_toml(mailbox.port) + site_toml(server, ["moe"], recipients=RECIPIENTS[:1],
                                                                extra={"label": '"教育部"'}))
    assert workspace.crawl().code == 0
    for path in server.sites["moe"].list_paths():
        server.set_fault(f"/moe{path}", "soft404")
    assert workspace.crawl().code == 0
    [message] = mailbox.messages
    assert message["subject"] == "[eduwatch] 教育部：1 条站点异常"
    assert "no articles" in message.get_body(preferencelist=("plain",)).get_content()
