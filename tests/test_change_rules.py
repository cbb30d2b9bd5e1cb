"""The change rules as a case table (tests/cases/change_rules.toml): removal confirmation, restore, the
extraction guard and keyword filters, each case a line a maintainer can read and extend."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crawler.model import Article
from crawler.track.detect import Signal, decide
from crawler.track.keywords import match_keywords

CASES = tomllib.loads((Path(__file__).parent / "cases" / "change_rules.toml").read_text(encoding="utf-8"))


def _article(body_len: int) -> Article:
    return Article(url="http://www.ccgp.gov.cn/a.htm", title="某中学实验室设备采购", body="采" * body_len)


@pytest.mark.parametrize("case", CASES["fetch"], ids=[c["id"] for c in CASES["fetch"]])
def test_fetch_rule(case):
    article = _article(case.get("article_body_len", 300))
    stored = case["stored"]
    latest_hash = {"none": None, "same": article.content_hash(), "other": "0" * 64}[stored]
    verdict = decide(
        signal=Signal(case["signal"], None if case["signal"] == "ok" else "why"),
        state=case.get("state", "active"), miss_count=case.get("miss_count", 0), latest_hash=latest_hash,
        latest_body_len=case.get("body_len", 300), article=article if case["signal"] == "ok" else None,
        found_on_list=case.get("found_on_list", True), baselined=case.get("baselined", True),
        confirmations=case.get("confirmations", 2))
    expect = case["expect"]
    assert verdict.outcome == expect["outcome"]
    assert (verdict.change or "") == expect["change"]
    assert verdict.state == expect["state"]
    assert verdict.store_version is expect["store_version"]
    if "miss_count" in expect:
        assert verdict.miss_count == expect["miss_count"]


@pytest.mark.parametrize("case", CASES["keywords"], ids=[c["id"] for c in CASES["keywords"]])
def test_keyword_rule(case):
    article = {"title": "", "body": case["text"], "fields": case.get("fields", {})}
    match = match_keywords(article, case.get("keywords", []), case.get("exclude", []))
    assert match.wanted is case["expect"]["wanted"]
    assert match.matched == case["expect"]["matched"]
