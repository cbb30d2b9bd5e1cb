"""`eduwatch alerts`: list the outbox; --send delivers what is pending now."""

from __future__ import annotations

import json
import sys

from crawler.config import Config
from crawler.notify.delivery import DeliveryReport, deliver_configured


def report_line(report: DeliveryReport) -> str:
    return f"{report.sent} sent, {report.retried} will be retried, {report.failed} failed, {report.pending} pending"


def alerts(store, config: Config, *, send: bool, as_json: bool) -> int:
    if send:
        if config.smtp is None:
            print("eduwatch: error: no [smtp] table in the configuration; add one (see eduwatch.example.toml) "
                  "to send alerts", file=sys.stderr)
            return 1
        report = deliver_configured(store, config, force=True)
        print(report_line(report), file=sys.stderr if as_json else sys.stdout)
    rows = store.alerts()
    if as_json:
        keys = ("id", "status", "recipients", "subject", "created_at", "sent_at", "error", "attempts", "message_id")
        print(json.dumps([{k: row.get(k) for k in keys} for row in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows and not send:
        print("no alerts")
    for row in rows:
        when = row.get("sent_at") or row.get("created_at")
        error = f"  ({row['error']})" if row.get("error") else ""
        print(f"#{row['id']:<5} {row['status']:<8} {when}  {', '.join(row.get('recipients') or [])}  {row['subject']}{error}")
    return 0
