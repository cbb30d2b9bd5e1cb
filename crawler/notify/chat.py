"""One crawl run's changes → the message(s) for one chat channel: what each change shows, and the split."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from crawler.clock import display_time, zoned_iso
from crawler.model import change_label
from crawler.notify.channels import ChatChange, ChatDigest, kind_of
from crawler.notify.channels.base import MessageTooBig, clip
from crawler.notify.channels.markdown import heading
from crawler.notify.weblinks import change_link, history_link, short_link

SUMMARY_MAX = 160  # characters of a change's summary in a chat message
SENTENCE_MAX = 80  # characters of the first changed sentence added to a bare "正文 N 处修改"


def first_changed_sentence(diff_text: str | None) -> str:
    """The new wording of the first edited sentence ("+ …" in the diff), '' when there is none."""
    for line in (diff_text or "").splitlines():
        if line.startswith("+ ") and line[2:].strip():
            return line[2:].strip()
    return ""


def corrected_fields(change: dict) -> list[str]:
    """A 更正公告's moved fields against the original announcement (`开标时间: a → b`), as the email shows them."""
    corrects = (change.get("details") or {}).get("corrects") or {}
    return [f"{key}: {old} → {new}" for key, old, new in corrects.get("field_changes") or []]


def clip_facts(summary: str, limit: int) -> str:
    """`summary` within `limit` characters, cut between its "；"-separated facts so none loses its new value."""
    if len(summary) <= limit:
        return summary
    kept = ""
    for fact in summary.split("；"):
        longer = f"{kept}；{fact}" if kept else fact
        if len(longer) > limit - 1:
            break
        kept = longer
    return f"{kept}；…" if kept else clip(summary, limit)


def summary_of(change: dict) -> str:
    """The change row's summary (`预算金额: a → b`); a 更正公告 leads with what it moved; an edit with no field
    change adds its first new sentence."""
    summary = " ".join((change.get("summary") or "").split())
    moved = corrected_fields(change)
    if moved:
        rest = [p for p in summary.removeprefix("更正公告：").split("；") if p and p != "新文章" and p not in moved]
        summary = "更正公告：" + "；".join(moved + rest)
    elif change.get("kind") == "changed" and "→" not in summary:
        sentence = first_changed_sentence(change.get("diff_text"))
        if sentence:
            summary = f"{summary}：{clip(sentence, SENTENCE_MAX)}" if summary else clip(sentence, SENTENCE_MAX)
    return clip_facts(summary, SUMMARY_MAX)


def change_record(change: dict, zone: str, base_url: str | None) -> dict:
    """A change as `changes --json` prints it and webhooks post it: detected_at with the display zone's
    offset, and `link` (the web view's page for it when [web] base_url is set, else the article)."""
    keys = ("url", "site", "kind", "detected_at", "title", "version", "previous_version", "summary", "related_url")
    record = {key: change.get(key) for key in keys}
    record["detected_at"] = zoned_iso(change.get("detected_at"), zone)
    record["diff"] = change.get("diff_text")
    record["details"] = change.get("details")
    record["link"] = change_link(base_url, change)
    if change.get("subscriptions"):
        record["subscriptions"] = list(change["subscriptions"])
    return record


def _with_subscriptions(summary: str, change: dict) -> str:
    """The summary, then which subscriptions brought the change to this channel (（订阅：lab-zj）)."""
    names = "、".join(change.get("subscriptions") or [])
    return f"{summary}（订阅：{names}）" if names else summary


def chat_change(change: dict, *, zone: str, base_url: str | None) -> ChatChange:
    return ChatChange(
        kind=change.get("kind") or "", label=change_label(change.get("kind") or ""),
        title=change.get("title") or "", summary=_with_subscriptions(summary_of(change), change),
        link=change_link(base_url, change),
        url=change.get("url") or "", site=change.get("site") or "",
        detected_at=display_time(change.get("detected_at"), zone), history=history_link(base_url, change),
        record=change_record(change, zone, base_url), id=change.get("id"), short_link=short_link(base_url, change))


def chat_digest(changes: list[dict], run_id: int | None, *, site_labels: dict[str, str], zone: str,
                base_url: str | None) -> ChatDigest:
    """One run's changes for a channel, in the order digests use (site problems first, then edits …)."""
    site = changes[0].get("site") or "" if changes else ""
    newest = max((c.get("detected_at") or "" for c in changes), default="")
    return ChatDigest(site=site, site_label=site_labels.get(site, site), run_id=run_id,
                      at=display_time(newest, zone),
                      changes=tuple(chat_change(c, zone=zone, base_url=base_url) for c in changes))


def channel_message_id(run_id: int | None, channel: str, first_change_id: int, part: int) -> str:
    """Deterministic per (run, channel, batch, part): the X-Eduwatch-Delivery a receiver can dedupe on."""
    name = hashlib.sha1(channel.encode("utf-8")).hexdigest()[:10]
    return f"<eduwatch.{run_id}.ch-{name}.{first_change_id}.{part}@eduwatch.local>"


def channel_parts(kind: str, channel: str, run_id: int | None, changes: list[dict], *,
                  site_labels: dict[str, str], zone: str, base_url: str | None) -> list[dict]:
    """One (run, channel) message, or its parts where the service's size limit splits it, in the form
    storage keeps: change ids, subject, the exact payload to post, a deterministic message id.

    A change that cannot fit a message even shortened becomes a part of its own with no payload and an
    `error`: stored as failed, so it fails alone and every other change goes out."""
    sender = kind_of(kind)
    digest = chat_digest(changes, run_id, site_labels=site_labels, zone=zone, base_url=base_url)
    fitting, unsent = [], []
    for change in digest.changes:
        try:
            fitting.append(sender.fitted(digest, change))
        except MessageTooBig as exc:
            unsent.append(unsent_part(channel, run_id, change.id, f"【{change.label}】{change.title}", str(exc)))
    digest = replace(digest, changes=tuple(fitting))
    groups = sender.pack(fitting, digest) if fitting else []
    parts = []
    for number, group in enumerate(groups, 1):
        numbered = (number, len(groups)) if len(groups) > 1 else None
        parts.append({"payload": sender.payload(digest, group, numbered), "change_ids": [c.id for c in group],
                      "subject": heading(digest, numbered),
                      "message_id": channel_message_id(run_id, channel, changes[0]["id"], number)})
    return parts + unsent


def unsent_part(channel: str, run_id: int | None, change_id: int, subject: str, error: str) -> dict:
    """A change that cannot be sent to this channel, kept as a failed message that names why."""
    name = hashlib.sha1(channel.encode("utf-8")).hexdigest()[:10]
    return {"payload": None, "change_ids": [change_id], "subject": clip(subject, 180),
            "message_id": f"<eduwatch.{run_id}.ch-{name}.{change_id}.unsent@eduwatch.local>", "error": error}
