"""Reading projects back: the filters of `eduwatch projects` and the web view's projects page, and the
interface's JSON shape. One rule for both, so the page and the command list the same projects."""

from __future__ import annotations

from crawler.clock import DISPLAY_ZONE, display_time
from crawler.errors import EduwatchError
from crawler.extract.amounts import format_yuan
from crawler.extract.procurement import normalise_number
from crawler.extract.regions import Region, region_of, within

STATUSES = ("open", "corrected", "awarded", "failed", "cancelled")
STATUS_LABELS = {"open": "招标中", "corrected": "已更正", "awarded": "已中标", "failed": "废标", "cancelled": "终止"}
KIND_LABELS = {"tender": "招标", "correction": "更正", "award": "结果", "failed": "废标", "cancelled": "终止",
               "contract": "合同", "other": "其他"}


def matching(store, *, status: str | None, keyword: str | None, region: str | None, since: str | None) -> list[dict]:
    """The projects that pass every filter, most recently updated first, as Store.project_record dicts."""
    if status and status not in STATUSES:
        raise EduwatchError(f"status {status!r} is none of {', '.join(STATUSES)}")
    wanted = wanted_region(region) if region else None
    found = []
    for row in store.projects(status=status, since=since):
        if wanted and not within(Region(row["province"], row["city"]), wanted):
            continue
        record = store.project_record(row["key"])
        if keyword and not _mentions(record, keyword):
            continue
        found.append(record)
    return found


def wanted_region(text: str) -> Region:
    wanted = region_of(text)
    if wanted.province is None:
        raise EduwatchError(f"--region {text!r} names no province or city this gazetteer knows; write one such as "
                            "浙江, 浙江省 or 杭州市")
    return wanted


def _mentions(record: dict, keyword: str) -> bool:
    texts = [record["name"], record["buyer"], record["number"], *(n["title"] for n in record["notices"]),
             *(a["supplier"] for a in record["awards"])]
    return any(keyword.lower() in (t or "").lower() for t in texts)


def public(record: dict) -> dict:
    """The JSON shape of the interface (readings and summaries stay inside)."""
    keys = ("key", "number", "name", "buyer", "region", "budget", "status", "deadlines")
    data = {k: record[k] for k in keys}
    data["notices"] = [{k: n[k] for k in ("kind", "title", "url", "site", "published", "also_on")}
                       for n in record["notices"]]
    data["awards"] = [{k: a[k] for k in ("lot", "supplier", "amount")} for a in record["awards"]]
    return data


def find_key(store, key: str) -> str:
    """A project number (in any written form) or the URL of one of its notices → the project's key."""
    if key.startswith(("http://", "https://")):
        return store.project_of_url(key)
    number = normalise_number(key) or key
    return number if store.project_state(number) else key


def award_line(award: dict) -> str:
    """包1 某某科技有限公司 ¥1,234,500.00 (a rate or an unreadable amount as the notice wrote it)."""
    amount = format_yuan(award["amount"]) if award["amount"] is not None else award.get("amount_text") or ""
    return " ".join(p for p in (award["lot"], award["supplier"], amount) if p)


def what_changed(notice: dict, zone: str = DISPLAY_ZONE) -> str:
    """The change summary recorded for a notice, else what its reading states (a baseline raised no change)."""
    if notice.get("summary") and notice["summary"] != "新文章":
        return notice["summary"]
    reading = notice.get("reading") or {}
    parts = [f"{k} {display_time(v, zone)}" for k, v in (reading.get("deadlines") or {}).items()]
    if reading.get("budget") is not None and notice["kind"] in ("tender", "correction"):
        parts.append(f"预算金额 {format_yuan(reading['budget'])}")
    parts += [award_line(a) for a in reading.get("awards") or []]
    return "；".join(parts)
