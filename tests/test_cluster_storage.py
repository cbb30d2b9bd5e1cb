"""storage's cluster bookkeeping: recorded message ids, dispatched runs, a run's counts from the fetch log."""

from __future__ import annotations

import pytest

from storage import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "eduwatch.db") as s:
        yield s


def test_a_dispatched_run_is_opened_once_per_token(store):
    first = store.open_cluster_run("t1", site="moe", node="http://a:6800", job="t1", spider="moe",
                                   dispatched_at="2026-11-29T12:00:00+00:00")
    again = store.open_cluster_run("t1", site="moe", node="http://b:6800", job="x", spider="moe",
                                   dispatched_at="2026-11-29T12:05:00+00:00")
    assert again == first and first["node"] == "http://a:6800" and first["baselined"] is False
    assert [r["id"] for r in store.runs()] == [first["run_id"]]
    assert [r["token"] for r in store.cluster_runs(open_only=True)] == ["t1"]
    store.finish_run(first["run_id"], finished_at="2026-11-29T12:10:00+00:00", status="ok")
    assert store.cluster_runs(open_only=True) == []
    assert store.cluster_run("t1")["status"] == "ok"


def test_a_baselined_site_opens_baselined_runs(store):
    run = store.open_cluster_run("t1", site="moe", node="n", job="j", spider="moe", dispatched_at="2026-11-29T12:00:00+00:00")
    store.mark_baselined("moe", run["run_id"], "2026-11-29T12:10:00+00:00")
    assert store.open_cluster_run("t2", site="moe", node="n", job="j2", spider="moe",
                                  dispatched_at="2026-11-29T13:00:00+00:00")["baselined"] is True


def test_recorded_ids_rolled_back_with_their_transaction_and_pruned_by_age(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.mark_entry_recorded("t1/page/1", "1-0", "2026-11-01T00:00:00+00:00")
        raise RuntimeError("the page's rows failed")
    assert not store.entry_recorded("t1/page/1"), "no id without the rows it stands for"
    store.mark_entry_recorded("t1/page/1", "1-0", "2026-11-01T00:00:00+00:00")
    store.mark_entry_recorded("t2/page/1", "2-0", "2026-11-29T00:00:00+00:00")
    assert store.prune_recorded_entries("2026-11-22T00:00:00+00:00") == 1
    assert not store.entry_recorded("t1/page/1") and store.entry_recorded("t2/page/1")


def test_run_outcome_counts_come_from_the_fetch_log(store):
    run = store.open_cluster_run("t1", site="moe", node="n", job="j", spider="moe", dispatched_at="2026-11-29T12:00:00+00:00")
    for i, outcome in enumerate(["baseline", "baseline", "error"]):
        url = f"http://x/{i}.html"
        store.upsert_page(url, "moe", "2026-11-29T12:00:00+00:00")
        store.log_fetch(run["run_id"], url, at="2026-11-29T12:00:00+00:00", status=200, nbytes=1, duration_ms=1,
                        error=None, raw_hash=None, outcome=outcome)
    assert store.run_outcome_counts(run["run_id"]) == {"baseline": 2, "error": 1}
