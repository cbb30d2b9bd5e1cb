"""Tests for crawler.track.seqmatch: difflib's answer on real pages, bounded work on repetitive ones."""

import difflib
import json
import random
from pathlib import Path

import pytest

from crawler.demo.sites import default_sites
from crawler.extract import extract
from crawler.track import seqmatch
from crawler.track.diff import body_changes, char_opcodes, split_sentences
from crawler.track.seqmatch import Work, opcodes

GOLDEN = Path(__file__).parent / "golden"
REPEATED = "本项目不接受联合体投标。"


def corpus_bodies() -> list[tuple[str, str]]:
    """Every golden page's body and every demo-site article as the extractor reads it."""
    bodies = []
    for case in sorted(GOLDEN.glob("*/*.json")):
        bodies.append((f"golden/{case.parent.name}/{case.stem}", json.loads(case.read_text("utf-8"))["body"]))
    for name, site in default_sites().items():
        for path in site.article_paths():
            page = site.render(path)
            bodies.append((f"demo/{name}{path}", extract(page.body, f"http://{name}.test{path}", None).body))
    return [(name, body) for name, body in bodies if body]


def edits(body: str, rng: random.Random) -> list[str]:
    """Edited versions of a body the way sites edit notices: a figure, a sentence, a paragraph, a move."""
    lines = body.splitlines()
    sentences = split_sentences(body)
    pick = rng.randrange(len(sentences))
    s = sentences[pick]
    out = [
        body.replace(s, s[: len(s) // 2] + "（更正）" + s[len(s) // 2 :], 1),  # words inserted mid-sentence
        body.replace(s, "", 1),  # a sentence dropped
        body.replace(s, s + "补充说明：投标截止时间延期至2024年3月1日。", 1),  # a sentence added
        "\n".join(lines + ["特此公告。"]),  # a paragraph appended
        "\n".join([lines[-1], *lines[:-1]]),  # the last paragraph moved to the top
        "\n".join(lines[:1] + lines),  # a paragraph duplicated
        "".join(str((int(c) + 1) % 10) if c in "0123456789" and rng.random() < 0.3 else c for c in body),  # figures
    ]
    many = list(sentences)
    for _ in range(4):
        k = rng.randrange(len(many))
        many[k] = many[k] + "。" if rng.random() < 0.5 else "新增一句。"
    out.append("\n".join(many))
    return out


def legacy_opcodes(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def test_corpus_edits_diff_exactly_as_difflib_did():
    """The old diff (SequenceMatcher over sentences, then over characters) on every real page and edit."""
    rng = random.Random(16)
    compared = 0
    for name, body in corpus_bodies():
        for new_body in edits(body, rng):
            a, b = split_sentences(body), split_sentences(new_body)
            work = Work()
            assert opcodes(a, b, work) == legacy_opcodes(a, b), name
            assert work.myers_steps == 0 and work.pairs <= seqmatch.SENTENCE_BUDGET, name  # difflib did it all
            for hunk in body_changes(body, new_body):
                for old_s, new_s in zip(hunk.old, hunk.new, strict=False):
                    assert char_opcodes(old_s, new_s) == [
                        (op, old_s[i1:i2], new_s[j1:j2]) for op, i1, i2, j1, j2 in legacy_opcodes(old_s, new_s)
                    ], name
            compared += 1
    assert compared >= 8 * 65  # 44 golden pages and 23 demo articles, eight edits each


def apply(a, b, codes):
    """Check codes are SequenceMatcher-shaped and turn a into b; return how many elements they kept."""
    rebuilt, i, j = [], 0, 0
    for tag, i1, i2, j1, j2 in codes:
        assert (i1, j1) == (i, j)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        rebuilt += b[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(a), len(b)) and rebuilt == list(b)
    return sum(i2 - i1 for tag, i1, i2, _, _ in codes if tag == "equal")


@pytest.mark.parametrize("seed", range(300))
def test_small_random_sequences_match_difflib(seed):
    rng = random.Random(seed)
    a = [rng.randrange(rng.randint(1, 6)) for _ in range(rng.randint(0, 40))]
    b = list(a)
    for _ in range(rng.randint(0, 5)):
        b.insert(rng.randint(0, len(b)), rng.randrange(9))
        if b and rng.random() < 0.5:
            del b[rng.randrange(len(b))]
    assert opcodes(a, b) == legacy_opcodes(a, b)


@pytest.mark.parametrize("seed", range(300))
def test_the_anchored_path_gives_a_correct_diff(seed):
    """With difflib kept out entirely, the anchors, trimming and Myers still produce a valid, minimal diff."""
    rng = random.Random(seed)
    a = [rng.randrange(rng.randint(1, 6)) for _ in range(rng.randint(0, 40))]
    b = list(a)
    for _ in range(rng.randint(0, 5)):
        b.insert(rng.randint(0, len(b)), rng.randrange(9))
        if b and rng.random() < 0.5:
            del b[rng.randrange(len(b))]
    kept = apply(a, b, opcodes(a, b, budget=-1))
    assert kept >= len(a) - 10  # at most the five insertions and five deletions made


def test_one_edit_among_repeats_costs_linear_work():
    n = 20_000
    a = [REPEATED] * n
    b = list(a)
    b[n // 2] = "本项目接受联合体投标。"
    work = Work()
    assert [c for c in opcodes(a, b, work) if c[0] != "equal"] == [("replace", n // 2, n // 2 + 1, n // 2, n // 2 + 1)]
    assert work.pairs + work.myers_steps <= 10  # difflib would have compared 4·10^8 pairs


def test_scattered_edits_among_repeats_are_all_found_in_bounded_work():
    n = 20_000
    rng = random.Random(3)
    a = [REPEATED] * n
    b = list(a)
    inserted = sorted(rng.sample(range(n), 30))
    for k, at in enumerate(reversed(inserted)):
        b.insert(at, f"第{k}条补充说明。")
    work = Work()
    codes = opcodes(a, b, work)
    assert apply(a, b, codes) == n  # every repeat kept, only the 30 sentences inserted
    assert work.fallbacks == 0
    assert work.pairs + work.myers_steps <= 4 * (len(a) + len(b))


def test_a_gap_past_the_myers_cap_is_replaced_whole(monkeypatch):
    monkeypatch.setattr(seqmatch, "MYERS_MAX_EDITS", 4)
    a = ["x"] * 300 + ["y"] * 300
    b = ["y"] * 300 + ["x"] * 300
    work = Work()
    codes = opcodes(a, b, work)
    apply(a, b, codes)
    assert work.fallbacks == 1
    assert codes == [("replace", 0, 600, 0, 600)]
