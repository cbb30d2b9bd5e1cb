"""One digest per recipient per site run, sent when that run closes: local crawls ending at different times,
and the cluster recorder's delivery rounds while runs are still open (real SQLite, real SMTP, real Redis)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from crawler.clock import now_iso
from crawler.cluster.messages import RunFinished
from crawler.cluster.record import RecorderOptions, RecorderService
from crawler.cluster.stream import Stream
from crawler.config import load_config
from crawler.demo.mailbox import LocalMailbox
from crawler.notify.delivery import (
    alert_changes,
    assemble_digests,
    deliver_configured,
    deliver_pending,
    smtp_settings,
)
from crawler.notify.digest import render_body
from crawler.notify.sender_lock import one_sender
from storage import Store

RECIPIENT = "bids@example.org"


@pytest.fixture
def smtp():
    with LocalMailbox() as box:
        yield box


def write_config(tmp_path, smtp_port: int, extra: str = ""):
    path = tmp_path / "eduwatch.toml"
    path.write_text(f'{extra}[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
                    'sender = "eduwatch@example.org"\ntimeout = 5\n', encoding="utf-8")
    return load_config(path)


def queue_change(store: Store, run_id: int, site: str, n: int) -> None:
    with store.transaction():
        cid = store.add_change(url=f"http://{site}.example.org/{n}.html", site=site, kind="changed",
                               detected_at=now_iso(), title=f"公告 {n}", version=2, previous_version=1,
                               diff_text="- 旧\n+ 新", diff_html=None, summary="正文 1 处修改", run_id=run_id)
        store.enqueue_alert(cid, RECIPIENT, run_id)


def subjects(box: LocalMailbox) -> list[str]:
    return sorted(m["subject"] for m in box.messages)


def test_a_crawl_ending_sends_only_closed_runs_and_each_run_once(tmp_path, smtp):
    config = write_config(tmp_path, smtp.port)
    with Store(tmp_path / "eduwatch.db") as store:
        a = store.start_run(kind="crawl", sites=["moe"], started_at=now_iso())
        b = store.start_run(kind="crawl", sites=["ccgp"], started_at=now_iso())
        queue_change(store, a, "moe", 1)
        queue_change(store, b, "ccgp", 1)
        store.finish_run(a, finished_at=now_iso(), status="ok", stats={})
        deliver_configured(store, config)  # moe's crawl ends while ccgp's is still running
        assert subjects(smtp) == ["[eduwatch] moe：1 篇更新"], "an open run's changes wait for its end"

        queue_change(store, b, "ccgp", 2)  # ccgp's run goes on finding changes
        deliver_configured(store, config)
        assert len(smtp.messages) == 1
        store.finish_run(b, finished_at=now_iso(), status="ok", stats={})
        deliver_configured(store, config)
        deliver_configured(store, config)
    assert subjects(smtp) == ["[eduwatch] ccgp：2 篇更新", "[eduwatch] moe：1 篇更新"], \
        "one digest per run, holding every change of the run"


def test_alerts_send_still_sends_an_open_run(tmp_path, smtp):
    """`alerts --send` (force) is the user asking for everything now, a run left open by a crash included."""
    config = write_config(tmp_path, smtp.port)
    with Store(tmp_path / "eduwatch.db") as store:
        queue_change(store, store.start_run(kind="crawl", sites=["moe"], started_at=now_iso()), "moe", 1)
        assert deliver_configured(store, config, force=True).sent == 1


def test_the_recorder_sends_a_run_once_when_it_closes_not_every_round(tmp_path, smtp, redis_server):
    config = write_config(tmp_path, smtp.port, f'[cluster]\nredis = "{redis_server.url}"\n'
                                               'nodes = ["http://127.0.0.1:9"]\n\n')
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        run = store.open_cluster_run("t1", site="moe", node="http://127.0.0.1:9", job="t1", spider="moe",
                                     dispatched_at=now_iso())
        queue_change(store, run["run_id"], "moe", 1)
    service = RecorderService(config, str(db), RecorderOptions())
    try:
        service._round()  # idle: housekeeping delivers what is due
        assert smtp.messages == [], "the run is still open: its digest waits"
        with Store(db) as store:
            queue_change(store, run["run_id"], "moe", 2)
        with Stream(redis_server.url) as stream:
            stream.publish(RunFinished(run="t1", at=now_iso(), reason="finished", pages=0))
        service._round()
        service._round()
    finally:
        service.stream.close()
        service.store.close()
    assert subjects(smtp) == ["[eduwatch] moe：2 篇更新"]


def test_a_second_process_delivering_waits_for_the_first_and_sends_nothing_twice(tmp_path, smtp):
    """Two crawls of one database ending together: the delivery lock lets one send, the other finds it sent."""
    config = write_config(tmp_path, smtp.port)
    db = tmp_path / "eduwatch.db"
    with Store(db) as store:
        run = store.start_run(kind="crawl", sites=["moe"], started_at=now_iso())
        queue_change(store, run, "moe", 1)
        store.finish_run(run, finished_at=now_iso(), status="ok", stats={})
    reports = []

    def other_crawl():
        with Store(db) as store:
            reports.append(deliver_configured(store, config))

    with one_sender(db):  # this "process" is delivering
        other = threading.Thread(target=other_crawl)
        other.start()
        other.join(timeout=1)
        assert other.is_alive() and smtp.messages == [], "the other delivery waits for the lock"
        with Store(db) as store:
            deliver_pending(store, smtp_settings(config), closed_runs_only=True)
    other.join(timeout=30)
    assert len(smtp.messages) == 1 and reports[0].sent == 0


def test_a_digest_is_rendered_once_at_assembly_as_its_stored_rows_would_render_it(tmp_path):
    """The body kept from assembly (sent as it is that round) is the one a later round renders from the alert's
    rows: each recipient's own keywords and subscriptions, in digest order."""
    with Store(tmp_path / "eduwatch.db") as store:
        run_id = store.start_run(sites=["zj"])
        with store.transaction():
            for n, kind in enumerate(["new", "changed"]):
                cid = store.add_change(url=f"http://zj.example.org/{n}.html", site="zj", kind=kind,
                                       detected_at=now_iso(), title=f"实验室设备采购公告 {n}", version=n + 1,
                                       previous_version=n or None, diff_text="- 旧\n+ 新", diff_html=None,
                                       summary="正文 1 处修改", run_id=run_id)
                store.enqueue_alert(cid, "wang@example.org", run_id, matched_keywords=["实验室"],
                                    subscriptions=["lab-zj"])
                store.enqueue_alert(cid, RECIPIENT, run_id)
        groups, bodies = assemble_digests(store, datetime.now(UTC), {"zj": "浙江政府采购网"})
        alerts = store.alerts(status="pending")
        assert groups == 2 and sorted(bodies) == sorted(a["id"] for a in alerts)
        for alert in alerts:
            assert bodies[alert["id"]] == render_body(alert_changes(store, alert), {"zj": "浙江政府采购网"})
        texts = {alert["recipients"][0]: bodies[alert["id"]].text for alert in alerts}
        assert "订阅: lab-zj" in texts["wang@example.org"] and "订阅" not in texts[RECIPIENT]
