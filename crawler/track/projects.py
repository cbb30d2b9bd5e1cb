"""A project from its notices: a pure fold (status, budget, deadlines with their moves, awards) and alert lines.

Order of discovery does not matter: the fold reads the notices in their logical order (the announcements
and their versions first, then each correction by publication), so a correction found in the same crawl as
its tender, or before it, still wins and still counts as a move.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.clock import DISPLAY_ZONE, display_time
from crawler.extract.amounts import format_yuan

_DECISIVE = {"award": "awarded", "contract": "awarded", "failed": "failed", "cancelled": "cancelled"}
_STATED = ("tender", "other", "correction")  # kinds whose readings state deadlines and a budget
_CLOSED = ("failed", "cancelled")
_LINE_ORDER = {"投标截止": 0, "开标": 1, "获取文件截止": 2}


@dataclass(frozen=True)
class Fold:
    """What a project's notices come to: its row, its deadline events and its awards."""

    state: dict
    deadlines: list[dict]
    awards: list[dict]


def _order(notice: dict) -> tuple:
    return (notice.get("published") or notice["first_seen"][:10], notice["first_seen"], notice["page_id"])


def fold(key: str, notices: list[dict]) -> Fold:
    """notices: Store.project_notices rows (reading, readings, url, kind, removed, copy_of …)."""
    ordered = sorted(notices, key=_order)
    live = [n for n in ordered if not n["removed"]] or ordered
    chain = [(n, r) for rank in (0, 1) for n in ordered if n["kind"] in _STATED
             and (n["kind"] == "correction") == bool(rank) for r in n["readings"] or [_latest(n)]]
    first = next((n for n in live if n["kind"] == "tender" and not n["copy_of"]), live[0])
    readings = [n["reading"] for n in [first, *live]]
    state = {
        "key": key,
        "number": next((r["number"] for r in readings if r.get("number")), None),
        "name": readings[0]["name"], "name_key": readings[0]["name_key"],
        "buyer": next((r["buyer"] for r in readings if r.get("buyer")), None),
        "province": next((r["province"] for r in readings if r.get("province")), None),
        "city": next((r["city"] for r in readings if r.get("city") and r.get("province") == _province(readings)),
                     None),
        "budget": None, "status": _status(live),
        "first_seen": min(n["first_seen"] for n in ordered),
        "updated_at": max(r["first_seen"] for n in ordered for r in n["readings"] or [_latest(n)]),
    }
    for _, reading in chain:
        if reading["reading"].get("budget") is not None:
            state["budget"] = reading["reading"]["budget"]
    events = _deadlines(chain, first, state["status"], ordered)
    state["deadlines"] = {e["kind"]: e["at"] for e in events}
    return Fold(state, events, _awards(live))


def _latest(notice: dict) -> dict:
    return {"reading": notice["reading"], "first_seen": notice["first_seen"], "version": 0}


def _province(readings: list[dict]) -> str | None:
    return next((r["province"] for r in readings if r.get("province")), None)


def _status(live: list[dict]) -> str:
    decisive = [n for n in live if n["kind"] in _DECISIVE]
    if decisive:
        return _DECISIVE[decisive[-1]["kind"]]
    return "corrected" if any(n["kind"] == "correction" for n in live) else "open"


def _deadlines(chain: list[tuple[dict, dict]], first: dict, status: str, notices: list[dict]) -> list[dict]:
    """One event per deadline kind: its current time, how often it moved, since when, and who moved it."""
    tracks: dict[str, dict] = {}
    for notice, reading in chain:
        for kind, at in (reading["reading"].get("deadlines") or {}).items():
            track = tracks.get(kind)
            if track is not None and track["at"] == at:
                continue
            corrected_by = notice["url"] if notice["kind"] == "correction" else None
            if track is None:
                tracks[kind] = {"kind": kind, "at": at, "all_day": len(at) == 10, "sequence": 0,
                                "stamp": reading["first_seen"], "url": first["url"], "corrected_by": corrected_by}
            else:
                track.update(at=at, all_day=len(at) == 10, sequence=track["sequence"] + 1,
                             stamp=reading["first_seen"], corrected_by=corrected_by)
    announcements = [n for n in notices if n["kind"] in ("tender", "other")]
    gone = bool(announcements) and all(n["removed"] for n in announcements)
    cancelled = status in _CLOSED or gone
    for track in tracks.values():
        track["cancelled"] = cancelled
    return list(tracks.values())


def _awards(live: list[dict]) -> list[dict]:
    """Per lot, the winners of the latest result notice naming that lot (copies add nothing)."""
    by_lot: dict[str | None, list[dict]] = {}
    for notice in live:
        if notice["kind"] not in ("award", "contract") or notice["copy_of"]:
            continue
        lots: dict[str | None, list[dict]] = {}
        for award in notice["reading"].get("awards") or []:
            lots.setdefault(award["lot"], []).append({**award, "page_id": notice["page_id"]})
        by_lot.update(lots)
    return [award for group in by_lot.values() for award in group]


def alert_lines(kind: str, reading: dict, before: dict | None, after: dict, zone: str = DISPLAY_ZONE) -> list[str]:
    """What a notice did to its project, for the alert: a deadline or budget that moved (old → new, in the
    display zone), the winners and amounts of a result, a 废标/终止."""
    lines = []
    if kind in ("tender", "other", "correction") and (before or kind == "correction"):
        old = (before or {}).get("deadlines") or {}
        stated = after.get("deadlines") or {}
        for name in sorted(stated, key=lambda n: _LINE_ORDER.get(n, 9)):
            at = stated[name]
            if old.get(name) != at:
                lines.append(f"{name} {display_time(old.get(name), zone)} → {display_time(at, zone)}".replace("  ", " "))
        old_budget = (before or {}).get("budget")
        if after.get("budget") is not None and old_budget != after["budget"]:
            lines.append(f"预算金额 {format_yuan(old_budget)} → {format_yuan(after['budget'])}".replace("  ", " "))
    elif kind in ("award", "contract"):
        for award in reading.get("awards") or []:
            amount = format_yuan(award["amount"]) if award["amount"] is not None else award["amount_text"]
            lines.append(" ".join(part for part in (award["lot"], award["supplier"], amount) if part))
    elif kind in _CLOSED:
        lines.append("项目废标" if kind == "failed" else "项目终止")
    return lines
