"""Compare two versions of an article: field, title, attachment and sentence-level body changes."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from crawler.links import link_html
from crawler.model import Article
from crawler.track.seqmatch import CHAR_BUDGET, opcodes

# Procurement keys in the order watchers care about them (CONTRACTS.md); unknown keys follow, sorted.
FIELD_ORDER = [
    "预算金额", "最高限价", "中标金额", "截止时间", "开标时间", "项目名称", "项目编号", "采购人", "采购方式",
    "供应商", "代理机构", "公告时间", "联系人", "联系电话", "行政区域",
]
MISSING = "（无）"
SUMMARY_MAX_FIELDS = 3  # more field changes than this are summarised as a count
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # a number, with its thousands separators and decimals
CHAR_DIFF_MAX = 5000  # longer "sentences" (unpunctuated tables) are shown whole: char diff is quadratic

_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]+[”’\"』」）)]*|[^。！？；!?;\n]+")
_DEL_STYLE = "background:#ffe0e0;color:#a00;text-decoration:line-through"
_INS_STYLE = "background:#dcf5dc;color:#060;text-decoration:none"
_CONTEXT_STYLE = "color:#666"


@dataclass
class FieldChange:
    key: str
    old: str | None  # None when the field was absent
    new: str | None


@dataclass
class BodyChange:
    """One hunk of the sentence diff: `old` sentences were replaced by `new` ones (either may be empty)."""

    op: str  # "replace" | "insert" | "delete"
    old: list[str]
    new: list[str]
    position: int  # 1-based index of the first affected sentence in the new version
    before: str | None = None  # the unchanged sentence just before the hunk (context), None at the start
    after: str | None = None  # the unchanged sentence just after it, None at the end


@dataclass
class AttachmentChange:
    op: str  # "added" | "removed"
    title: str
    url: str


@dataclass
class Diff:
    old_title: str
    new_title: str
    title_changed: bool
    subtitle_change: FieldChange | None
    field_changes: list[FieldChange]
    body_changes: list[BodyChange]
    attachment_changes: list[AttachmentChange]
    text: str = ""
    html: str = ""
    summary: str = ""
    labels: tuple[str, str] = field(default=("旧版本", "新版本"))


def split_sentences(text: str) -> list[str]:
    """Chinese-aware sentence split: after 。！？；!?; (closing quotes stay attached) and at line breaks."""
    sentences = []
    for line in text.splitlines():
        for piece in _SENTENCE.findall(line):
            piece = piece.strip()
            if piece:
                sentences.append(piece)
    return sentences


def diff_articles(old: Article, new: Article, *, old_label: str = "旧版本", new_label: str = "新版本") -> Diff | None:
    """What changed between two versions, in the terms a procurement watcher reads; None when nothing did."""
    if old.content_hash() == new.content_hash():
        return None
    subtitle = None
    if (old.subtitle or "") != (new.subtitle or ""):
        subtitle = FieldChange("副标题", old.subtitle or None, new.subtitle or None)
    d = Diff(
        old_title=old.title,
        new_title=new.title,
        title_changed=old.title != new.title,
        subtitle_change=subtitle,
        field_changes=field_changes(old.fields, new.fields),
        body_changes=body_changes(old.body, new.body),
        attachment_changes=attachment_changes(old, new),
        labels=(old_label, new_label),
    )
    d.text = render_text(d)
    d.html = render_html(d)
    d.summary = render_summary(d)
    return d


def field_changes(old: dict[str, str], new: dict[str, str]) -> list[FieldChange]:
    """Changed, added and removed procurement fields, most important first."""
    keys = set(old) | set(new)
    ordered = [k for k in FIELD_ORDER if k in keys] + sorted(keys - set(FIELD_ORDER))
    return [FieldChange(k, old.get(k), new.get(k)) for k in ordered if old.get(k) != new.get(k)]


def attachment_changes(old: Article, new: Article) -> list[AttachmentChange]:
    """Attachments added or removed; a renamed attachment shows as one removed and one added."""
    before = [(a.title, a.url) for a in old.attachments]
    after = [(a.title, a.url) for a in new.attachments]
    removed = [AttachmentChange("removed", t, u) for t, u in before if (t, u) not in after]
    added = [AttachmentChange("added", t, u) for t, u in after if (t, u) not in before]
    return removed + added


def body_changes(old_body: str, new_body: str) -> list[BodyChange]:
    """Sentence-level hunks; sentences are the unit a reader of a notice compares."""
    a, b = split_sentences(old_body), split_sentences(new_body)
    hunks = []
    for op, i1, i2, j1, j2 in opcodes(a, b):
        if op != "equal":
            before = b[j1 - 1] if j1 else None
            after = b[j2] if j2 < len(b) else None
            hunks.append(BodyChange(op, a[i1:i2], b[j1:j2], j1 + 1, before, after))
    return hunks


def char_opcodes(old: str, new: str, whole_numbers: bool = False) -> list[tuple[str, str, str]]:
    """Character-level (op, old_part, new_part) runs (Chinese has no word boundaries to diff on); with
    `whole_numbers` a number is one token, so a spreadsheet cell 23000 → 25800 reads whole, not 2[3]{58}00[0]."""
    if max(len(old), len(new)) > CHAR_DIFF_MAX:
        return [("replace", old, new)]
    if not whole_numbers:
        return [(op, old[i1:i2], new[j1:j2]) for op, i1, i2, j1, j2 in opcodes(old, new, budget=CHAR_BUDGET)]
    a, b = _tokens(old), _tokens(new)
    return [(op, "".join(a[i1:i2]), "".join(b[j1:j2])) for op, i1, i2, j1, j2 in opcodes(a, b, budget=CHAR_BUDGET)]


def _tokens(text: str) -> list[str]:
    """Each character, but each number (23000, 1,350,000.00, 3.5) as one token."""
    out: list[str] = []
    pos = 0
    for match in _NUMBER.finditer(text):
        out += text[pos:match.start()]
        out.append(match.group())
        pos = match.end()
    out += text[pos:]
    return out


def _shown(value: str | None) -> str:
    return MISSING if value is None else value


# --- text form -------------------------------------------------------------------------------------------


def inline_markers(old: str, new: str, whole_numbers: bool = False) -> str:
    """One line with [-deleted-]{+inserted+} markers, as `git diff --word-diff` prints."""
    out = []
    for op, a, b in char_opcodes(old, new, whole_numbers):
        if op == "equal":
            out.append(a)
            continue
        if a:
            out.append(f"[-{a}-]")
        if b:
            out.append(f"{{+{b}+}}")
    return "".join(out)


def render_text(d: Diff) -> str:
    """Unified text: fields, title, attachments, then body; old and new wording appear verbatim."""
    lines = [f"{c.key}: {_shown(c.old)} → {_shown(c.new)}" for c in d.field_changes]
    if d.title_changed:
        lines.append(f"标题: {d.old_title} → {d.new_title}")
    if d.subtitle_change:
        c = d.subtitle_change
        lines.append(f"副标题: {_shown(c.old)} → {_shown(c.new)}")
    for a in d.attachment_changes:
        lines.append(f"附件 {'+' if a.op == 'added' else '-'} {a.title} ({a.url})")
    if d.body_changes:
        lines += [f"--- 正文 {d.labels[0]}", f"+++ 正文 {d.labels[1]}"]
        for hunk in d.body_changes:
            lines += _text_hunk(hunk)
    return "\n".join(lines)


def _text_hunk(hunk: BodyChange) -> list[str]:
    lines = [f"@@ 第 {hunk.position} 句 @@"]
    lines += [f"- {s}" for s in hunk.old]
    lines += [f"+ {s}" for s in hunk.new]
    if hunk.op == "replace" and len(hunk.old) == len(hunk.new) == 1:
        lines.append(f"~ {inline_markers(hunk.old[0], hunk.new[0])}")
    return lines


def render_article_text(article: Article) -> str:
    """A readable text form of a whole article, for `new` alerts where there is nothing to compare."""
    lines = [f"标题: {article.title}"]
    if article.subtitle:
        lines.append(f"副标题: {article.subtitle}")
    for label, value in (("发布时间", article.published), ("来源", article.source)):
        if value:
            lines.append(f"{label}: {value}")
    lines += [f"{k}: {article.fields[k]}" for k in _ordered_keys(article.fields)]
    lines += [f"附件: {a.title} ({a.url})" for a in article.attachments]
    if article.body:
        lines += ["", article.body]
    return "\n".join(lines)


def _ordered_keys(fields: dict[str, str]) -> list[str]:
    return [k for k in FIELD_ORDER if k in fields] + sorted(set(fields) - set(FIELD_ORDER))


# --- HTML form -------------------------------------------------------------------------------------------


def _del(text: str) -> str:
    return f'<del style="{_DEL_STYLE}">{html.escape(text)}</del>' if text else ""


def _ins(text: str) -> str:
    return f'<ins style="{_INS_STYLE}">{html.escape(text)}</ins>' if text else ""


def inline_html(old: str, new: str, whole_numbers: bool = False) -> str:
    """Character-level <del>/<ins> highlights inside one changed sentence; all page text escaped."""
    out = []
    for op, a, b in char_opcodes(old, new, whole_numbers):
        out.append(html.escape(a) if op == "equal" else _del(a) + _ins(b))
    return "".join(out)


def render_html(d: Diff) -> str:
    """HTML fragment for email: fields first, then title, attachments and body hunks."""
    parts = ['<div class="eduwatch-diff">']
    parts += [_field_row(c) for c in d.field_changes]
    if d.title_changed:
        parts.append(f"<p><b>标题</b>: {inline_html(d.old_title, d.new_title)}</p>")
    if d.subtitle_change:
        parts.append(_field_row(d.subtitle_change))
    for a in d.attachment_changes:
        mark = _ins("新增附件") if a.op == "added" else _del("删除附件")
        parts.append(f"<p>{mark} {link_html(a.url, a.title)}</p>")
    parts += _html_body(d.body_changes)
    parts.append("</div>")
    return "\n".join(parts)


def _field_row(c: FieldChange) -> str:
    if c.old is not None and c.new is not None:
        body = f"{_del(c.old)} → {_ins(c.new)}"
    else:
        body = f"{_del(_shown(c.old))} → {_ins(_shown(c.new))}"
    return f"<p><b>{html.escape(c.key)}</b>: {body}</p>"


def _html_body(hunks: list[BodyChange]) -> list[str]:
    """Body hunks with one unchanged sentence of context around each, so a reader sees where they are."""
    parts: list[str] = []
    end = 0  # 0-based index, in the new version, just past what was last shown
    for hunk in hunks:
        start = hunk.position - 1
        if hunk.before is not None and start - 1 >= end:  # not already shown as the last hunk's `after`
            if parts and start - 1 > end:
                parts.append(f'<p style="{_CONTEXT_STYLE}">⋯</p>')
            parts.append(_context(hunk.before))
        parts.append(_html_hunk(hunk))
        end = start + len(hunk.new)
        if hunk.after is not None:
            parts.append(_context(hunk.after))
            end += 1
    return parts


def _context(sentence: str) -> str:
    return f'<p style="{_CONTEXT_STYLE}">{html.escape(sentence)}</p>'


def _html_hunk(hunk: BodyChange) -> str:
    paired = min(len(hunk.old), len(hunk.new)) if hunk.op == "replace" else 0
    paras = [inline_html(hunk.old[i], hunk.new[i]) for i in range(paired)]
    paras += [_del(s) for s in hunk.old[paired:]]
    paras += [_ins(s) for s in hunk.new[paired:]]
    return "\n".join(f"<p>{p}</p>" for p in paras)


def render_article_html(article: Article) -> str:
    """HTML form of a whole new article (escaped), paragraphs kept."""
    parts = [f"<h3>{html.escape(article.title)}</h3>"]
    meta = [f"发布时间: {article.published}"] if article.published else []
    meta += [f"{k}: {article.fields[k]}" for k in _ordered_keys(article.fields)]
    parts += [f"<p>{html.escape(m)}</p>" for m in meta]
    parts += [f"<p>附件: {link_html(a.url, a.title)}</p>" for a in article.attachments]
    parts += [f"<p>{html.escape(p)}</p>" for p in article.body.splitlines() if p.strip()]
    return "\n".join(parts)


# --- summary ---------------------------------------------------------------------------------------------


def render_summary(d: Diff) -> str:
    """One short Chinese line: "标题已修改；预算金额: a → b；正文 2 处修改；新增附件 1 个"."""
    parts = []
    if d.title_changed:
        parts.append("标题已修改")
    if d.subtitle_change:
        parts.append("副标题已修改")
    shown = d.field_changes[:SUMMARY_MAX_FIELDS]
    parts += [f"{c.key}: {_shown(c.old)} → {_shown(c.new)}" for c in shown]
    if len(d.field_changes) > len(shown):
        parts.append(f"另有 {len(d.field_changes) - len(shown)} 项字段修改")
    if d.body_changes:
        parts.append(f"正文 {len(d.body_changes)} 处修改")
    added = sum(a.op == "added" for a in d.attachment_changes)
    removed = len(d.attachment_changes) - added
    if added:
        parts.append(f"新增附件 {added} 个")
    if removed:
        parts.append(f"删除附件 {removed} 个")
    return "；".join(parts) or "内容已修改"
