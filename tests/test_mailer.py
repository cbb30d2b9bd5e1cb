"""Tests for crawler.notify.mailer and crawler.notify.delivery against a real aiosmtpd server on 127.0.0.1."""

import datetime as dt
import socket
import ssl
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from crawler.notify.delivery import alert_changes, deliver_pending, message_id_for, retry_delay
from crawler.notify.digest import render_digest
from crawler.notify.mailer import (
    PermanentSendError,
    SmtpConfigError,
    SmtpSettings,
    TransientSendError,
    send_message,
)
from storage import Store

NOW = dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)
RECIPIENT = "ops@example.org"


class Collector:
    """aiosmtpd handler: keeps every accepted envelope; refuses addresses in `refuse` with 550."""

    def __init__(self):
        self.envelopes = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [BytesParser(policy=policy.default).parsebytes(e.content) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A running SMTP server; yields (handler, port)."""
    handler, port = Collector(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def settings(port, **kw) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="eduwatch@example.org", timeout=5, **kw)


def digest(recipient=RECIPIENT, title="关于实验室设备采购的更正公告"):
    row = {"id": 1, "url": "http://www.caigou.com.cn/a.shtml", "site": "caigou", "kind": "changed", "title": title,
           "detected_at": "2026-11-23T16:00:00+00:00", "version": 2, "previous_version": 1,
           "diff_text": "预算金额: 128万元 → 135万元", "diff_html": None, "summary": None, "details": {}}
    return render_digest(sender="eduwatch@example.org", recipient=recipient, changes=[row],
                         message_id="<eduwatch.1.abc@eduwatch.local>", site_labels={"caigou": "中国教育装备采购网"})


# --- mailer ----------------------------------------------------------------------------------------------


def test_send_delivers_a_decodable_digest(smtp):
    handler, port = smtp
    send_message(settings(port), digest())
    (envelope,) = handler.envelopes
    assert envelope.mail_from == "eduwatch@example.org" and envelope.rcpt_tos == [RECIPIENT]
    (msg,) = handler.messages()
    assert msg["Subject"] == "[eduwatch] 中国教育装备采购网：1 篇更新"
    assert msg["Message-ID"] == "<eduwatch.1.abc@eduwatch.local>"
    assert "预算金额: 128万元 → 135万元" in msg.get_body(("plain",)).get_content()
    assert "关于实验室设备采购的更正公告" in msg.get_body(("html",)).get_content()


def test_crlf_title_cannot_inject_headers_over_the_wire(smtp):
    handler, port = smtp
    send_message(settings(port), digest(title="公告\r\nBcc: victim@evil.example"))
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == [RECIPIENT]
    assert "bcc" not in {k.lower() for k in handler.messages()[0].keys()}


def test_server_down_is_transient():
    with pytest.raises(TransientSendError, match="refused: is the SMTP server running"):
        send_message(settings(free_port()), digest())


def test_refused_recipient_is_permanent(smtp):
    handler, port = smtp
    handler.refuse.add(RECIPIENT)
    with pytest.raises(PermanentSendError, match="550") as info:
        send_message(settings(port), digest())
    assert RECIPIENT in str(info.value) and "check the address" in str(info.value)
    assert handler.envelopes == []


def test_password_never_in_repr_or_errors(smtp):
    _, port = smtp
    s = settings(port, username="u", password="s3cret-pw")
    assert "s3cret-pw" not in repr(s)
    with pytest.raises(PermanentSendError) as info:  # aiosmtpd offers no AUTH on plain connections
        send_message(s, digest())
    assert "s3cret-pw" not in str(info.value)


def test_starttls_against_plain_server_is_a_clear_permanent_error(smtp):
    _, port = smtp
    with pytest.raises(PermanentSendError, match="security"):
        send_message(settings(port, security="starttls"), digest())


@pytest.mark.parametrize(
    ("kw", "word"),
    [({"security": "tls"}, "security"), ({"port": 0}, "port"), ({"sender": ""}, "sender")],
    ids=["bad-security", "bad-port", "no-sender"],
)
def test_bad_settings_name_the_key(kw, word):
    base = {"host": "127.0.0.1", "port": 25, "sender": "a@x.org"} | kw
    with pytest.raises(SmtpConfigError, match=word):
        SmtpSettings(**base)


# --- TLS with a self-signed certificate (needs `cryptography`) -------------------------------------------


@pytest.fixture
def cert_files(tmp_path):
    x509 = pytest.importorskip("cryptography.x509", reason="cryptography not installed: TLS tests need a cert")
    import ipaddress

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def server_tls(cert_files) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert_files)
    return context


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_tls_modes_deliver_with_trusted_cert(cert_files, mode):
    handler, port = Collector(), free_port()
    context = server_tls(cert_files)
    if mode == "ssl":
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True)
    controller.start()
    try:
        send_message(settings(port, security=mode, ca_file=cert_files[0]), digest())
        with pytest.raises(PermanentSendError, match="TLS"):  # untrusted cert: refuse, never downgrade
            send_message(settings(port, security=mode), digest())
    finally:
        controller.stop()
    assert len(handler.envelopes) == 1


# --- delivery: the outbox drained exactly once ----------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "eduwatch.db") as s:
        yield s


def queue_change(store, *, title="关于采购实验室设备的公告", recipient=RECIPIENT, run_id=None) -> int:
    run_id = run_id or store.start_run(kind="crawl", sites=["caigou"], started_at=NOW.isoformat())
    with store.transaction():
        cid = store.add_change(url="http://www.caigou.com.cn/a.shtml", site="caigou", kind="changed",
                               detected_at=NOW.isoformat(), title=title, version=2, previous_version=1,
                               diff_text="- 项目预算为128万元。\n+ 项目预算为135万元。", diff_html=None,
                               summary="正文 1 处修改", run_id=run_id)
        store.enqueue_alert(cid, recipient, run_id, matched_keywords=["实验室"])
    return run_id


def test_no_smtp_settings_assembles_only(store):
    run_id = queue_change(store)
    report = deliver_pending(store, None, now=NOW)
    assert (report.assembled, report.sent, report.pending) == (1, 0, 1)
    (alert,) = store.alerts()
    assert alert["message_id"] == message_id_for(run_id, RECIPIENT)
    assert alert["subject"] == "[eduwatch] caigou：1 篇更新"
    assert store.pending_digests() == []


def test_server_down_then_up_delivers_exactly_once(store):
    queue_change(store)
    port = free_port()
    report = deliver_pending(store, settings(port), now=NOW, site_labels={"caigou": "中国教育装备采购网"})
    assert (report.sent, report.retried, report.pending) == (0, 1, 1)
    (alert,) = store.alerts()
    assert alert["status"] == "pending" and alert["attempts"] == 1 and "refused" in alert["error"]
    assert alert["next_attempt_at"] == (NOW + dt.timedelta(minutes=1)).isoformat()

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        early = deliver_pending(store, settings(port), now=NOW + dt.timedelta(seconds=30))
        assert (early.sent, early.pending) == (0, 1)  # backoff respected
        later = NOW + dt.timedelta(minutes=2)
        assert deliver_pending(store, settings(port), now=later).sent == 1
        assert deliver_pending(store, settings(port), now=later + dt.timedelta(hours=1)).sent == 0
    finally:
        controller.stop()
    (msg,) = handler.messages()
    assert msg["Message-ID"] == alert["message_id"]
    assert msg["Subject"] == "[eduwatch] 中国教育装备采购网：1 篇更新"
    assert "+ 项目预算为135万元。" in msg.get_body(("plain",)).get_content()
    assert store.alert(alert["id"])["status"] == "sent"


def test_recipient_refused_marks_failed_with_reason(store, smtp):
    handler, port = smtp
    handler.refuse.add("nobody@example.org")
    queue_change(store, recipient="nobody@example.org")
    report = deliver_pending(store, settings(port), now=NOW)
    assert (report.failed, report.pending) == (1, 0)
    (alert,) = store.alerts()
    assert alert["status"] == "failed" and "550" in alert["error"] and "nobody@example.org" in alert["error"]
    assert deliver_pending(store, settings(port), now=NOW + dt.timedelta(days=1)).sent == 0


def test_one_digest_per_recipient_and_late_changes_not_lost(store, smtp):
    handler, port = smtp
    run_id = queue_change(store, title="公告甲")
    queue_change(store, title="公告乙", recipient="boss@example.org", run_id=run_id)
    assert deliver_pending(store, settings(port), now=NOW).sent == 2
    # a change queued for the same run after its digest went out travels in a second part, not dropped
    queue_change(store, title="公告丙", run_id=run_id)
    assert deliver_pending(store, settings(port), now=NOW).sent == 1
    by_rcpt = {}
    for env, msg in zip(handler.envelopes, handler.messages(), strict=True):
        by_rcpt.setdefault(env.rcpt_tos[0], []).append(msg)
    assert sorted(by_rcpt) == ["boss@example.org", RECIPIENT]
    first, second = by_rcpt[RECIPIENT]
    assert first["Message-ID"] != second["Message-ID"]
    assert "公告丙" in second.get_body(("plain",)).get_content()
    assert "公告甲" not in second.get_body(("plain",)).get_content()


def test_retry_backoff_doubles_and_caps():
    assert [retry_delay(n).total_seconds() / 60 for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_server_down_stops_the_round_after_one_attempt(store):
    run_id = queue_change(store)
    queue_change(store, recipient="boss@example.org", run_id=run_id)
    report = deliver_pending(store, settings(free_port()), now=NOW)
    assert (report.sent, report.retried, report.unreachable, report.pending) == (0, 1, 1, 2)
    assert sorted(a["attempts"] for a in store.alerts()) == [0, 1]  # the second was not tried, not penalised



def test_each_recipient_sees_the_keywords_and_subscriptions_that_brought_the_change(store):
    run_id = queue_change(store)
    (change,) = store.changes()
    with store.transaction():
        store.enqueue_alert(change["id"], "wang@example.org", run_id, matched_keywords=["录播教室"],
                            subscriptions=["av-zj"])
    deliver_pending(store, None, now=NOW)
    by_recipient = {a["recipients"][0]: alert_changes(store, a)[0] for a in store.alerts()}
    assert (by_recipient[RECIPIENT]["matched_keywords"], by_recipient[RECIPIENT]["subscriptions"]) == (["实验室"], [])
    assert by_recipient["wang@example.org"]["matched_keywords"] == ["录播教室"]
    assert by_recipient["wang@example.org"]["subscriptions"] == ["av-zj"]
