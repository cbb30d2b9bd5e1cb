"""Pieces of the web view's pages: result counts and pagination, the compare form, a digest's content,
and the standalone HTML document `eduwatch diff --html` writes. Every value escaped."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.clock import DISPLAY_ZONE, display_time
from crawler.links import link_html
from crawler.model import change_label
from crawler.web.templates import esc, internal, layout, page_link, table

STATE_MARKS = {"removed": "已删除", "missing": "疑似删除", "error": "抓取出错"}


@dataclass(frozen=True)
class Paging:
    """Which slice of a result list a page shows (page numbers from 1)."""

    total: int
    page: int
    size: int
    capped: bool = False  # the total is a lower bound (search stops counting at its cap)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def pager(path: str, paging: Paging, **params) -> str:
    """"共 N 条，第 a–b 条" and previous/next links that keep the other parameters."""
    if not paging.total:
        return ""
    first, last = paging.offset + 1, min(paging.total, paging.offset + paging.size)
    count = f"至少 {paging.total}" if paging.capped else f"{paging.total}"
    links = []
    if paging.page > 1:
        links.append(f'<a href="{internal(path, **params, page=paging.page - 1)}">上一页</a>')
    if paging.page < paging.pages:
        links.append(f'<a href="{internal(path, **params, page=paging.page + 1)}">下一页</a>')
    pages = f"第 {paging.page}/{paging.pages} 页 " if paging.pages > 1 else ""
    return (f'<p class="count">共 {esc(count)} 条，显示第 {first}–{last} 条 {pages}'
            + " ".join(links) + "</p>")


def state_mark(state: str | None) -> str:
    """A visible mark for a page that is no longer (or not reliably) online."""
    mark = STATE_MARKS.get(state or "")
    return f' <strong class="gone">（{esc(mark)}）</strong>' if mark else ""


def compare_form(url: str, versions: list[dict], old: int | None = None, new: int | None = None) -> str:
    """Pick any two stored versions and open their diff."""
    if len(versions) < 2:
        return ""
    numbers = [v["version"] for v in versions]
    old = old if old in numbers else numbers[-2]
    new = new if new in numbers else numbers[-1]

    def choose(name: str, chosen: int) -> str:
        options = "".join(f'<option value="{esc(n)}"{" selected" if n == chosen else ""}>v{esc(n)}</option>'
                          for n in numbers)
        return f'<select name="{name}">{options}</select>'

    return (f'<form method="get" action="/diff" class="compare"><input type="hidden" name="url" value="{esc(url)}">'
            f'比较 {choose("from", old)} 与 {choose("to", new)} <button type="submit">查看差异</button></form>')


def digest_page(alert: dict, changes: list[dict], content: str, zone: str = DISPLAY_ZONE) -> str:
    """One alert digest: its facts, the changes it carries, and the text the recipients were (or will be) sent."""
    facts = table(["项目", "值"], [
        ["主题", esc(alert.get("subject"))], ["状态", esc(alert.get("status"))],
        ["收件人", esc(", ".join(alert.get("recipients") or []) or alert.get("channel"))],
        ["生成时间", esc(display_time(alert.get("created_at"), zone))],
        ["发送时间", esc(display_time(alert.get("sent_at"), zone))],
        ["错误", esc(alert.get("error"))],
    ], "")
    rows = [[esc(change_label(c.get("kind") or "")), page_link(c["url"], c.get("title")), esc(c.get("summary"))]
            for c in changes]
    listed = table(["类型", "标题", "摘要"], rows, "这封提醒的变化已不在数据库中。")
    return layout(f"提醒 #{alert['id']}", facts + "<h2>变化</h2>" + listed
                  + f'<h2>邮件内容</h2><pre class="digest">{esc(content)}</pre>'
                  + '<p><a href="/alerts">返回提醒列表</a></p>')


_STANDALONE_CSS = """
body{font:15px/1.6 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:60em;margin:1.5em auto;
padding:0 1em;color:#222}h1{font-size:1.3em}del{background:#ffe0e0;color:#8a1f1f}ins{background:#dcf5dc;
color:#1d5e1d;text-decoration:none}pre{white-space:pre-wrap}.muted{color:#777}a{color:#1f4e79}
"""


def standalone_diff(url: str, title: str, old: int, new: int, summary: str | None, diff_html: str,
                    generated: str) -> str:
    """A whole HTML document (meta charset, styles, no scripts) a user can open in a browser or mail on.

    diff_html comes from crawler.track.diff, which escapes page text itself."""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} v{esc(old)}→v{esc(new)} · eduwatch</title><style>{_STANDALONE_CSS}</style></head>"
            f"<body><h1>{esc(title)}</h1>"
            f"<p>{link_html(url)}</p>"
            f'<p class="muted">v{esc(old)} → v{esc(new)} · eduwatch {esc(generated)}</p>'
            f"<p><strong>摘要：</strong>{esc(summary)}</p>\n{diff_html}\n</body></html>\n")
