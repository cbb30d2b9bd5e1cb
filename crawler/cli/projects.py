"""`eduwatch projects` and `eduwatch project KEY`: procurement projects, their notices, deadlines and awards."""

from __future__ import annotations

import json

from crawler.clock import DISPLAY_ZONE, display_time
from crawler.extract.amounts import format_yuan
from crawler.track.project_query import KIND_LABELS, STATUS_LABELS, award_line, public, what_changed


def print_projects(records: list[dict], zone: str = DISPLAY_ZONE, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps([public(r) for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("no projects match")
    for r in records:
        budget = f"  预算 {format_yuan(r['budget'])}" if r["budget"] is not None else ""
        print(f"[{STATUS_LABELS.get(r['status'], r['status'])}] {r['name']}  ({r['key']})\n"
              f"    {r['buyer'] or '采购人未知'}  {r['region'] or ''}{budget}".rstrip())
        deadlines = "  ".join(f"{k} {display_time(v, zone)}" for k, v in r["deadlines"].items())
        if deadlines:
            print(f"    {deadlines}")
        for a in r["awards"]:
            print(f"    {award_line(a)}")
        print(f"    {len(r['notices'])} 条公告：{r['notices'][-1]['url']}" if r["notices"] else "")
    return 0


def print_project(record: dict, zone: str, *, as_json: bool) -> int:
    """The timeline: each notice with its kind, what it changed, the copies on other sites; then the awards."""
    if as_json:
        print(json.dumps(public(record), ensure_ascii=False, indent=2))
        return 0
    print(f"{record['name']}  ({record['key']})  [{STATUS_LABELS.get(record['status'], record['status'])}]")
    print(f"采购人: {record['buyer'] or '未知'}   地区: {record['region'] or '未知'}   "
          f"预算: {format_yuan(record['budget']) or '未知'}")
    for name, at in record["deadlines"].items():
        print(f"{name}: {display_time(at, zone)}")
    print("\n时间线:")
    for n in record["notices"]:
        when = display_time(n["published"], zone)
        removed = "（已删除）" if n["removed"] else ""
        print(f"  {when or '日期未知':<16} {KIND_LABELS.get(n['kind'], n['kind'])}  {n['title']}{removed}\n    {n['url']}")
        if changed := what_changed(n, zone):
            print(f"    {changed}")
        for url in n["also_on"]:
            print(f"    也见于: {url}")
    if record["awards"]:
        print("\n中标:")
        for a in record["awards"]:
            print(f"  {award_line(a)}")
    return 0
