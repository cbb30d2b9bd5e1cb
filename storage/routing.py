"""Why each queued change reached its target (the subscriptions that matched), and changes with their articles
for replaying them through a subscription (`subscriptions test`, per-subscription feeds and calendars)."""

from __future__ import annotations

from sqlite_utils import Database

from .changes import _CHANGE_COLUMNS, _decode, _filter
from .schema import migrations
from .util import loads


@migrations(name="0018_outbox_subscriptions")
def outbox_subscriptions(db: Database) -> None:
    """Each queued (change, recipient) and (change, channel) row names the subscriptions that brought it,
    so a digest can say which of the reader's subscriptions matched (JSON list; NULL: the site's own)."""
    db.execute("ALTER TABLE outbox ADD COLUMN subscriptions TEXT")
    db.execute("ALTER TABLE channel_outbox ADD COLUMN subscriptions TEXT")


class RoutingMixin:
    """Store.alert_reasons and Store.changes_with_articles."""

    def alert_reasons(self, alert: dict) -> dict[int, dict]:
        """change id → {"matched": keywords, "subscriptions": names} of the outbox rows this alert holds,
        for its recipient (email) or its channel."""
        table = "channel_outbox" if alert.get("channel") else "outbox"
        found = self.db.execute(
            f"SELECT change_id, matched, subscriptions FROM {table} WHERE alert_id = ?", [alert["id"]]).fetchall()
        reasons: dict[int, dict] = {}
        for change_id, matched, subscriptions in found:
            reason = reasons.setdefault(change_id, {"matched": [], "subscriptions": []})
            for key, value in (("matched", matched), ("subscriptions", subscriptions)):
                reason[key] += [x for x in loads(value) or [] if x not in reason[key]]
        return reasons

    def changes_with_articles(self, since: str | None = None, site: str | None = None,
                              kind: str | None = None):
        """Changes newest first (as Store.changes), each with `article`: the stored reading of the version it
        names (None for a health change). A generator, so a caller that wants N matches stops early."""
        where, params = _filter(since, site, kind)
        columns = ", ".join(f"c.{name.strip()}" for name in _CHANGE_COLUMNS.split(","))
        cursor = self.db.execute(
            f"SELECT {columns}, v.article AS article FROM (SELECT * FROM changes WHERE {where}) c"
            " LEFT JOIN pages p ON p.url = c.url LEFT JOIN versions v ON v.page_id = p.id AND v.version = c.version"
            " ORDER BY c.detected_at DESC, c.id DESC", params)
        names = [d[0] for d in cursor.description]
        while batch := cursor.fetchmany(200):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                row["article"] = loads(row["article"])
                yield _decode(row)
