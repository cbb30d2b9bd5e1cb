"""`eduwatch alerts`: list the outbox; --send delivers what is pending now, --retry-failed what failed."""

from __future__ import annotations

import json
import sys

from crawler.clock import display_time, zoned_iso
from crawler.config import Config
from crawler.notify.delivery import DeliveryReport, deliver_configured

JSON_KEYS = ("id", "status", "channel", "recipients", "subject", "created_at", "sent_at", "error", "attempts",
             "message_id")


def report_line(report: DeliveryReport) -> str:
    return f"{report.sent} sent, {report.retried} will be retried, {report.failed} failed, {report.pending} pending"


def alert_json(row: dict, zone: str) -> dict:
    """One alert as `alerts --json` prints it: `channel` is the channel's name, or "email"."""
    out = {k: row.get(k) for k in JSON_KEYS}
    out["channel"] = row.get("channel") or "email"
    out["recipients"] = row.get("recipients") or []
    out["created_at"], out["sent_at"] = zoned_iso(row.get("created_at"), zone), zoned_iso(row.get("sent_at"), zone)
    return out


def alerts(store, config: Config, *, send: bool, as_json: bool, retry_failed: bool = False,
           channel: str | None = None) -> int:
    zone = config.display.timezone
    if channel is not None and not known_transport(store, config, channel):
        names = ", ".join(["email", *(c.name for c in config.channels)])
        print(f"eduwatch: error: --channel {channel!r} names no channel; use one of: {names}", file=sys.stderr)
        return 1
    if retry_failed:
        count = store.requeue_failed(channel)
        print(f"{count} failed alert(s) requeued", file=sys.stderr if as_json else sys.stdout)
        send = True
    if send:
        if config.smtp is None and not config.channels:
            print("eduwatch: error: no [smtp] table and no [[channels]] in the configuration; add one (see "
                  "eduwatch.example.toml) to send alerts", file=sys.stderr)
            return 1
        report = deliver_configured(store, config, force=True)
        print(report_line(report), file=sys.stderr if as_json else sys.stdout)
        waiting = [a for a in store.alerts(status="pending") if not a.get("channel")]
        if config.smtp is None and waiting:
            print(f"eduwatch: {len(waiting)} email alert(s) wait for an [smtp] table", file=sys.stderr)
    rows = [r for r in store.alerts() if channel is None or (r.get("channel") or "email") == channel]
    if as_json:
        print(json.dumps([alert_json(row, zone) for row in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows and not send:
        print("no alerts")
    for row in rows:
        when = display_time(row.get("sent_at") or row.get("created_at"), zone)
        error = f"  ({row['error']})" if row.get("error") else ""
        to = row["channel"] if row.get("channel") else ", ".join(row.get("recipients") or [])
        print(f"#{row['id']:<5} {row['status']:<8} {when}  {to}  {row['subject']}{error}")
    return 0


def known_transport(store, config: Config, name: str) -> bool:
    """"email", a configured channel, or one that alerts were stored for (removed from the config since)."""
    return name == "email" or config.channel(name) is not None \
        or any(a.get("channel") == name for a in store.alerts(status="failed"))
