"""The projects story served over HTTP on 127.0.0.1 by two sites with different chrome, crawled by the real CLI, with
alerts mailed to a real SMTP inbox: one project per tender, one email for the doubly published tender, a correction
email naming the move, one calendar event per deadline, nothing wrongly linked (issue 22 "Done when")."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from icalendar import Calendar

from tests import project_story as story
from tests.conftest import FAST, run_cli

pytestmark = pytest.mark.e2e


class StorySites:
    """Two sites under one local server (/zj/…, /edu/…), each with a list page of what is published so far."""

    def __init__(self):
        self.published: dict[str, bytes] = {}
        sites = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's hook name
                body = sites.answer(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"<html><body>404 Not Found</body></html>")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, story_url: str) -> str:
        return story_url.replace(story.ZJ, f"{self.base}/zj").replace(story.EDU, f"{self.base}/edu")

    def publish(self, *story_urls: str) -> None:
        for story_url in story_urls:
            self.published[self.url(story_url)[len(self.base):]] = story.PAGES[story_url][1]()

    def answer(self, path: str) -> bytes | None:
        if path.endswith("/list/"):
            site = path.split("/")[1]
            links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in self.published if p.startswith(f"/{site}/"))
            return f"<html><body><ul class='list'>{links}</ul></body></html>".encode()
        return self.published.get(path)

    def config(self, smtp_port: int) -> str:
        sites = [("zj", "浙江政府采购网", r"/zj/notice/.+\.html$"), ("edu", "中国教育装备采购网", r"/edu/news/\d+\.shtml$")]
        text = (f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
                'sender = "eduwatch@example.org"\ntimeout = 5\n\n')
        for name, label, follow in sites:
            text += (f'[[sites]]\nname = "{name}"\nlabel = "{label}"\nstart_urls = ["{self.base}/{name}/list/"]\n'
                     f"follow = '{follow}'\nrecipients = [\"bids@example.org\"]\n\n")
        return text

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def story_sites():
    sites = StorySites()
    yield sites
    sites.close()


def test_the_story_crawled_from_two_sites(tmp_path, story_sites, mailbox):
    db, config = tmp_path / "eduwatch.db", tmp_path / "eduwatch.toml"
    config.write_text(story_sites.config(mailbox.port), encoding="utf-8")

    def cli(*args):
        result = run_cli(*args, "--db", str(db), "--config", str(config))
        assert result.code == 0, result.err
        return result

    def crawl():
        cli("crawl", *FAST)

    crawl()  # both sites' baseline: nothing published yet
    story_sites.publish(f"{story.ZJ}/notice/t1.html", f"{story.EDU}/news/2024052001.shtml",
                        f"{story.EDU}/news/2024052102.shtml", f"{story.ZJ}/notice/other.html")
    crawl()
    texts = [m.get_body(("plain",)).get_content() for m in mailbox.messages]
    # the two sites crawl side by side: whichever copy is recorded first alerts, the other never does
    copies = (story_sites.url(f"{story.ZJ}/notice/t1.html"), story_sites.url(f"{story.EDU}/news/2024052001.shtml"))
    assert sum(any(url in t for url in copies) for t in texts) == 1, "the tender published on both sites alerts once"
    assert any(story_sites.url(f"{story.EDU}/news/2024052102.shtml") in t for t in texts)
    mailbox.messages.clear()

    story_sites.publish(f"{story.ZJ}/notice/t1-correction.html")
    crawl()
    [mail] = mailbox.messages
    text = mail.get_body(("plain",)).get_content()
    assert "更正公告：投标截止 2024-06-05 09:30 → 2024-06-12 09:30" in text
    assert "预算金额 ¥1,200,000.00 → ¥1,000,000.00" in text
    mailbox.messages.clear()

    story_sites.publish(f"{story.ZJ}/notice/t1-result.html", f"{story.EDU}/news/2024061101.shtml")
    crawl()
    texts = "\n".join(m.get_body(("plain",)).get_content() for m in mailbox.messages)
    assert "包1 杭州某某科技有限公司 ¥958,000.00" in texts and "包2 宁波某某教育设备有限公司 ¥345,000.00" in texts

    projects = {p["key"]: p for p in cli("projects", "--json").json()}
    assert set(projects) == {story.T1, story.T2, story.OTHER}
    t1 = projects[story.T1]
    assert (t1["status"], t1["budget"], t1["region"]) == ("awarded", 1000000.0, "浙江 杭州市")
    assert t1["deadlines"] == {"开标": "2024-06-12T09:30:00+08:00", "投标截止": "2024-06-12T09:30:00+08:00"}
    # the tender's notice is the copy recorded first (the sites crawl side by side), the other one is "also on"
    tender, *later = t1["notices"]
    assert (tender["kind"], {tender["url"], *tender["also_on"]}) == ("tender", set(copies))
    assert [(n["kind"], n["site"], len(n["also_on"])) for n in later] == [("correction", "zj", 0), ("award", "zj", 0)]
    assert [a["amount"] for a in t1["awards"]] == [958000.0, 345000.0]
    assert projects[story.T2]["status"] == "failed" and projects[story.OTHER]["status"] == "open"
    [other] = tender["also_on"]
    copy = next(c for c in cli("changes", "--json").json() if c["url"] == other)
    assert copy["copy_of"] == tender["url"]

    events = Calendar.from_ical(cli("calendar").out.encode()).walk("VEVENT")
    t1_events = [e for e in events if story.T1_NAME in str(e["SUMMARY"]) and "二期" not in str(e["SUMMARY"])]
    assert sorted(int(e["SEQUENCE"]) for e in t1_events) == [1, 1], "one event per deadline kind, each moved once"
    assert all(str(e.get("STATUS")) == "CANCELLED" for e in events if story.T2_NAME in str(e["SUMMARY"]))
