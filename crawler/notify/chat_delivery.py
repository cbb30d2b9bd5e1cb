"""Chat channel messages through the outbox: built once per (run, channel), each posted exactly once.

Exactly-once, as far as HTTP allows: a message's parts are stored with their exact payload in one
transaction, so a resend after a crash posts the same content with the same X-Eduwatch-Delivery id;
a message is marked sent right after the service accepts it (a 200 with errcode/code 0).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from crawler.clock import iso_utc
from crawler.config import Config
from crawler.notify.channels import Channel, PermanentChannelError, RetryableChannelError, send_payload
from crawler.notify.chat import channel_parts, unsent_part
from crawler.notify.digest import ordered

log = logging.getLogger(__name__)




def assemble_channel_messages(store, config: Config, now: datetime, closed_runs_only: bool = False) -> int:
    """One message (or its split parts) per queued (run, channel) group; safe to repeat. Returns the groups.
    A group that cannot be built is built change by change, so only what cannot be built fails."""
    groups = store.pending_channel_digests(closed_runs_only=closed_runs_only)
    for group in groups:
        try:
            parts = group_parts(store, config, group, group["change_ids"])
        except Exception as exc:  # noqa: BLE001 - recorded on the changes' own failed messages, never dropped
            log.warning("channel %s: run %s's message could not be built (%s); building change by change",
                        group["channel"], group["run_id"], exc)
            parts = [part for cid in group["change_ids"] for part in single_parts(store, config, group, cid)]
        store.create_channel_messages(run_id=group["run_id"], channel=group["channel"], parts=parts,
                                      created_at=iso_utc(now))
    return len(groups)


def group_parts(store, config: Config, group: dict, change_ids: list[int]) -> list[dict]:
    """The stored parts for these queued changes of one (run, channel) group."""
    changes = ordered([store.change(cid) for cid in change_ids])
    for change in changes:
        change["subscriptions"] = group["subscriptions"].get(change["id"]) or []
    channel = config.channel(group["channel"])
    if channel is None:  # removed from the config since: keep the changes visible as a failed message
        return [{"payload": None, "change_ids": change_ids, "subject": f"channel {group['channel']}",
                 "message_id": f"<eduwatch.{group['run_id']}.orphan.{change_ids[0]}@eduwatch.local>"}]
    return channel_parts(channel.kind, channel.name, group["run_id"], changes, site_labels=config.site_labels(),
                         zone=config.display.timezone, base_url=config.web_base_url)


def single_parts(store, config: Config, group: dict, change_id: int) -> list[dict]:
    """One change's parts on its own, or a failed part naming why it cannot be built."""
    try:
        return group_parts(store, config, group, [change_id])
    except Exception as exc:  # noqa: BLE001 - stored as this change's failed message with the reason
        return [unsent_part(group["channel"], group["run_id"], change_id, f"change {change_id}",
                            f"channel {group['channel']}: the message could not be built: {exc}")]


def send_channel_alert(store, config: Config, alert: dict, now: datetime, retry) -> tuple[str, bool]:
    """Post one stored channel message and record the result.

    Returns (the DeliveryReport field to count it in, whether the rest of this channel should wait: the
    service is unreachable or rate-limiting us). `retry(store, alert, error, now, at_least)` reschedules."""
    name = alert["channel"]
    configured = config.channel(name)
    if configured is None or alert.get("payload") is None:
        error = (f"channel {name!r} is not configured any more (no [[channels]] entry named {name!r} in"
                 f" {config.path}); add it back and run `eduwatch alerts --retry-failed --channel {name}`,"
                 " or ignore this message")
        store.mark_alert_failed(alert["id"], error, iso_utc(now))
        return "failed", False
    channel = Channel(name=name, kind=configured.kind, url=configured.url, secret=configured.secret(),
                      secret_env=configured.secret_env, timeout=configured.timeout)
    try:
        send_payload(channel, alert["payload"], message_id=alert["message_id"])
    except RetryableChannelError as exc:
        outcome = retry(store, alert, f"channel {name}: {exc}", now, exc.retry_after)
        return outcome, outcome == "retried" and (exc.unreachable or exc.retry_after is not None)
    except PermanentChannelError as exc:
        log.error("channel message %s to %s failed permanently: %s", alert["id"], name, exc)
        store.mark_alert_failed(alert["id"], f"channel {name}: {exc}", iso_utc(now))
        return "failed", False
    store.mark_alert_sent(alert["id"], iso_utc(datetime.now(UTC)))
    return "sent", False
