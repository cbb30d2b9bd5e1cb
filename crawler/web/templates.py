"""HTML for the web view: one function per page, every value from a crawled page escaped on the way in."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from crawler.clock import DISPLAY_ZONE, display_time
from crawler.links import link_html
from crawler.model import change_label

ALERT_STATUS_LABELS = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
HASH_PREFIX = 12  # characters of the content hash shown in the version table

_CSS = """
body{font:15px/1.6 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f4e79;color:#fff;padding:.6em 1.2em}header a{color:#fff;margin-right:1.2em}
main{max-width:70em;margin:0 auto;padding:1em 1.2em}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f0f4f8;white-space:nowrap}
.muted{color:#777;font-size:.9em}.kind{white-space:nowrap;font-weight:bold}mark{background:#fff2a8}
form{margin:.6em 0 1em}input,select{font:inherit;padding:.15em .3em}
.error{background:#fff0f0;border:1px solid #e0b0b0;padding:1em}.body p{text-indent:2em;margin:.4em 0}
.gone{color:#a33}.count{color:#555}.count a{margin-left:.8em}pre.digest{white-space:pre-wrap;background:#fff;
border:1px solid #ddd;padding:.8em}
td,p,li,h1,h2,h3,pre,code{overflow-wrap:anywhere}pre{white-space:pre-wrap}input{max-width:100%}
@media (max-width:40em){main{padding:.6em}header{padding:.5em .6em}header a{margin-right:.8em}
table,thead,tbody,tr,td{display:block}thead{display:none}tr{border:1px solid #ddd;margin:.5em 0;background:#fff}
td{border:0;padding:.15em .5em}}
"""


def esc(value) -> str:
    """Any value as safe HTML text (None shows as nothing)."""
    return html.escape("" if value is None else str(value), quote=True)


def internal(path: str, **params) -> str:
    """A link target inside the web view, with its query string encoded (and escaped for an attribute)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return esc(f"{path}?{query}" if query else path)


def page_link(url: str, text: str | None) -> str:
    return f'<a href="{internal("/page", url=url)}">{esc(text or url)}</a>'


def layout(title: str, body: str) -> str:
    """The whole document: navigation, inline CSS, no scripts."""
    nav = ('<a href="/">最近变化</a><a href="/projects">项目</a><a href="/search">搜索</a><a href="/alerts">提醒</a>')
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} · eduwatch</title><style>{_CSS}</style></head>"
            f"<body><header><strong>eduwatch</strong>&nbsp;&nbsp;{nav}</header>"
            f"<main><h1>{esc(title)}</h1>\n{body}\n</main></body></html>\n")


def table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    """A table of already-escaped cells, or a line saying there is nothing to show."""
    if not rows:
        return f'<p class="muted">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def select(name: str, options: list[tuple[str, str]], chosen: str | None) -> str:
    items = ['<option value="">全部</option>']
    for value, label in options:
        mark = " selected" if value == chosen else ""
        items.append(f'<option value="{esc(value)}"{mark}>{esc(label)}</option>')
    return f'<select name="{esc(name)}">{"".join(items)}</select>'


# --- pages -----------------------------------------------------------------------------------------


def changes_page(changes: list[dict], *, sites: list[str], kinds: list[str], site: str | None,
                 kind: str | None, since: str | None, labels: dict[str, str] | None = None, pager: str = "",
                 zone: str = DISPLAY_ZONE) -> str:
    """The home page: recent changes, newest first, with a filter form (sites by their labels) and a pager."""
    labels = labels or {}
    form = ('<form method="get" action="/">站点 ' + select("site", [(s, labels.get(s, s)) for s in sites], site)
            + " 类型 " + select("kind", [(k, change_label(k)) for k in kinds], kind)
            + f' 起始 <input name="since" value="{esc(since)}" placeholder="2026-11-01 或 3d" size="12">'
            + ' <button type="submit">筛选</button> <a href="/">清除</a></form>')
    rows = [_change_row(c, labels, zone) for c in changes]
    empty = "没有符合条件的变化。" if site or kind or since else "还没有记录到变化（首次抓取只建立基线）。"
    return layout("最近变化", form + pager + table(["时间", "类型", "站点", "标题", "摘要"], rows, empty) + pager)


def _change_row(c: dict, labels: dict[str, str], zone: str = DISPLAY_ZONE) -> list[str]:
    kind = c.get("kind") or ""
    if kind == "health":
        title = link_html(c.get("url"), c.get("title"))
    else:
        title = page_link(c["url"], c.get("title"))
    summary = esc(c.get("summary"))
    if c.get("previous_version") and c.get("version"):
        summary += (f' <a href="{internal("/diff", url=c["url"], **{"from": c["previous_version"], "to": c["version"]})}">'
                    f'差异 v{esc(c["previous_version"])}→v{esc(c["version"])}</a>')
    site_link = f'<a href="{internal("/", site=c.get("site"))}">{esc(labels.get(c.get("site"), c.get("site")))}</a>'
    return [f'<span class="muted">{esc(display_time(c.get("detected_at"), zone))}</span>',
            f'<span class="kind">{esc(change_label(kind))}</span>', site_link, title, summary]


def page_view(page: dict, versions: list[dict], shown: dict, compare: str = "", site_label: str | None = None,
              zone: str = DISPLAY_ZONE, attachment_errors: list[dict] = ()) -> str:
    """One page: its state (and why an attachment could not be fetched or read), every version with diff
    links, and the chosen version's article."""
    url = page["url"]
    failed = [["附件错误", f"{link_html(e['url'])}：{esc(e['error'])}（{esc(display_time(e['at'], zone))}）"]
              for e in attachment_errors]
    facts = table(["项目", "值"], [
        ["网址", link_html(url)], ["站点", esc(site_label or page.get("site"))], ["状态", esc(page.get("state"))],
        ["首次发现", esc(display_time(page.get("first_seen"), zone))],
        ["最近检查", esc(display_time(page.get("last_checked"), zone))],
    ] + ([["最近错误", esc(page["last_error"])]] if page.get("last_error") else []) + failed, "")
    rows = []
    for i, v in enumerate(versions):
        diff = ""
        if i:
            prev = versions[i - 1]["version"]
            diff = f'<a href="{internal("/diff", url=url, **{"from": prev, "to": v["version"]})}">与 v{prev} 比较</a>'
        number = f'<a href="{internal("/page", url=url, v=v["version"])}">v{esc(v["version"])}</a>'
        rows.append([number, esc(display_time(v.get("first_seen"), zone)), esc(display_time(v.get("last_seen"), zone)),
                     f'<code>{esc((v.get("content_hash") or "")[:HASH_PREFIX])}</code>', esc(v.get("title")), diff])
    history = table(["版本", "首次出现", "最后出现", "内容哈希", "标题", "差异"], rows, "没有存储的版本。") + compare
    article = article_html(shown["article"] or {}, shown["version"], zone) if shown else ""
    title = (shown or {}).get("title") or url
    return layout(title, facts + "<h2>版本</h2>" + history + article)


def article_html(article: dict, number: int, zone: str = DISPLAY_ZONE) -> str:
    """A stored article: metadata (its publication time as `changes` shows times), procurement fields,
    attachments and body paragraphs."""
    meta = [["标题", esc(article.get("title"))]]
    for label, key in (("副标题", "subtitle"), ("发布时间", "published"), ("来源", "source"), ("责任编辑", "editor")):
        if article.get(key):
            meta.append([label, esc(display_time(article[key], zone) if key == "published" else article[key])])
    meta += [[esc(k), esc(v)] for k, v in (article.get("fields") or {}).items()]
    attachments = "".join(f"<li>{link_html(a.get('url'), a.get('title'))}</li>"
                          for a in article.get("attachments") or [])
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in (article.get("body") or "").split("\n") if p.strip())
    return (f"<h2>v{esc(number)} 的内容</h2>" + table(["项目", "值"], meta, "")
            + (f"<h3>附件</h3><ul>{attachments}</ul>" if attachments else "")
            + f'<h3>正文</h3><div class="body">{paragraphs or "<p class=muted>（无正文）</p>"}</div>')


def diff_page(url: str, title: str, old: int, new: int, summary: str | None, diff_html: str | None,
              compare: str = "") -> str:
    """The comparison of two versions; diff_html comes from crawler.track.diff, which escapes page text itself."""
    head = (f"<p>{page_link(url, title)}：v{esc(old)} → v{esc(new)}</p>") + compare
    if diff_html is None:
        return layout("版本差异", head + f"<p>v{esc(old)} 与 v{esc(new)} 的内容相同。</p>")
    return layout("版本差异", head + f"<p><strong>摘要：</strong>{esc(summary)}</p>" + diff_html)


def search_page(query: str, site: str | None, sites: list[str], hits: list[dict], *,
                labels: dict[str, str] | None = None, pager: str = "", marks: dict[str, str] | None = None,
                zone: str = DISPLAY_ZONE) -> str:
    """The search form and its results, the matched terms highlighted; marks (url → HTML) flag removed pages."""
    labels, marks = labels or {}, marks or {}
    form = (f'<form method="get" action="/search"><input name="q" value="{esc(query)}" size="30" '
            f'placeholder="关键词，空格分隔"> 站点 {select("site", [(s, labels.get(s, s)) for s in sites], site)} '
            '<button type="submit">搜索</button></form>')
    if not query.strip():
        return layout("搜索", form + '<p class="muted">输入关键词搜索各页面的最新版本（标题、正文、采购字段）。</p>')
    terms = [t for t in query.split() if t]
    rows = [[page_link(h["url"], h.get("title")) + marks.get(h["url"], ""), esc(display_time(h.get("published"), zone)),
             esc(labels.get(h.get("site"), h.get("site"))),
             _in_attachment(h) + highlight(h.get("snippet") or "", terms)] for h in hits]
    return layout(f"搜索：{query}", form + pager
                  + table(["标题", "发布时间", "站点", "摘录"], rows, f"没有找到“{query}”。") + pager)


def _in_attachment(hit: dict) -> str:
    """"附件《…》：" before a snippet found in an attachment's text, linking the file."""
    att = hit.get("attachment")
    return f"附件《{link_html(att.get('url'), att.get('title'))}》：" if att else ""


def highlight(snippet: str, terms: list[str]) -> str:
    """Escape a storage snippet and turn its 【term】 markers into <mark>; other 【】 stay as text."""
    if not terms:
        return esc(snippet)
    pattern = re.compile("【(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + ")】",
                         re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(snippet):
        out.append(esc(snippet[last:match.start()]) + f"<mark>{esc(match.group(1))}</mark>")
        last = match.end()
    return "".join(out) + esc(snippet[last:])


def alerts_page(alerts: list[dict], queued: list[dict], titles: dict[int, dict], zone: str = DISPLAY_ZONE) -> str:
    """Alert digests and chat messages by status, plus changes still waiting in the outbox to be assembled."""
    parts = []
    for status, label in ALERT_STATUS_LABELS.items():
        rows = [[f'<a href="{internal("/alert", id=a["id"])}">#{esc(a["id"])}</a>', esc(display_time(a.get("created_at"), zone)),
                 esc(a.get("channel") or ", ".join(a.get("recipients") or [])),
                 esc(a.get("subject")), _change_list(a.get("change_ids") or [], titles),
                 esc(a.get("attempts")), esc(display_time(a.get("sent_at") or a.get("next_attempt_at"), zone)),
                 esc(a.get("error"))]
                for a in alerts if a.get("status") == status]
        parts.append(f"<h2>{label}（{len(rows)}）</h2>" + table(
            ["编号", "生成时间", "收件人/频道", "主题", "变化", "尝试次数", "发送/下次尝试", "错误"], rows, "无。"))
    rows = [[esc(d.get("run_id")), esc(d.get("recipient") or f"频道 {d.get('channel')}"),
             _change_list(d.get("change_ids") or [], titles)]
            for d in queued]
    parts.append(f"<h2>排队中（尚未生成邮件或频道消息，{len(rows)}）</h2>"
                 + table(["抓取批次", "收件人/频道", "变化"], rows, "无。运行 eduwatch alerts --send 发送。"))
    return layout("提醒", "".join(parts))


def _change_list(ids: list[int], titles: dict[int, dict]) -> str:
    items = []
    for change_id in ids:
        c = titles.get(change_id)
        items.append(page_link(c["url"], c.get("title")) if c and c.get("kind") != "health"
                     else esc(c.get("title") if c else f"#{change_id}"))
    return "<br>".join(items)


def error_page(status: int, title: str, message: str) -> str:
    return layout(f"{status} {title}", f'<div class="error">{esc(message)}</div><p><a href="/">返回最近变化</a></p>')
