"""Drain the alert outbox: assemble one digest per (run, recipient), send due alerts, record the outcome.

Exactly-once, as far as SMTP allows: a digest's Message-ID is derived from (run_id, recipient), so assembling
twice yields the same alert row (create_alert is idempotent on message_id), and an alert is marked sent right
after the server accepts it. A crash in the small window between the server's "250 OK" and mark_alert_sent
leaves the alert pending, so the next run resends the SAME message with the SAME Message-ID; mail clients and
most servers collapse such duplicates. Nothing is ever lost: an alert leaves "pending" only as sent or failed.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from crawler.clock import DISPLAY_ZONE, display_moment, iso_utc
from crawler.config import Config
from crawler.errors import ConfigError
from crawler.notify.chat_delivery import assemble_channel_messages, send_channel_alert
from crawler.notify.digest import DigestBody, digest_subject, render_body, render_digest, site_label_for
from crawler.notify.mailer import (
    PermanentSendError,
    SmtpConfigError,
    SmtpSettings,
    TransientSendError,
    send_message,
)
from crawler.notify.sender_lock import one_sender
from storage import NotFoundError

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(minutes=1)  # first retry after a transient failure; doubles each attempt
RETRY_CAP = timedelta(hours=1)  # never wait longer than this between attempts
GIVE_UP_AFTER = 72  # attempts (about three days at the cap) before a transient failure becomes permanent


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # permanently, this round
    retried: int = 0  # transient failure, rescheduled
    pending: int = 0  # still pending after this round (includes retried and not-yet-due)
    assembled: int = 0  # new digests created this round
    unreachable: int = 0  # 1 when the server could not be reached and the round stopped early



def message_id_for(run_id: int | None, recipient: str, part: int = 1) -> str:
    """Deterministic, so a re-assembled or resent digest carries the same Message-ID.

    part > 1 numbers later digests for the same (run, recipient): changes queued after the first was built.
    """
    digest = hashlib.sha1(recipient.strip().lower().encode("utf-8")).hexdigest()[:12]
    suffix = "" if part == 1 else f".p{part}"
    return f"<eduwatch.{run_id}.{digest}{suffix}@eduwatch.local>"


def retry_delay(attempts_so_far: int) -> timedelta:
    """1 min, 2, 4 … capped at 1 h."""
    return min(RETRY_BASE * (2 ** min(attempts_so_far, 16)), RETRY_CAP)


def deliver_pending(
    store, settings: SmtpSettings | None, *, now: datetime | None = None, site_labels: dict[str, str] | None = None,
    force: bool = False, config: Config | None = None, closed_runs_only: bool = False,
) -> DeliveryReport:
    """Assemble queued changes into digests and chat messages, then send every due one once: emails when SMTP
    is configured, chat messages through `config`'s [[channels]].

    `force` (the user's `eduwatch alerts --send`) sends every pending alert now, ignoring the backoff.
    A server that cannot be reached (or a robot that says we post too fast) holds back the rest of its
    own alerts for this round; other channels go on. `closed_runs_only` builds digests only for runs that
    have closed: one digest per recipient per run, however often delivery runs while a run is open.
    """
    now = now or datetime.now(UTC)
    assembled, bodies = assemble_digests(store, now, site_labels, config, closed_runs_only)
    report = DeliveryReport(assembled=assembled)
    if config is not None:
        report.assembled += assemble_channel_messages(store, config, now, closed_runs_only)
    waiting: set[str] = set()  # "email" or channel names that are down / rate-limiting this round
    for alert in store.alerts(status="pending") if force else store.due_alerts(iso_utc(now)):
        transport = alert.get("channel") or "email"
        if transport in waiting or (alert.get("channel") is None and settings is None) \
                or (alert.get("channel") and config is None):
            continue
        outcome, pause = send_one(store, settings, alert, now, site_labels, config, bodies.get(alert["id"]))
        if outcome == "unreachable":  # counted as unreachable and as retried, as before
            report.retried += 1
        setattr(report, outcome, getattr(report, outcome) + 1)
        if pause:
            waiting.add(transport)
    report.pending = len(store.alerts(status="pending"))
    return report


def send_one(store, settings, alert: dict, now: datetime, site_labels, config: Config | None,
             body: DigestBody | None = None) -> tuple[str, bool]:
    """Send one alert row whatever goes wrong with it: (the DeliveryReport field, whether its transport waits).

    A row that cannot be built or sent for a reason no retry can mend is marked failed with that reason,
    so it never stops the rows after it."""
    try:
        if alert.get("channel"):
            return send_channel_alert(store, config, alert, now, partial(_retry_or_give_up, zone=zone_of(config)))
        outcome = send_alert(store, settings, alert, now, site_labels, config, body)
        return outcome, outcome == "unreachable"
    except Exception as exc:  # noqa: BLE001 - recorded on the row as its failure, shown by `eduwatch alerts`
        log.exception("alert %s could not be sent", alert["id"])
        store.mark_alert_failed(alert["id"], f"this alert could not be built or sent: {exc!r}", iso_utc(now))
        return "failed", False


def assemble_digests(store, now: datetime, site_labels: dict[str, str] | None, config: Config | None = None,
                     closed_runs_only: bool = False) -> tuple[int, dict[int, DigestBody]]:
    """One alert row per (run_id, recipient) outbox group; safe to repeat. Returns the groups assembled, and
    each new digest's body by alert id: rendered once, here, and sent as it is this round.
    A change whose part of the digest cannot be built becomes its own alert row, marked failed with the
    reason, so the rest of its digest still goes out."""
    groups = store.pending_digests(closed_runs_only=closed_runs_only)
    bodies: dict[int, DigestBody] = {}
    for group in groups:
        body, changes = _render_group(store, group, _group_changes(store, group, now), site_labels, config, now)
        if changes:
            good = [c["id"] for c in changes]
            subject = digest_subject(site_label_for(changes, site_labels), changes)
            alert_id = _create_alert(store, {**group, "change_ids": good}, subject, now)
            if store.alert(alert_id)["change_ids"] == good:  # not an earlier alert holding more: its body is this
                bodies[alert_id] = body
    return len(groups), bodies


def _group_changes(store, group: dict, now: datetime) -> list[dict]:
    """The group's change rows, each with why it reached this recipient; a row that cannot be read fails alone."""
    changes = []
    for change_id in group["change_ids"]:
        try:
            change = store.change(change_id)
        except Exception as exc:  # noqa: BLE001 - stored as the change's failed alert
            _fail_alone(store, group, change_id, _cannot_build(change_id, exc), now)
            continue
        changes.append({**change, "matched_keywords": group["matched"].get(change_id, []),
                        "subscriptions": group["subscriptions"].get(change_id, [])})
    return changes


def _render_group(store, group: dict, changes: list[dict], site_labels, config: Config | None,
                  now: datetime) -> tuple[DigestBody | None, list[dict]]:
    """(the digest body, the changes in it): all of them, rendered once. Only when that fails is each change
    rendered alone, to find the ones that cannot be put in an email (a damaged row): those fail alone."""
    try:
        return _body(changes, site_labels, config), changes
    except Exception as exc:  # noqa: BLE001 - the changes at fault are found below and fail on their own rows
        log.warning("a digest for %s could not be built (%r): finding the changes at fault", group["recipient"], exc)
    good = []
    for change in changes:
        try:
            _body([change], site_labels, config)
        except Exception as exc:  # noqa: BLE001 - stored as the change's failed alert
            _fail_alone(store, group, change["id"], _cannot_build(change["id"], exc), now)
        else:
            good.append(change)
    return (_body(good, site_labels, config) if good else None), good


def _body(changes: list[dict], site_labels, config: Config | None) -> DigestBody:
    return render_body(changes, site_labels, zone=zone_of(config), base_url=config.web_base_url if config else None)


def _cannot_build(change_id: int, exc: Exception) -> str:
    return f"change {change_id} could not be put in an email: {exc!r}"


def _fail_alone(store, group: dict, change_id: int, reason: str, now: datetime) -> None:
    """The change's own alert row, failed with `reason` (idempotent, like every assembled alert)."""
    alert_id = store.create_alert(
        run_id=group["run_id"], recipients=[group["recipient"]], change_ids=[change_id],
        subject=f"[eduwatch] change {change_id}", created_at=iso_utc(now),
        message_id=message_id_for(group["run_id"], group["recipient"]).replace("@", f".unsent.{change_id}@"))
    if store.alert(alert_id)["status"] == "pending":
        store.mark_alert_failed(alert_id, reason, iso_utc(now))


def _create_alert(store, group: dict, subject: str, now: datetime) -> int:
    """The alert holding this group's changes. An existing alert with the same Message-ID that lacks them
    (changes queued for a run after its digest was built) means: build the next part, never drop them."""
    wanted = set(group["change_ids"])
    for part in itertools.count(1):
        alert_id = store.create_alert(
            run_id=group["run_id"],
            recipients=[group["recipient"]],
            change_ids=group["change_ids"],
            subject=subject,
            message_id=message_id_for(group["run_id"], group["recipient"], part),
            created_at=iso_utc(now),
        )
        if wanted <= set(store.alert(alert_id)["change_ids"]):
            return alert_id
    raise AssertionError("unreachable")  # itertools.count never ends


def alert_changes(store, alert: dict) -> list[dict]:
    """The alert's change rows, each with the keywords and subscriptions that brought it to this alert's
    recipient or channel (kept on its outbox rows)."""
    reasons = store.alert_reasons(alert)
    changes = [store.change(cid) for cid in alert["change_ids"]]
    for change in changes:
        why = reasons.get(change["id"])
        if why is not None:
            change["matched_keywords"] = why["matched"]
            change["subscriptions"] = why["subscriptions"]
    return changes


def send_alert(store, settings: SmtpSettings, alert: dict, now: datetime, site_labels, config: Config | None = None,
               body: DigestBody | None = None) -> str:
    """Send one alert and record the result; returns the DeliveryReport field to count it in. `body`: its
    digest as assembled this round (else rendered from its change rows)."""
    try:
        msg = render_digest(
            sender=settings.sender,
            recipient=", ".join(alert["recipients"]),
            changes=[] if body else alert_changes(store, alert),
            body=body,
            message_id=alert["message_id"],
            site_labels=site_labels,
            subject=alert["subject"],
            date=now,
            zone=zone_of(config),
            base_url=config.web_base_url if config else None,
        )
        send_message(settings, msg)
    except TransientSendError as exc:
        outcome = _retry_or_give_up(store, alert, str(exc), now, zone=zone_of(config))
        return "unreachable" if exc.unreachable and outcome == "retried" else outcome
    except NotFoundError as exc:  # a change row vanished (manual DB edit): nothing sensible to send
        store.mark_alert_failed(alert["id"], f"cannot render alert: {exc}", iso_utc(now))
        return "failed"
    except PermanentSendError as exc:
        log.error("alert %s failed permanently: %s", alert["id"], exc)
        store.mark_alert_failed(alert["id"], str(exc), iso_utc(now))
        return "failed"
    store.mark_alert_sent(alert["id"], iso_utc(datetime.now(UTC)))
    return "sent"


def zone_of(config: Config | None) -> str:
    return config.display.timezone if config else DISPLAY_ZONE


def _retry_or_give_up(store, alert: dict, error: str, now: datetime, at_least: float | None = None, *,
                      zone: str = DISPLAY_ZONE) -> str:
    """Reschedule with backoff (never sooner than `at_least` seconds, a rate limit's wait), or give up; the
    notice names the retry time in the display zone."""
    attempts = alert.get("attempts") or 0
    if attempts + 1 >= GIVE_UP_AFTER:
        store.mark_alert_failed(alert["id"], f"gave up after {attempts + 1} attempts: {error}", iso_utc(now))
        return "failed"
    next_at = now + max(retry_delay(attempts), timedelta(seconds=at_least or 0))
    log.warning("alert %s not sent (%s); retrying at %s", alert["id"], error, display_moment(next_at, zone))
    store.mark_alert_retry(alert["id"], error, iso_utc(next_at))
    return "retried"


# --- the configured channels ------------------------------------------------------------------
def smtp_settings(config: Config) -> SmtpSettings | None:
    """The [smtp] table as sender settings (None when absent: then alerts wait in the outbox)."""
    smtp = config.smtp
    if smtp is None:
        return None
    try:
        return SmtpSettings(host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username or None,
                            password=smtp.password(), sender=smtp.sender, timeout=smtp.timeout)
    except SmtpConfigError as exc:
        raise ConfigError(f"{config.path}: [smtp]: {exc}") from None



def deliver_configured(store, config: Config, *, force: bool = False) -> DeliveryReport:
    """Assemble digests from the outbox and send the due ones (all, with force) through the configured channels:
    what `crawl` does after its runs, `alerts --send` on demand, and the cluster recorder when a run ends.
    Only closed runs get their digest (another process's run still open waits for its own end); `force`
    (`alerts --send`) sends open runs' changes too."""
    settings = smtp_settings(config)
    with one_sender(store.path):
        return deliver_pending(store, settings, site_labels=config.site_labels(), force=force, config=config,
                               closed_runs_only=not force)
