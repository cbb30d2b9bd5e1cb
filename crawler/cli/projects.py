"""`eduwatch projects` and `eduwatch project KEY`: procurement projects, their notices, deadlines and awards."""

from __future__ import annotations

import json

from crawler.clock import display_time
from crawler.errors import EduwatchError
from crawler.extract.amounts import format_yuan
from crawler.extract.regions import Region, region_of, within
from crawler.track.projects import display_moment

STATUS_LABELS = {"open": "招标中", "corrected": "已更正", "awarded": "已中标", "failed": "废标", "cancelled": "终止"}
KIND_LABELS = {"tender": "招标", "correction": "更正", "award": "结果", "failed": "废标", "cancelled": "终止",
               "contract": "合同", "other": "其他"}


def matching(store, *, status: str | None, keyword: str | None, region: str | None, since: str | None) -> list[dict]:
    """The projects that pass every filter, most recently updated first, as project records."""
    wanted = _region(region) if region else None
    found = []
    for row in store.projects(status=status, since=since):
        if wanted and not within(Region(row["province"], row["city"]), wanted):
            continue
        record = store.project_record(row["key"])
        if keyword and not _mentions(record, keyword):
            continue
        found.append(record)
    return found


def _region(text: str) -> Region:
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


def print_projects(records: list[dict], *, as_json: bool) -> int:
    if as_json:
        print(json.dumps([public(r) for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("no projects match")
    for r in records:
        budget = f"  预算 {format_yuan(r['budget'])}" if r["budget"] is not None else ""
        print(f"[{STATUS_LABELS.get(r['status'], r['status'])}] {r['name']}  ({r['key']})\n"
              f"    {r['buyer'] or '采购人未知'}  {r['region'] or ''}{budget}".rstrip())
        deadlines = "  ".join(f"{k} {display_moment(v)}" for k, v in r["deadlines"].items())
        if deadlines:
            print(f"    {deadlines}")
        for a in r["awards"]:
            print(f"    {_award(a)}")
        print(f"    {len(r['notices'])} 条公告：{r['notices'][-1]['url']}" if r["notices"] else "")
    return 0


def _award(award: dict) -> str:
    amount = format_yuan(award["amount"]) if award["amount"] is not None else award.get("amount_text") or ""
    return " ".join(p for p in (award["lot"], award["supplier"], amount) if p)


def find_key(store, key: str) -> str:
    """A project number (in any written form) or the URL of one of its notices → the project's key."""
    from crawler.extract.procurement import normalise_number

    if key.startswith(("http://", "https://")):
        return store.project_of_url(key)
    number = normalise_number(key) or key
    return number if store.project_state(number) else key


def print_project(record: dict, zone: str, *, as_json: bool) -> int:
    """The timeline: each notice with its kind, what it changed, the copies on other sites; then the awards."""
    if as_json:
        print(json.dumps(public(record), ensure_ascii=False, indent=2))
        return 0
    print(f"{record['name']}  ({record['key']})  [{STATUS_LABELS.get(record['status'], record['status'])}]")
    print(f"采购人: {record['buyer'] or '未知'}   地区: {record['region'] or '未知'}   "
          f"预算: {format_yuan(record['budget']) or '未知'}")
    for name, at in record["deadlines"].items():
        print(f"{name}: {display_moment(at)}")
    print("\n时间线:")
    for n in record["notices"]:
        when = display_time(n["published"], zone) if n["published"] and len(n["published"]) > 10 else n["published"]
        removed = "（已删除）" if n["removed"] else ""
        print(f"  {when or '日期未知':<16} {KIND_LABELS.get(n['kind'], n['kind'])}  {n['title']}{removed}\n    {n['url']}")
        for line in _what_changed(n):
            print(f"    {line}")
        for url in n["also_on"]:
            print(f"    also on: {url}")
    if record["awards"]:
        print("\n中标:")
        for a in record["awards"]:
            print(f"  {_award(a)}")
    return 0


def _what_changed(notice: dict) -> list[str]:
    """The change summary recorded for the notice, else what its reading states (a baseline raised none)."""
    if notice.get("summary") and notice["summary"] != "新文章":
        return [notice["summary"]]
    reading = notice.get("reading") or {}
    lines = [f"{k} {display_moment(v)}" for k, v in (reading.get("deadlines") or {}).items()]
    if reading.get("budget") is not None and notice["kind"] in ("tender", "correction"):
        lines.append(f"预算金额 {format_yuan(reading['budget'])}")
    lines += [_award(a) for a in reading.get("awards") or []]
    return ["；".join(lines)] if lines else []
