"""The stream and the exactly-once recorder against a real redis-server and a real SQLite file.

The trap this guards: a recorder that committed a page's rows and died before acknowledging the entry
gets it again; recording it again counted a 404 twice and confirmed a false `removed`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cluster.consumer import Consumer
from crawler.cluster.messages import PageFetched, RunDispatched, RunFinished, encode
from crawler.cluster.recording import StreamRecorder
from crawler.cluster.stream import DEAD, Stream
from crawler.config import ClusterConfig, Config, SiteConfig
from crawler.model import FetchedPage
from storage import Store

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).parent / "golden" / "moe" / "news_subtitle.html"
URL = json.loads(GOLDEN.with_suffix(".json").read_text(encoding="utf-8"))["url"]
AT = "2026-11-29T12:00:{:02d}+00:00"


def config() -> Config:
    site = SiteConfig(name="moe", start_urls=["http://www.moe.gov.cn/jyb_xwfb/gzdt_gzdt/"], spider="moe")
    return Config(path=None, sites=[site], cluster=ClusterConfig(nodes=["http://127.0.0.1:1"]))


def page(status: int, second: int) -> FetchedPage:
    body = GOLDEN.read_bytes() if status == 200 else "<html><title>404</title>页面不存在</html>".encode()
    return FetchedPage(url=URL, site="moe", final_url=URL, status=status, body=body,
                       fetched_at=AT.format(second), list_url=None)


def run_messages(token: str, status: int, second: int):
    return [RunDispatched(run=token, site="moe", node="http://127.0.0.1:1", job=token, spider="moe",
                          at=AT.format(second)),
            PageFetched(run=token, seq=1, page=page(status, second)),
            RunFinished(run=token, at=AT.format(second + 1), reason="finished", pages=1,
                        stats={"list_pages": 1, "list_links": 1, "list_errors": 0})]


@pytest.fixture
def parts(tmp_path, redis_server):
    db = tmp_path / "eduwatch.db"
    store = Store(db)
    streams = []

    def consumer(name: str) -> Consumer:
        stream = Stream(redis_server.url, consumer=name)
        stream.ensure_group()
        streams.append(stream)
        return Consumer(stream, store, StreamRecorder(store, config(), str(db)))

    producer = Stream(redis_server.url)
    producer.ensure_group()
    streams.append(producer)
    yield producer, consumer, store
    for stream in streams:
        stream.close()
    store.close()


def drain(consumer: Consumer) -> None:
    while consumer.step(block_ms=None):
        pass


def test_a_replay_after_commit_records_nothing(parts):
    producer, consumer, store = parts
    for message in run_messages("base", 200, 0) + run_messages("gone", 404, 10):
        producer.publish(message)
    first = consumer("recorder-a")
    entries = first.stream.read_new(count=100)
    assert len(entries) == 6
    for entry in entries[:4]:
        assert first.handle(entry)
    assert first.handle(entries[4], ack=False)  # the 404 committed, then the recorder "dies" before XACK

    second = consumer("recorder-b")  # a restarted recorder: claims what is pending, then reads the rest
    drain(second)
    assert second.counts.replayed == 1 and second.counts.recorded == 1

    row = store.page(URL)
    assert row["state"] == "missing" and row["miss_count"] == 1, "the replayed 404 was counted once"
    assert [c["kind"] for c in store.changes()] == [], "no false `removed` (it needs a second 404)"
    assert [f["outcome"] for f in store.fetches(URL)] == ["missing", "baseline"]
    assert [r["status"] for r in store.runs()] == ["ok", "ok"]
    assert store.db.execute("SELECT count(*) FROM stream_entries").fetchone()[0] == 6


def test_every_message_is_recorded_once_even_when_sent_twice(parts):
    producer, consumer, store = parts
    messages = run_messages("base", 200, 0)
    for message in messages + messages[1:2]:  # a node retried an XADD whose reply it never got
        producer.publish(message)
    recorder = consumer("recorder")
    drain(recorder)
    assert recorder.counts.recorded == 3 and recorder.counts.replayed == 1
    assert len(store.versions(URL)) == 1
    assert [f["outcome"] for f in store.fetches(URL)] == ["baseline"]


def test_trim_never_drops_an_unacknowledged_entry(parts):
    producer, consumer, _store = parts
    ids = [producer.publish(m) for m in run_messages("base", 200, 0) + run_messages("next", 200, 10)]
    recorder = consumer("recorder")
    entries = recorder.stream.read_new(count=100)
    recorder.stream.ack(entries[0].id, entries[1].id, entries[3].id)  # entry 2 is still pending
    assert recorder.stream.trim() == 2
    left = [_id(e[0]) for e in producer.redis.xrange(producer.key)]
    assert left == ids[2:], "the pending entry and everything after it stay"
    recorder.stream.ack(*(e.id for e in entries[2:]))
    recorder.stream.trim()
    assert producer.length() == 0 or [_id(e[0]) for e in producer.redis.xrange(producer.key)] == []


def test_trim_keeps_entries_not_yet_read(parts):
    producer, consumer, _store = parts
    recorder = consumer("recorder")
    producer.publish(run_messages("base", 200, 0)[0])
    drain(recorder)
    later = producer.publish(run_messages("base", 200, 0)[1])  # published after the recorder's last read
    recorder.stream.trim()
    assert [_id(e[0]) for e in producer.redis.xrange(producer.key)] == [later]


def test_an_unreadable_entry_is_set_aside_not_lost(parts):
    producer, consumer, store = parts
    fields = encode(run_messages("base", 200, 0)[0])
    fields[b"v"] = b"99"
    producer.redis.xadd(producer.key, fields)
    recorder = consumer("recorder")
    drain(recorder)
    assert recorder.counts.dead == 1
    [(_entry_id, dead)] = producer.redis.xrange(DEAD)
    assert b"format" in dead[b"dead_reason"] and dead[b"meta"] == fields[b"meta"]
    assert store.runs() == []


def _id(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_the_stream_tells_how_long_no_recorder_has_read_it(parts):
    producer, consumer, _store = parts
    assert producer.reader_idle_s() is None, "no consumer has ever read"
    producer.publish(run_messages("base", 200, 0)[0])
    recorder = consumer("recorder")
    drain(recorder)
    idle = producer.reader_idle_s()
    assert idle is not None and idle < 60
    assert producer.backlog()["waiting"] == 0 and producer.backlog()["pending"] == 0


def test_a_waiting_crawl_says_when_no_recorder_reads_the_stream(parts, redis_server, caplog):
    from crawler.cluster.dispatch import _warn_if_no_recorder

    producer, consumer, _store = parts
    assert not _warn_if_no_recorder(redis_server.url), "nothing waits: nothing to say"
    producer.publish(run_messages("base", 200, 0)[0])
    assert _warn_if_no_recorder(redis_server.url)
    assert "start `eduwatch record`" in caplog.text
    drain(consumer("recorder"))
    assert not _warn_if_no_recorder(redis_server.url), "a recorder reads it"
