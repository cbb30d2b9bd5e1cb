"""The web view's projects pages: /projects (filters: status, region, keyword, since) and /project?key= (the
timeline of one project: each notice, what it changed, its copies on other sites, the awards)."""

from __future__ import annotations

from crawler.clock import display_time, parse_when
from crawler.errors import EduwatchError
from crawler.extract.amounts import format_yuan
from crawler.track.project_query import (
    KIND_LABELS,
    STATUS_LABELS,
    STATUSES,
    award_line,
    find_key,
    matching,
    what_changed,
)
from crawler.web import templates as t
from crawler.web.request import bad_request, not_found
from storage import NotFoundError, StorageError


def routes(app) -> dict:
    """Path → handler, added to the App's routes."""
    return {"/projects": lambda req: projects(app, req), "/project": lambda req: project(app, req)}


def projects(app, req) -> str:
    status, region, keyword, since = req.get("status"), req.get("region"), req.get("keyword"), req.get("since")
    with app.store() as store:
        try:
            records = matching(store, status=status, keyword=keyword, region=region,
                               since=parse_when(since, zone=app.zone))
        except (EduwatchError, StorageError) as exc:
            raise bad_request(f"筛选条件有误：{exc}") from exc
    form = (f'<form action="/projects">状态 {t.select("status", [(s, STATUS_LABELS[s]) for s in STATUSES], status)} '
            f'地区 <input name="region" value="{t.esc(region)}" placeholder="浙江 / 杭州市" size="8"> '
            f'关键词 <input name="keyword" value="{t.esc(keyword)}" size="10"> '
            f'更新于 <input name="since" value="{t.esc(since)}" placeholder="30d" size="6"> '
            '<button>筛选</button></form>')
    rows = [[t.esc(STATUS_LABELS.get(r["status"], r["status"])),
             f'<a href="{t.internal("/project", key=r["key"])}">{t.esc(r["name"])}</a>'
             f'<br><span class="muted">{t.esc(r["key"])}</span>',
             t.esc(r["buyer"]), t.esc(r["region"]), t.esc(format_yuan(r["budget"])),
             "<br>".join(t.esc(f"{k} {display_time(v, app.zone)}") for k, v in r["deadlines"].items()),
             "<br>".join(t.esc(award_line(a)) for a in r["awards"]), t.esc(len(r["notices"]))] for r in records]
    return t.layout("采购项目", form + f'<p class="count">{len(records)} 个项目</p>' + t.table(
        ["状态", "项目", "采购人", "地区", "预算", "截止 / 开标", "中标", "公告"], rows, "没有符合条件的项目。"))


def project(app, req) -> str:
    key = req.required("key", "/project?key=ZJ-2024-001")
    with app.store() as store:
        try:
            record = store.project_record(find_key(store, key))
        except NotFoundError as exc:
            raise not_found(f"没有这个项目：{key}。/projects 列出全部项目。 {exc}") from None
    facts = [("项目编号", record["number"]), ("采购人", record["buyer"]), ("地区", record["region"]),
             ("预算", format_yuan(record["budget"])), ("状态", STATUS_LABELS.get(record["status"]))]
    facts += [(k, display_time(v, app.zone)) for k, v in record["deadlines"].items()]
    head = "<ul>" + "".join(f"<li>{t.esc(k)}：{t.esc(v)}</li>" for k, v in facts if v) + "</ul>"
    rows = []
    for n in record["notices"]:
        when = display_time(n["published"], app.zone)
        also = "".join(f'<br>也见于: {t.page_link(u, u)}' for u in n["also_on"])
        gone = ' <span class="gone">（已删除）</span>' if n["removed"] else ""
        rows.append([t.esc(when), t.esc(KIND_LABELS.get(n["kind"], n["kind"])),
                     t.page_link(n["url"], n["title"]) + gone + also, t.esc(what_changed(n, app.zone))])
    timeline = t.table(["发布", "类型", "公告", "变化"], rows, "没有公告。")
    awards = t.table(["包", "供应商", "金额"], [[t.esc(a["lot"]), t.esc(a["supplier"]), t.esc(
        format_yuan(a["amount"]) if a["amount"] is not None else a["amount_text"])] for a in record["awards"]],
        "没有中标结果。")
    return t.layout(record["name"] or record["key"], head + "<h2>时间线</h2>" + timeline + "<h2>中标</h2>" + awards)
