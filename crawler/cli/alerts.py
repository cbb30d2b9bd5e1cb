"""`eduwatch alerts` and the post-crawl delivery step: list the outbox, send what is due."""

from __future__ import annotations

import json
import sys

from crawler.config import Config, ConfigError
from crawler.notify.delivery import deliver_pending
from crawler.notify.mailer import SmtpConfigError, SmtpSettings


def smtp_settings(config: Config) -> SmtpSettings | None:
    smtp = config.smtp
    if smtp is None:
        return None
    try:
        return SmtpSettings(host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username or None,
                            password=smtp.password(), sender=smtp.sender, timeout=smtp.timeout)
    except SmtpConfigError as exc:
        raise ConfigError(f"{config.path}: [smtp]: {exc}") from None


def site_labels(config: Config) -> dict[str, str]:
    return {site.name: site.label or site.name for site in config.sites}


def deliver(store, config: Config, *, quiet: bool = True, force: bool = False):
    """Assemble digests from the outbox and, when [smtp] is configured, send the due ones (all, with force)."""
    report = deliver_pending(store, smtp_settings(config), site_labels=site_labels(config), force=force)
    if not quiet and (report.sent or report.failed or report.retried):
        print(f"alerts: {report.sent} sent, {report.retried} to retry, {report.failed} failed, "
              f"{report.pending} pending", file=sys.stderr)
    return report


def alerts(store, config: Config, *, send: bool, as_json: bool) -> int:
    if send:
        if config.smtp is None:
            print("eduwatch: error: no [smtp] table in the configuration; add one (see eduwatch.example.toml) "
                  "to send alerts", file=sys.stderr)
            return 1
        report = deliver(store, config, quiet=True, force=True)
        print(f"{report.sent} sent, {report.retried} will be retried, {report.failed} failed, {report.pending} pending",
              file=sys.stderr if as_json else sys.stdout)
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
