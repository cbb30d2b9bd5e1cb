"""Subscriptions end to end: a mixed batch of notices recorded by the real recorder on two sites, delivered
through the one outbox to a real SMTP server (aiosmtpd) and a local WeCom-like chat service — each person gets
only what their subscriptions (or the site) ask for, in one digest per site run that names the subscriptions —
and `eduwatch subscriptions test` prints what each would have received, without sending anything."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import feedparser
import pytest
from icalendar import Calendar

from crawler.cli.main import main
from crawler.clock import now_iso
from crawler.config import load_config
from crawler.demo.mailbox import LocalMailbox
from crawler.model import FetchedPage
from crawler.notify.delivery import deliver_configured
from crawler.track.recorder import PageRecorder, RunContext
from crawler.web.server import make_server
from storage import Store
from tests.chat_service import ChatService
from tests.conftest import site_toml

pytestmark = pytest.mark.e2e

SITE_URL = "http://127.0.0.1:9"  # pages are handed to the recorder; nothing is fetched


def notice(title: str, number: str, buyer: str, budget: str) -> bytes:
    paras = [f"项目编号：{number}", f"项目名称：{title.removesuffix('公告')}", f"采购人：{buyer}", f"预算金额：{budget}",
             "投标截止时间：2026年12月20日 09:30", "本项目面向全国公开采购，欢迎符合资格条件的供应商参加投标。",
             "供应商应在规定时间内通过电子交易平台获取采购文件，逾期不予受理。联系人：王工，联系电话：0571-88888888。"]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="nav">首页 | 通知公告'
            f'</div><div class="article"><h1>{title}</h1><div class="info">发布时间：2026-12-01</div>{body}</div>'
            '<div class="footer">版权所有</div></body></html>').encode()


# (site, path, title, number, buyer, budget)
BATCH = [
    ("zjzfcg", "lab-hz", "杭州市某中学理化生实验室设备采购项目招标公告", "ZJ-2026-001", "杭州市某中学", "120万元"),
    ("zjzfcg", "lab-cheap", "宁波市某小学实验室耗材采购项目招标公告", "ZJ-2026-002", "宁波市某小学", "12万元"),
    ("zjzfcg", "lab-failed", "温州市某中学实验室设备采购项目废标公告", "ZJ-2026-003", "温州市某中学", "90万元"),
    ("ccgp", "av-gd", "广州市某中学录播教室建设项目招标公告", "GD-2026-010", "广州市某中学", "壹佰贰拾万元整"),
    ("ccgp", "lab-big", "浙江大学化学实验室设备采购项目招标公告", "ZJU-2026-077", "浙江大学", "350万元"),
    ("ccgp", "canteen", "某学校食堂餐具采购项目招标公告", "XX-2026-500", "某学校", "30万元"),
]
TITLES = {path: title for _, path, title, *_ in BATCH}


def config_text(mailbox: LocalMailbox, chat: ChatService) -> str:
    return f'''
[smtp]
host = "127.0.0.1"
port = {mailbox.port}
sender = "eduwatch@example.org"

[[channels]]
name = "bids-wecom"
kind = "wecom"
url = "{chat.url("wecom")}"
timeout = 5

[[sites]]
name = "ccgp"
label = "中国政府采购网"
start_urls = ["{SITE_URL}/ccgp/"]
recipients = ["ops@example.org", "wang@example.org"]
keywords = ["食堂"]

[[sites]]
name = "zjzfcg"
label = "浙江政府采购网"
start_urls = ["{SITE_URL}/zj/"]

[[subscriptions]]
name = "lab-zj"
recipients = ["wang@example.org"]
channels = ["bids-wecom"]
keywords = ["实验室", "理化生"]
exclude_keywords = ["废标"]
regions = ["浙江"]
budget_min = 500000
budget_max = 5000000
kinds = ["tender", "correction", "award"]

[[subscriptions]]
name = "big-zj"
recipients = ["boss@example.org", "wang@example.org"]
regions = ["浙江"]
budget_min = 3000000
budget_required = true

[[subscriptions]]
name = "av-gd"
recipients = ["li@example.org"]
keywords = ["录播"]
regions = ["广东"]
'''


@pytest.fixture
def world(tmp_path):
    with LocalMailbox() as mailbox, ChatService() as chat:
        path = tmp_path / "eduwatch.toml"
        path.write_text(config_text(mailbox, chat), encoding="utf-8")
        db = tmp_path / "eduwatch.db"
        config = load_config(path)
        with Store(db) as store:
            for site in ("zjzfcg", "ccgp"):
                run = store.start_run(kind="crawl", sites=[site], started_at=now_iso())
                recorder = PageRecorder(RunContext(str(db), config, site, run, baselined=True), store)
                for page_site, slug, title, number, buyer, budget in BATCH:
                    if page_site == site:
                        url = f"{SITE_URL}/{site}/{slug}.html"
                        recorder.record(FetchedPage(url=url, site=site, final_url=url, status=200,
                                                    body=notice(title, number, buyer, budget), http_charset="utf-8",
                                                    fetched_at=now_iso(), list_url=f"{SITE_URL}/{site}/"))
                store.finish_run(run, finished_at=now_iso(), status="ok")
            report = deliver_configured(store, config)
        yield path, db, mailbox, chat, report


def _inbox(mailbox: LocalMailbox) -> dict[str, list[str]]:
    """recipient → the text of each digest they got."""
    got: dict[str, list[str]] = {}
    for (_, rcpts), message in zip(mailbox.envelopes, mailbox.messages, strict=True):
        text = message.get_body(("plain",)).get_content()
        for rcpt in rcpts:
            got.setdefault(rcpt, []).append(text)
    return got


def _titles(text: str) -> set[str]:
    return {slug for slug, title in TITLES.items() if title in text}


def test_a_mixed_batch_reaches_the_right_people_only_in_one_digest_per_site_run(world):
    _, _, mailbox, chat, report = world
    inbox = _inbox(mailbox)
    assert report.failed == 0 and report.pending == 0
    assert sorted(inbox) == ["boss@example.org", "li@example.org", "ops@example.org", "wang@example.org"]
    # wang: lab-zj on both sites, big-zj for the 350万 tender, and ccgp's own list: one digest per site run
    assert [_titles(t) for t in inbox["wang@example.org"]] == [{"lab-hz"}, {"lab-big", "canteen"}]
    zj_digest, ccgp_digest = inbox["wang@example.org"]
    assert "订阅: lab-zj" in zj_digest and "big-zj" not in zj_digest
    assert "订阅: lab-zj、big-zj" in ccgp_digest
    assert [_titles(t) for t in inbox["boss@example.org"]] == [{"lab-big"}]
    assert [_titles(t) for t in inbox["li@example.org"]] == [{"av-gd"}]
    assert [_titles(t) for t in inbox["ops@example.org"]] == [{"canteen"}]  # the site's own keyword filter
    assert "订阅" not in inbox["ops@example.org"][0]
    posts = [r.body["markdown"]["content"] for r in chat.accepted("wecom")]
    assert [_titles(p) for p in posts] == [{"lab-hz"}, {"lab-big"}]
    assert all("（订阅：lab-zj）" in p for p in posts)


def test_subscriptions_test_prints_what_each_would_have_received_and_sends_nothing(world, capsys):
    path, db, mailbox, chat, _ = world
    sent, posted = len(mailbox.messages), len(chat.received)
    expected = {"lab-zj": {"lab-hz", "lab-big"}, "big-zj": {"lab-big"}, "av-gd": {"av-gd"}}
    for name, slugs in expected.items():
        assert main(["subscriptions", "test", name, "--since", "30d", "--config", str(path), "--db", str(db)]) == 0
        out = capsys.readouterr().out
        assert _titles(out) == slugs, name
        assert main(["subscriptions", "test", name, "--json", "--config", str(path), "--db", str(db)]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert {r["url"].rsplit("/", 1)[1].removesuffix(".html") for r in rows} == slugs
    lab = json.loads(_run(capsys, "subscriptions", "test", "lab-zj", "--json", "--config", str(path), "--db", str(db)))
    hz = next(r for r in lab if r["url"].endswith("lab-hz.html"))
    assert (hz["notice_kind"], hz["region"], hz["budget"]) == ("tender", {"province": "浙江", "city": "杭州市"},
                                                                  1200000.0)
    assert hz["matched_keywords"] == ["实验室", "理化生"]
    assert (len(mailbox.messages), len(chat.received)) == (sent, posted)


def test_subscriptions_lists_them_and_an_unknown_name_is_one_clear_line(world, capsys):
    path, db, *_ = world
    listed = _run(capsys, "subscriptions", "--config", str(path), "--db", str(db))
    assert "lab-zj → wang@example.org, bids-wecom (channel)" in listed and "av-gd → li@example.org" in listed
    assert main(["subscriptions", "test", "lab", "--config", str(path), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "unknown subscription 'lab'" in err and "lab-zj, big-zj, av-gd" in err


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_each_subscription_has_its_feed_and_calendar_on_the_cli_and_the_web(world, capsys):
    path, db, *_ = world
    config = load_config(path)
    feed = feedparser.parse(_run_bytes(capsys, "feed", "--subscription", "lab-zj", "--config", str(path),
                                       "--db", str(db)))
    assert {e.title.removeprefix("[新增] ") for e in feed.entries} == {TITLES["lab-hz"], TITLES["lab-big"]}
    assert "订阅 lab-zj" in feed.feed.title
    calendar = Calendar.from_ical(_run_bytes(capsys, "calendar", "--subscription", "av-gd", "--config", str(path),
                                             "--db", str(db)))
    assert [str(e["URL"]) for e in calendar.walk("VEVENT")] == [f"{SITE_URL}/ccgp/av-gd.html"]
    everything = Calendar.from_ical(_run_bytes(capsys, "calendar", "--config", str(path), "--db", str(db)))
    assert len(everything.walk("VEVENT")) == len(BATCH) - 1  # the 废标 notice has no deadline event
    assert main(["feed", "--subscription", "nobody", "--config", str(path), "--db", str(db)]) == 1
    assert "unknown subscription 'nobody'" in capsys.readouterr().err
    server = make_server(db, config=config).start()
    try:
        with urllib.request.urlopen(server.url + "/feed.atom?subscription=av-gd", timeout=30) as resp:
            web_feed = feedparser.parse(resp.read())
        with urllib.request.urlopen(server.url + "/bids.ics?subscription=lab-zj", timeout=30) as resp:
            web_calendar = Calendar.from_ical(resp.read())
        with pytest.raises(urllib.error.HTTPError) as unknown:
            urllib.request.urlopen(server.url + "/feed.atom?subscription=nobody", timeout=30)
    finally:
        server.stop()
    assert [e.title.removeprefix("[新增] ") for e in web_feed.entries] == [TITLES["av-gd"]]
    assert {str(e["URL"]).rsplit("/", 1)[1] for e in web_calendar.walk("VEVENT")} == {"lab-hz.html", "lab-big.html"}
    assert unknown.value.code == 400 and "lab-zj" in unknown.value.read().decode("utf-8")


def _run_bytes(capsys, *argv: str) -> bytes:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out.encode("utf-8")


def test_the_web_view_s_digest_page_names_the_reader_s_subscriptions(world):
    path, db, *_ = world
    with Store(db) as store:
        wang = [a for a in store.alerts() if a["recipients"] == ["wang@example.org"]]
    server = make_server(db, config=load_config(path)).start()
    try:
        pages = []
        for alert in wang:
            with urllib.request.urlopen(f"{server.url}/alert?id={alert['id']}", timeout=30) as resp:
                pages.append(resp.read().decode("utf-8"))
    finally:
        server.stop()
    assert len(pages) == 2 and "订阅: lab-zj" in pages[0] and "订阅: lab-zj、big-zj" in pages[1]


def test_a_real_crawl_routes_an_edit_to_the_subscription_that_asks_for_it(workspace, server, mailbox):
    """The crawl's recording worker (another process) gets the subscriptions with the config it is handed."""
    workspace.write_config(
        f'[smtp]\nhost = "127.0.0.1"\nport = {mailbox.port}\nsender = "eduwatch@example.org"\ntimeout = 5\n\n'
        + site_toml(server, ["moe"]) + '\n[[subscriptions]]\nname = "moe-edits"\nrecipients = ["wang@example.org"]\n'
        'kinds = ["changed"]\nsites = ["moe"]\n\n[[subscriptions]]\nname = "gd-only"\nrecipients = ["li@example.org"]\n'
        'regions = ["广东"]\nbudget_required = true\n')
    assert workspace.crawl().code == 0 and workspace.crawl().code == 0
    moe = server.sites["moe"]
    path = moe.article_paths()[0]
    old = moe.article(path).paragraphs[0].split("。")[0] + "。"
    moe.edit_sentence(path, old, old.replace("。", "，项目预算调整为三百万元。"))
    assert workspace.crawl().code == 0
    assert [m["to"] for m in mailbox.messages] == ["wang@example.org"]
    assert "订阅: moe-edits" in mailbox.messages[0].get_body(("plain",)).get_content()
