"""What changed inside an article's attachments: sentence hunks per PDF page or sheet, and fields found in them."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

from crawler.extract.documents import Document
from crawler.extract.fields import line_fields
from crawler.links import link_html
from crawler.model import Article, Attachment
from crawler.track.attachments import unreadable_note
from crawler.track.diff import (
    BodyChange,
    Diff,
    FieldChange,
    body_changes,
    field_changes,
    inline_html,
    inline_markers,
)

MISSING = "（无）"


@dataclass
class PartEdit:
    label: str  # "第2页", a sheet name, "" for a DOCX
    hunks: list[BodyChange]


@dataclass
class AttachmentEdit:
    """One attachment present in both versions whose content differs."""

    title: str
    url: str
    parts: list[PartEdit] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    note: str = ""  # for files without text: "附件已更新（无法读取文本）"


@dataclass
class AttachmentDiff:
    edits: list[AttachmentEdit]
    text: str
    html: str
    summary: str


def diff_attachments(old: Article, new: Article, load: Callable[[str], dict | None],
                     labels: tuple[str, str] = ("旧版本", "新版本")) -> AttachmentDiff | None:
    """Edits inside attachments kept across the two versions (same URL, both read); None when there are none.

    `load(sha256)` gives a stored reading (Store.attachment_document)."""
    before = {a.url: a for a in old.attachments if a.sha256}
    edits = []
    for a in new.attachments:
        b = before.get(a.url)
        if a.sha256 and b is not None and a.content_sha256 != b.content_sha256:
            edits.append(_edit(b, a, load))
    if not edits:
        return None
    return AttachmentDiff(edits, _text(edits, labels), _html(edits), _summary(edits))


def combined(diff: Diff | None, inside: AttachmentDiff | None) -> tuple[str | None, str | None, str]:
    """(text, html, summary) of a page diff and its attachment diff together; page parts first."""
    text, html_, summary = (diff.text, diff.html, diff.summary) if diff else (None, None, "")
    if inside is None:
        return text, html_, summary
    text = "\n".join(t for t in (text, inside.text) if t)
    html_ = "\n".join(h for h in (html_, inside.html) if h)
    said = {(c.key, c.old, c.new) for c in diff.field_changes} if diff else set()
    attached = _summary(inside.edits, said)  # a field the page already reports is said once
    if summary in ("", "内容已修改"):
        return text, html_, attached or summary
    return text, html_, f"{summary}；{attached}" if attached else summary


def _edit(old: Attachment, new: Attachment, load) -> AttachmentEdit:
    edit = AttachmentEdit(new.title, new.url)
    old_doc, new_doc = _document(load, old.sha256), _document(load, new.sha256)
    if old_doc is None or new_doc is None or not (old_doc.text or new_doc.text):
        edit.note = unreadable_note(new)
        return edit
    old_parts = {p.label: p.text for p in old_doc.parts}
    new_parts = {p.label: p.text for p in new_doc.parts}
    for label in [*new_parts, *(k for k in old_parts if k not in new_parts)]:
        hunks = body_changes(old_parts.get(label, ""), new_parts.get(label, ""))
        if hunks:
            edit.parts.append(PartEdit(label, hunks))
    edit.fields = field_changes(line_fields(old_doc.text.splitlines()), line_fields(new_doc.text.splitlines()))
    if not edit.parts and not edit.fields:
        edit.note = "附件已更新（文字未变）"
    return edit


def _document(load, sha256: str | None) -> Document | None:
    stored = load(sha256) if sha256 else None
    return Document.from_dict(stored) if stored else None


def _where(edit: AttachmentEdit, part: PartEdit) -> str:
    return f"附件《{edit.title}》" + (f" {part.label}" if part.label else "")


def _text(edits: list[AttachmentEdit], labels: tuple[str, str]) -> str:
    lines: list[str] = []
    for edit in edits:
        lines += [f"{c.key}（附件《{edit.title}》）: {c.old or MISSING} → {c.new or MISSING}" for c in edit.fields]
        if edit.note:
            lines.append(f"附件《{edit.title}》: {edit.note} ({edit.url})")
        for part in edit.parts:
            lines += [f"--- {_where(edit, part)} {labels[0]}", f"+++ {_where(edit, part)} {labels[1]}"]
            for hunk in part.hunks:
                lines.append(f"@@ 第 {hunk.position} 句 @@")
                lines += [f"- {s}" for s in hunk.old] + [f"+ {s}" for s in hunk.new]
                if hunk.op == "replace" and len(hunk.old) == len(hunk.new) == 1:
                    lines.append(f"~ {inline_markers(hunk.old[0], hunk.new[0], whole_numbers=True)}")
    return "\n".join(lines)


def _html(edits: list[AttachmentEdit]) -> str:
    out = ['<div class="eduwatch-attachment-diff">']
    for edit in edits:
        out.append(f"<p><b>附件</b> {link_html(edit.url, edit.title)}"
                   + (f"：{html.escape(edit.note)}" if edit.note else "") + "</p>")
        for c in edit.fields:
            out.append(f"<p><b>{html.escape(c.key)}</b>（附件）: {inline_html(c.old or MISSING, c.new or MISSING, whole_numbers=True)}</p>")
        for part in edit.parts:
            if part.label:
                out.append(f"<p><i>{html.escape(part.label)}</i></p>")
            for hunk in part.hunks:
                paired = min(len(hunk.old), len(hunk.new)) if hunk.op == "replace" else 0
                paras = [inline_html(hunk.old[i], hunk.new[i], whole_numbers=True) for i in range(paired)]
                paras += [inline_html(s, "") for s in hunk.old[paired:]]
                paras += [inline_html("", s) for s in hunk.new[paired:]]
                out += [f"<p>{p}</p>" for p in paras]
    out.append("</div>")
    return "\n".join(out)


def _summary(edits: list[AttachmentEdit], said: set[tuple] = frozenset()) -> str:
    """Each fact once: a field change the page's own summary already states (`said`: key, old, new) is left
    out; one found only in an attachment is labelled with it, as the text diff labels it."""
    parts = []
    for edit in edits:
        fresh = [c for c in edit.fields if (c.key, c.old, c.new) not in said]
        parts += [f"{c.key}（附件《{edit.title}》）: {c.old or MISSING} → {c.new or MISSING}" for c in fresh[:3]]
        if edit.note:
            parts.append(f"附件《{edit.title}》{edit.note.removeprefix('附件')}")
        elif edit.parts:
            where = "、".join(p.label for p in edit.parts if p.label)
            count = sum(len(p.hunks) for p in edit.parts)
            parts.append(f"附件《{edit.title}》{where + ' ' if where else ''}{count} 处修改")
    return "；".join(parts)
