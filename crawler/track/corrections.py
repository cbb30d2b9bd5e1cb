"""Link a 更正公告 (correction notice) to the announcement it corrects, by the shared 项目编号."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from crawler.model import Article

CORRECTION_WORDS = ("更正", "变更", "澄清", "补遗")
RESULT_WORDS = ("中标", "成交", "结果", "废标", "终止")


@dataclass
class CorrectionLink:
    original_url: str
    original_title: str
    project_code: str
    field_changes: list[tuple[str, str, str]] = field(default_factory=list)  # (key, original, corrected)

    @property
    def text(self) -> str:
        """Lines for the diff: which announcement is corrected, and each field against the original."""
        lines = [f"更正公告：更正 {self.original_title} ({self.original_url})，项目编号 {self.project_code}"]
        lines += [f"{key}: {old} → {new}" for key, old, new in self.field_changes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return asdict(self)


def is_correction(article: Article) -> bool:
    return any(word in article.title for word in CORRECTION_WORDS)


def link_correction(article: Article, originals: list[dict]) -> CorrectionLink | None:
    """`originals`: stored latest versions sharing the 项目编号; the original is the earliest announcement
    that is neither a correction nor a result notice (中标/成交), falling back to the earliest of any kind."""
    code = article.fields.get("项目编号")
    if not code or not is_correction(article):
        return None
    candidates = [o for o in originals if not is_correction(Article.from_dict(o["article"]))] or originals
    if not candidates:
        return None
    original = min(candidates, key=_original_rank)
    before = Article.from_dict(original["article"])
    changes = [(key, before.fields[key], value) for key, value in article.fields.items()
               if key in before.fields and before.fields[key] != value and key != "项目编号"]
    return CorrectionLink(original_url=original["url"], original_title=before.title, project_code=code,
                          field_changes=changes)


def _original_rank(version: dict) -> tuple:
    article = version["article"]
    is_result = any(word in article.get("title", "") for word in RESULT_WORDS)
    return (is_result, article.get("published") or "9999", version.get("first_seen") or "")
