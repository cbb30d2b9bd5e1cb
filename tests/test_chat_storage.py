"""The channel outbox on real SQLite files: queued in the change's transaction, assembled once, migrated in."""

from __future__ import annotations

import sqlite3

import pytest

from storage import NotFoundError, StorageError, Store

T0 = "2026-11-29T11:20:43+00:00"


def change(store: Store, n: int, run_id: int = 1) -> int:
    return store.add_change(url=f"http://www.ccgp.gov.cn/a{n}.htm", site="ccgp", kind="changed", detected_at=T0,
                            title=f"公告{n}", version=2, previous_version=1, diff_text="-a\n+b", diff_html=None,
                            summary="预算金额: 1 → 2", run_id=run_id)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "e.db") as opened:
        yield opened


def test_queued_changes_group_per_run_and_channel(store):
    ids = [change(store, n, run_id=1 + n // 3) for n in range(5)]
    for change_id in ids:
        store.enqueue_channel(change_id, "bids-wecom", 1 + (change_id - 1) // 3, matched_keywords=["实验室"])
        store.enqueue_channel(change_id, "bids-wecom", 1 + (change_id - 1) // 3)  # twice: still once
        store.enqueue_channel(change_id, "hook", 1 + (change_id - 1) // 3)
    groups = store.pending_channel_digests()
    assert [(g["run_id"], g["channel"], g["change_ids"]) for g in groups] == [
        (1, "bids-wecom", ids[:3]), (1, "hook", ids[:3]), (2, "bids-wecom", ids[3:]), (2, "hook", ids[3:])]
    assert groups[0]["matched"][ids[0]] == ["实验室"]


def test_a_split_digest_is_stored_whole_and_only_once(store):
    ids = [change(store, n) for n in range(3)]
    for change_id in ids:
        store.enqueue_channel(change_id, "bids-wecom", 1)
    parts = [{"change_ids": ids[:2], "subject": "s（1/2）", "payload": {"msgtype": "markdown", "n": 1},
              "message_id": "<m.1>"},
             {"change_ids": ids[2:], "subject": "s（2/2）", "payload": {"msgtype": "markdown", "n": 2},
              "message_id": "<m.2>"}]
    first = store.create_channel_messages(run_id=1, channel="bids-wecom", parts=parts, created_at=T0)
    again = store.create_channel_messages(run_id=1, channel="bids-wecom", parts=parts, created_at=T0)
    assert first == again and len(first) == 2
    assert store.pending_channel_digests() == []
    rows = store.alerts()
    assert [(r["channel"], r["recipients"], r["payload"]["n"], r["change_ids"]) for r in rows] == [
        ("bids-wecom", [], 1, ids[:2]), ("bids-wecom", [], 2, ids[2:])]
    assert all(r["status"] == "pending" for r in rows)


def test_email_alerts_name_no_channel(store):
    change_id = change(store, 1)
    store.enqueue_alert(change_id, "a@example.org", 1)
    [group] = store.pending_digests()
    store.create_alert(run_id=1, recipients=["a@example.org"], change_ids=[change_id], subject="s",
                       message_id="<e>", created_at=T0)
    [row] = store.alerts()
    assert row["channel"] is None and row["payload"] is None and group["change_ids"] == [change_id]


def test_bad_queue_entries_are_named(store):
    with pytest.raises(NotFoundError, match="42"):
        store.enqueue_channel(42, "bids", 1)
    with pytest.raises(StorageError, match="channel"):
        store.enqueue_channel(change(store, 1), "", 1)


def test_a_file_from_before_channels_gains_them_and_keeps_its_alerts(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as fresh:
        fresh.enqueue_alert(change(fresh, 1), "a@example.org", 1)
    with sqlite3.connect(path) as raw:  # undo the channel migration: the file as the last release left it
        raw.execute("DROP TABLE channel_outbox")
        raw.execute("ALTER TABLE alerts DROP COLUMN channel")
        raw.execute("ALTER TABLE alerts DROP COLUMN payload")
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = '0004_chat_channels'")
        raw.execute("ALTER TABLE outbox DROP COLUMN subscriptions")  # nor the later outbox column
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = '0018_outbox_subscriptions'")
    with Store(path) as reopened:
        assert [g["recipient"] for g in reopened.pending_digests()] == ["a@example.org"]
        reopened.enqueue_channel(1, "bids", 1)
        assert reopened.pending_channel_digests()[0]["change_ids"] == [1]


def test_requeued_failures_go_back_to_pending_and_unbuilt_messages_to_their_queue(store):
    ids = [change(store, n) for n in range(3)]
    for change_id in ids:
        store.enqueue_channel(change_id, "bids-wecom", 1)
        store.enqueue_alert(change_id, "a@example.org", 1)
    [built] = store.create_channel_messages(run_id=1, channel="bids-wecom", created_at=T0, parts=[
        {"change_ids": ids[:2], "subject": "s", "payload": {"x": 1}, "message_id": "<m1>"}])
    store.create_channel_messages(run_id=1, channel="bids-wecom", created_at=T0, parts=[
        {"change_ids": ids[2:], "subject": "s", "payload": None, "message_id": "<m2>", "error": "too big"}])
    email = store.create_alert(run_id=1, recipients=["a@example.org"], change_ids=ids, subject="s", message_id="<e>",
                               created_at=T0)
    store.mark_alert_failed(built, "secret missing", T0)
    store.mark_alert_failed(email, "refused", T0)
    assert [a["status"] for a in store.alerts()] == ["failed", "failed", "failed"]
    assert store.requeue_failed("bids-wecom") == 2
    assert store.alert(built)["status"] == "pending" and store.alert(email)["status"] == "failed"
    assert [g["change_ids"] for g in store.pending_channel_digests()] == [ids[2:]], "rebuilt from its queue"
    assert store.requeue_failed("email") == 1 and store.alert(email)["status"] == "pending"
    assert store.requeue_failed() == 0
