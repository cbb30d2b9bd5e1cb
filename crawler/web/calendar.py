"""The bid calendar: one iCalendar event per procurement project and deadline kind, moved by edits and 更正公告,
cancelled when the project fails (废标/终止) or its announcement is removed. Announcements that belong to no
project (no 项目编号, no 项目名称) keep one event per page and kind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from crawler.clock import DISPLAY_ZONE, display_moment, display_time
from crawler.extract.deadlines import BEIJING, KIND_LABELS, Deadline, corrected_deadlines, deadlines
from crawler.model import Article
from crawler.track.corrections import RESULT_WORDS, is_correction

EVENT_MINUTES = 30  # a timed deadline shows as a half-hour block
REMINDER = timedelta(days=-1)  # the VALARM fires a day before the deadline
_UID_KIND = {"开标时间": "bid-opening", "截止时间": "bid-submission", "获取文件截止": "documents"}
_PROJECT_KIND = {"开标": "开标时间", "投标截止": "截止时间", "获取文件截止": "获取文件截止"}  # projects' names → KINDS
PRODID = "-//eduwatch//bid calendar//ZH"


@dataclass(frozen=True)
class BidEvent:
    """One deadline of one announcement, as the calendar shows it now."""

    uid: str
    kind: str
    deadline: Deadline  # the current time (after edits and corrections)
    sequence: int  # how many times the deadline has moved
    stamp: datetime  # when the current time was first seen (UTC)
    url: str
    site: str
    project: str  # 项目名称, or the title
    corrected_by: str | None  # the 更正公告 that set the current time, if one did
    cancelled: bool = False  # the project failed or was cancelled, or its announcement was removed

    @property
    def summary(self) -> str:
        return f"{KIND_LABELS[self.kind]}：{self.project}"


@dataclass
class _Track:
    """The fold state of one deadline kind over an announcement's history."""

    deadline: Deadline
    stamp: str
    sequence: int = 0
    corrected_by: str | None = None


def uid(url: str, kind: str) -> str:
    """Stable per announcement and deadline kind, so a calendar app updates the event instead of adding one."""
    return f"{hashlib.sha256(url.encode('utf-8')).hexdigest()[:24]}-{_UID_KIND[kind]}@eduwatch"


def project_uid(key: str, kind: str) -> str:
    """Stable per project and deadline kind: every notice of the project (on any site) updates the same event."""
    return f"{hashlib.sha256(('project:' + key).encode('utf-8')).hexdigest()[:24]}-{_UID_KIND[kind]}@eduwatch"


def bid_events(histories: list[dict], correction_links: dict[str, str], projects: dict | None = None) -> list[BidEvent]:
    """Events of projects (Store.calendar_projects: their deadline rows and every notice URL), then of the
    announcements no project holds, from their version histories (Store.announcement_histories) and correction
    links (correction URL → original URL): a linked correction moves its original's events; an unlinked one gets
    events of its own; result notices (中标, 成交 …) get none."""
    events = [_project_event(row) for row in (projects or {}).get("events", [])]
    held = set((projects or {}).get("notice_urls", ()))
    histories = [h for h in histories if h["url"] not in held]
    by_url = {h["url"]: h for h in histories}
    corrections: dict[str, list[dict]] = {}
    for correction_url, original_url in correction_links.items():
        if correction_url in by_url and original_url in by_url:
            corrections.setdefault(original_url, []).append(by_url[correction_url])
    linked = {c["url"] for group in corrections.values() for c in group}
    for history in histories:
        latest = history["versions"][-1]["article"]
        if history["url"] in linked or _is_result(latest):
            continue
        events += _events(history, corrections.get(history["url"], []))
    return sorted(events, key=lambda e: (e.deadline.at, e.uid))


def _project_event(row: dict) -> BidEvent:
    kind = _PROJECT_KIND[row["kind"]]
    at = datetime.fromisoformat(row["at"] if len(row["at"]) > 10 else row["at"] + "T00:00+08:00").astimezone(BEIJING)
    return BidEvent(uid=project_uid(row["project_key"], kind), kind=kind,
                    deadline=Deadline(kind, at, bool(row["all_day"]), row["at"]), sequence=row["sequence"],
                    stamp=_utc(row["stamp"]), url=row["url"], site=row.get("site") or "", project=row["project"],
                    corrected_by=row["corrected_by"], cancelled=bool(row["cancelled"]))


def _events(history: dict, corrections: list[dict]) -> list[BidEvent]:
    own_correction = is_correction(Article.from_dict(history["versions"][-1]["article"]))
    steps = [(v["first_seen"], None, corrected_deadlines(v["article"]) if own_correction
              else {d.kind: d for d in deadlines(v["article"])}) for v in history["versions"]]
    steps += [(v["first_seen"], c["url"], corrected_deadlines(v["article"]))
              for c in corrections for v in c["versions"]]
    tracks: dict[str, _Track] = {}
    stated: dict[str, Deadline] = {}  # what the announcement's own previous version said, per kind
    for seen, correction_url, found in sorted(steps, key=lambda s: s[0]):
        for kind, deadline in found.items():
            if correction_url is None:
                if _same(stated.get(kind), deadline):
                    continue  # an edit elsewhere in the page: the deadline did not move
                stated[kind] = deadline
            _fold(tracks, kind, deadline, seen, correction_url)
    latest = history["versions"][-1]["article"]
    project = (latest.get("fields") or {}).get("项目名称") or latest.get("title") or history["url"]
    return [BidEvent(uid=uid(history["url"], kind), kind=kind, deadline=t.deadline, sequence=t.sequence,
                     stamp=_utc(t.stamp), url=history["url"], site=history["site"], project=project,
                     corrected_by=t.corrected_by) for kind, t in tracks.items()]


def _fold(tracks: dict[str, _Track], kind: str, deadline: Deadline, seen: str, correction_url: str | None):
    track = tracks.get(kind)
    if track is None:
        tracks[kind] = _Track(deadline, seen, corrected_by=correction_url)
    elif not _same(track.deadline, deadline):
        track.deadline, track.stamp, track.corrected_by = deadline, seen, correction_url
        track.sequence += 1


def _same(a: Deadline | None, b: Deadline) -> bool:
    return a is not None and (a.at, a.all_day) == (b.at, b.all_day)


def _is_result(article: dict) -> bool:
    return any(word in (article.get("title") or "") for word in RESULT_WORDS)


def _utc(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def ics(events: list[BidEvent], *, name: str = "eduwatch 投标日程", zone: str = DISPLAY_ZONE) -> bytes:
    """The iCalendar file (RFC 5545): timed events at their Beijing times (an Asia/Shanghai VTIMEZONE), so every
    calendar app puts them at the right moment; the descriptions and X-WR-TIMEZONE speak the display zone."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone)
    for event in events:
        cal.add_component(_vevent(event, zone))
    cal.add_missing_timezones()
    return cal.to_ical()


def _vevent(event: BidEvent, zone: str) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", event.stamp)
    vevent.add("last-modified", event.stamp)
    vevent.add("summary", event.summary)
    vevent.add("url", event.url)
    if event.cancelled:
        vevent.add("status", "CANCELLED")
    vevent.add("categories", [event.site, KIND_LABELS[event.kind]])
    start = event.deadline.at
    if event.deadline.all_day:
        vevent.add("dtstart", start.date())
        vevent.add("dtend", start.date() + timedelta(days=1))
    else:
        vevent.add("dtstart", start)
        vevent.add("dtend", start + timedelta(minutes=EVENT_MINUTES))
    vevent.add("description", _description(event, zone))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", REMINDER)
    alarm.add("description", f"明天{event.summary}")
    vevent.add_component(alarm)
    return vevent


def _description(event: BidEvent, zone: str) -> str:
    lines = [f"{KIND_LABELS[event.kind]}：{_stated(event.deadline, zone)}", event.url]
    if event.cancelled:
        lines.insert(0, "已取消（项目废标、终止或公告已删除）")
    if event.corrected_by:
        lines.append(f"时间由更正公告变更：{event.corrected_by}")
    elif event.sequence:
        lines.append("时间已由公告修改")
    return "\n".join(lines)


def _stated(deadline: Deadline, zone: str) -> str:
    """A project's deadline (stored ISO) in the display zone, as `projects` shows it; an announcement's own
    wording (a Beijing time) as it is, followed by the moment in the display zone when that reads otherwise."""
    stated = display_time(deadline.text, zone)
    if stated != deadline.text or deadline.all_day or display_moment(deadline.at, zone) == display_moment(deadline.at):
        return stated
    return f"{stated}（{zone} {display_moment(deadline.at, zone)}）"
