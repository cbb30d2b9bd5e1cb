"""Chat channels end to end: real crawls of the sample sites, the real CLI, and a local server that answers
like WeCom, DingTalk, Feishu and a webhook receiver and checks every signature itself."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from urllib.parse import quote

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from tests.chat_service import ChatService
from tests.conftest import REPO, Workspace, site_toml, wait_until

pytestmark = pytest.mark.e2e

SECRETS = {"dingtalk": "SECe2e-dingtalk-secret-0123", "feishu": "e2e-feishu-secret", "webhook": "e2e-hook-secret"}
ENV = {"EDUWATCH_DINGTALK_SECRET": SECRETS["dingtalk"], "EDUWATCH_FEISHU_SECRET": SECRETS["feishu"],
       "EDUWATCH_HOOK_SECRET": SECRETS["webhook"]}
SECRET_ENV = {"dingtalk": "EDUWATCH_DINGTALK_SECRET", "feishu": "EDUWATCH_FEISHU_SECRET", "webhook": "EDUWATCH_HOOK_SECRET"}
BASE_URL = "http://bids.example.org:8080"
DISPLAY_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?!:)")


def channels_toml(service: ChatService, kinds=("wecom", "dingtalk", "feishu", "webhook")) -> str:
    lines = []
    for kind in kinds:
        lines += ["[[channels]]", f'name = "bids-{kind}"', f'kind = "{kind}"', f'url = "{service.url(kind)}"',
                  "timeout = 5"]
        if kind in SECRET_ENV:
            lines.append(f'secret_env = "{SECRET_ENV[kind]}"')
        lines.append("")
    return "\n".join(lines) + f'\n[web]\nbase_url = "{BASE_URL}"\n\n'


def names(*kinds: str) -> str:
    return "[" + ", ".join(f'"bids-{k}"' for k in kinds) + "]"


@pytest.fixture
def service():
    with ChatService(secrets=SECRETS) as running:
        yield running


class Chat(Workspace):
    """A workspace whose CLI runs with the channels' secrets in its environment."""

    env: dict = ENV

    def cli(self, *args: str, **kwargs):
        return super().cli(*args, env={**self.env, **kwargs.pop("env", {})}, **kwargs)


@pytest.fixture
def chat(tmp_path, server) -> Chat:
    return Chat(tmp_path, server)


def edit_moe(server) -> str:
    moe = server.sites["moe"]
    path = moe.article_paths()[0]
    old = moe.article(path).paragraphs[0].split("。")[0] + "。"
    moe.edit_sentence(path, old, old.replace("。", "，项目预算调整为三百万元。"))
    return server.url_for("moe", path)


def edit_ccgp(server) -> str:
    ccgp = server.sites["ccgp"]
    path = next(p for p in ccgp.article_paths() if "预算金额" in ccgp.article(p).fields)
    ccgp.set_field(path, "预算金额", "1,350,000.00元")
    return server.url_for("ccgp", path)


def shown(record) -> str:
    """What a person reads in one received message."""
    return json.dumps(record.body, ensure_ascii=False)


def test_one_signed_message_per_channel_per_run_each_linking_its_change(chat, server, service):
    chat.write_config(channels_toml(service)
                      + site_toml(server, ["moe"], extra={"label": '"教育部"', "channels": names("wecom", "dingtalk")})
                      + site_toml(server, ["ccgp"], extra={"channels": names("feishu", "webhook")}))
    assert chat.crawl().code == 0
    assert service.received == [], "a site's baseline crawl posts nothing"
    assert chat.crawl().code == 0
    assert service.received == [], "an unchanged crawl posts nothing"

    moe_url, ccgp_url = edit_moe(server), edit_ccgp(server)
    result = chat.crawl()
    assert result.code == 0, result.err
    assert sorted(r.kind for r in service.received) == ["dingtalk", "feishu", "webhook", "wecom"]
    assert all(r.accepted for r in service.received), [r.answer for r in service.received]
    by_kind = {r.kind: r for r in service.received}
    for kind in ("wecom", "dingtalk"):
        text = shown(by_kind[kind])
        assert "【更新】" in text and "教育部" in text and "三百万元" in text
        assert f"{BASE_URL}/diff?url={quote(moe_url, safe='')}" in text and moe_url in text
        assert DISPLAY_TIME.search(text)
    feishu = shown(by_kind["feishu"])
    assert "【更新】" in feishu and "预算金额" in feishu and "1,350,000.00元" in feishu
    assert f"{BASE_URL}/diff?url={quote(ccgp_url, safe='')}" in feishu
    [hooked] = by_kind["webhook"].body["changes"]
    assert by_kind["webhook"].body["site"] == "ccgp" and hooked["url"] == ccgp_url and hooked["kind"] == "changed"
    assert hooked["detected_at"].endswith("+08:00") and "1,350,000.00元" in hooked["diff"]

    listed = chat.cli("alerts", "--json").json()
    assert sorted(a["channel"] for a in listed) == ["bids-dingtalk", "bids-feishu", "bids-webhook", "bids-wecom"]
    assert all(a["status"] == "sent" and a["recipients"] == [] for a in listed)
    assert chat.crawl().code == 0 and len(service.received) == 4, "the next unchanged crawl posts nothing"


def test_outage_then_alerts_send_delivers_once(chat, server, service):
    chat.write_config(channels_toml(service, ["dingtalk"])
                      + site_toml(server, ["moe"], extra={"channels": names("dingtalk")}))
    assert chat.crawl().code == 0
    edit_moe(server)
    service.fail("503")
    assert chat.crawl().code == 0, "a channel outage must not fail the crawl"
    [pending] = chat.cli("alerts", "--json").json()
    assert pending["status"] == "pending" and "503" in pending["error"] and pending["channel"] == "bids-dingtalk"
    service.fail("errcode")  # up, but answering a non-zero errcode with HTTP 200
    assert chat.cli("alerts", "--send").code == 0
    assert [a["status"] for a in chat.cli("alerts", "--json").json()] == ["pending"]
    service.heal()
    sent = chat.cli("alerts", "--send")
    assert sent.code == 0, sent.err
    assert len(service.accepted("dingtalk")) == 1
    assert chat.cli("alerts", "--send").code == 0
    assert len(service.accepted("dingtalk")) == 1, "a second --send posts nothing"
    assert [a["status"] for a in chat.cli("alerts", "--json").json()] == ["sent"]


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "webhook"])
def test_a_wrong_secret_is_reported_and_never_shown(chat, server, service, kind):
    chat.write_config(channels_toml(service, [kind]) + site_toml(server, ["moe"], extra={"channels": names(kind)}))
    chat.env = {**ENV, SECRET_ENV[kind]: "wrong-secret-value"}
    assert chat.crawl().code == 0
    edit_moe(server)
    crawl = chat.crawl()
    assert crawl.code == 0
    [failed] = chat.cli("alerts", "--json").json()
    assert failed["status"] == "failed" and "secret" in failed["error"]
    listing = chat.cli("alerts")
    assert "failed" in listing.out and f"bids-{kind}" in listing.out
    everything = crawl.out + crawl.err + listing.out + listing.err + chat.db.read_bytes().decode("latin-1")
    assert "wrong-secret-value" not in everything and SECRETS[kind] not in everything


def test_keyword_filters_apply_to_channels(chat, server, service):
    ccgp = server.sites["ccgp"]
    tender = next(p for p in ccgp.article_paths() if "预算金额" in ccgp.article(p).fields)
    word = ccgp.article(tender).title[-6:-2]
    other = next(p for p in ccgp.article_paths() if word not in ccgp.article(p).title
                 and word not in "".join(ccgp.article(p).paragraphs) and word not in str(ccgp.article(p).fields))
    chat.write_config(channels_toml(service, ["wecom"])
                      + site_toml(server, ["ccgp"], extra={"channels": names("wecom"), "keywords": f'["{word}"]'}))
    assert chat.crawl().code == 0
    ccgp.set_field(tender, "预算金额", "8,888,888.00元")
    ccgp.append_paragraph(other, "本段与关键词无关。")
    assert chat.crawl().code == 0
    [message] = service.accepted("wecom")
    assert "8,888,888.00元" in shown(message) and server.url_for("ccgp", other) not in shown(message)


def test_a_long_digest_is_split_within_wecom_limit(tmp_path, service):
    site = build_site("moe", 45, seed=3, per_page=20)
    with SiteServer({"moe": site}) as server:
        chat = Chat(tmp_path, server)
        chat.write_config(channels_toml(service, ["wecom", "webhook"])
                          + site_toml(server, ["moe"], extra={"channels": names("wecom", "webhook")}))
        assert chat.crawl().code == 0
        for n, path in enumerate(site.article_paths()):
            site.append_paragraph(path, f"第{n}次补充说明：" + "本项目采购实验室设备与录播教室系统，" * 12)
        assert chat.crawl().code == 0
    wecom = service.accepted("wecom")
    assert len(wecom) > 1 and all(len(r.body["markdown"]["content"].encode()) <= 4096 for r in wecom)
    assert len(service.received) == len(service.accepted()), "the fake refuses anything over the limit"
    urls = [server.url_for("moe", p) for p in site.article_paths()]
    for url in urls:  # every change in exactly one part
        assert sum(f"({url})" in r.body["markdown"]["content"] for r in wecom) == 1
    assert f"（1/{len(wecom)}）" in wecom[0].body["markdown"]["content"]
    [hook] = service.accepted("webhook")
    assert sorted(c["url"] for c in hook.body["changes"]) == sorted(urls)


def test_kill_9_during_delivery_never_posts_different_content(chat, server, service):
    chat.write_config(channels_toml(service, ["wecom", "webhook"])
                      + site_toml(server, ["moe"], extra={"channels": names("wecom", "webhook")}))
    assert chat.crawl().code == 0
    edit_moe(server)
    service.fail("503")
    assert chat.crawl().code == 0
    assert {a["status"] for a in chat.cli("alerts", "--json").json()} == {"pending"}
    held = len(service.received)

    service.fail("hold")  # the service takes the message but its answer never comes back
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    sender = subprocess.Popen([sys.executable, "-m", "crawler", "alerts", "--send", "--db", str(chat.db),
                               "--config", str(chat.config)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until(lambda: len(service.accepted()) > 0 or sender.poll() is not None, "the first post")
    assert sender.poll() is None
    os.kill(sender.pid, signal.SIGKILL)
    sender.communicate(timeout=30)
    service.heal()

    again = chat.cli("alerts", "--send")
    assert again.code == 0, again.err
    assert {a["status"] for a in chat.cli("alerts", "--json").json()} == {"sent"}
    posts = [r for r in service.received[held:] if r.accepted]
    by_delivery: dict[str, set] = {}
    for post in posts:
        by_delivery.setdefault(post.headers["x-eduwatch-delivery"], set()).add(post.raw)
    assert len(by_delivery) == 2, "one message per channel"
    for delivery, bodies in by_delivery.items():
        assert len(bodies) == 1, f"{delivery}: a resend after kill -9 must be the very same content"
    assert len(posts) <= 3, "at most the one message in flight at the kill is posted twice"


def test_a_site_whose_lists_go_empty_posts_a_health_alert(chat, server, service):
    chat.write_config(channels_toml(service, ["feishu"])
                      + site_toml(server, ["moe"], extra={"label": '"教育部"', "channels": names("feishu")}))
    assert chat.crawl().code == 0
    for path in server.sites["moe"].list_paths():
        server.set_fault(f"/moe{path}", "soft404")
    assert chat.crawl().code == 0
    [message] = service.accepted("feishu")
    assert "【站点异常】" in shown(message) and "教育部" in shown(message)
    assert f"{BASE_URL}/?site=moe&kind=health" in shown(message)


def test_a_failed_message_is_sent_again_with_retry_failed_once_the_secret_is_set(chat, server, service):
    chat.write_config(channels_toml(service, ["dingtalk", "wecom"])
                      + site_toml(server, ["moe"], extra={"channels": names("dingtalk", "wecom")}))
    chat.env = {k: v for k, v in ENV.items() if k != SECRET_ENV["dingtalk"]}
    assert chat.crawl().code == 0
    edit_moe(server)
    assert chat.crawl().code == 0
    [failed] = [a for a in chat.cli("alerts", "--json").json() if a["status"] == "failed"]
    assert failed["channel"] == "bids-dingtalk"
    assert "eduwatch alerts --retry-failed --channel bids-dingtalk" in failed["error"], "the advice names a real command"
    chat.env = ENV
    assert chat.cli("alerts", "--send").code == 0 and service.accepted("dingtalk") == []
    wrong = chat.cli("alerts", "--retry-failed", "--channel", "nosuch")
    assert wrong.code == 1 and wrong.err.count("\n") == 1 and "bids-dingtalk" in wrong.err
    retried = chat.cli("alerts", "--retry-failed", "--channel", "bids-dingtalk")
    assert retried.code == 0, retried.err
    assert "1 failed alert(s) requeued" in retried.out and "1 sent" in retried.out
    assert len(service.accepted("dingtalk")) == 1 and len(service.accepted("wecom")) == 1
    assert {a["status"] for a in chat.cli("alerts", "--json").json()} == {"sent"}
    again = chat.cli("alerts", "--retry-failed")
    assert again.code == 0 and "0 failed alert(s) requeued" in again.out
    assert len(service.accepted("dingtalk")) == 1, "nothing is sent twice"


def test_a_correction_posts_the_fields_it_moved_as_the_email_shows_them(chat, server, service):
    ccgp = server.sites["ccgp"]
    correction = next(p for p in ccgp.article_paths() if ccgp.article(p).kind == "correction")
    tender = next(p for p in ccgp.article_paths() if ccgp.article(p).kind == "tender"
                  and ccgp.article(p).fields["项目编号"] == ccgp.article(correction).fields["项目编号"])
    ccgp.remove(correction)  # published only after the baseline crawl
    chat.write_config(channels_toml(service, ["wecom", "dingtalk", "feishu"])
                      + site_toml(server, ["ccgp"], extra={"channels": names("wecom", "dingtalk", "feishu")}))
    assert chat.crawl().code == 0
    ccgp.restore(correction)
    assert chat.crawl().code == 0
    moved = f"开标时间: {ccgp.article(tender).fields['开标时间']} → {ccgp.article(correction).fields['开标时间']}"
    for kind in ("wecom", "dingtalk", "feishu"):
        [message] = service.accepted(kind)
        assert moved in shown(message) and "更正公告：新文章" not in shown(message), kind
