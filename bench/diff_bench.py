"""Diff cost on repetitive bodies (old difflib diff vs crawler.track.seqmatch) and equality on real pages.

    .venv/bin/python bench/diff_bench.py              # repeats 2,000 / 6,000 / 20,000 / 100,000
    .venv/bin/python bench/diff_bench.py --old-max 20000  # also time the old diff at 20,000 (minutes)

Prints one Markdown table: seconds for `diff_articles` on a body repeating one sentence N times with one
edit, with 30 scattered insertions, and with every third sentence edited (120 repeats: the dearest such
body still handed to difflib); then how many (page, edit) pairs of the golden corpus, the demo
sites and, when present, ../shared/benchmarks/ccwe_zh_recent diff exactly as the old difflib diff did.
"""

from __future__ import annotations

import argparse
import difflib
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_seqmatch import corpus_bodies, edits  # noqa: E402

from crawler.model import Article  # noqa: E402
from crawler.track.diff import diff_articles, split_sentences  # noqa: E402
from crawler.track.seqmatch import opcodes  # noqa: E402

SENTENCE = "本项目不接受联合体投标。"
CCWE = ROOT.parent.parent / "shared" / "benchmarks" / "ccwe_zh_recent" / "ground-truth.json"


def old_opcodes(a: list[str], b: list[str]) -> list[tuple]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def old_body_hunks(old: str, new: str) -> list[tuple]:
    """What crawler/track/diff.py computed before seqmatch: SequenceMatcher(autojunk=False) over sentences."""
    a, b = split_sentences(old), split_sentences(new)
    return [c for c in old_opcodes(a, b) if c[0] != "equal"]


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def shapes(n: int) -> dict[str, tuple[str, str]]:
    rng = random.Random(n)
    base = [SENTENCE] * n
    one = list(base)
    one[n // 2] = "本项目接受联合体投标。"
    scattered = list(base)
    for k, at in enumerate(sorted(rng.sample(range(n), 30), reverse=True)):
        scattered.insert(at, f"第{k}条补充说明。")
    return {"one edit": ("\n".join(base), "\n".join(one)), "30 insertions": ("\n".join(base), "\n".join(scattered))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", default="2000,6000,20000,100000", help="comma-separated repeat counts")
    p.add_argument("--old-max", type=int, default=6000, help="run the old difflib diff up to this many repeats")
    args = p.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    print("| body | repeats | old difflib diff (s) | new diff_articles (s) |")
    print("|---|---:|---:|---:|")
    for n in (int(x) for x in args.repeats.split(",")):
        for name, (old, new) in shapes(n).items():
            before = f"{timed(old_body_hunks, old, new):.2f}" if n <= args.old_max else "(skipped)"
            a, b = Article(url="u", title="t", body=old), Article(url="u", title="t", body=new)
            print(f"| {name} | {n:,} | {before} | {timed(diff_articles, a, b):.3f} |")
    for n in (120, 300, 3000):  # 120: the most repetitive such body still handed to difflib (9,600 pairs)
        a, b = [SENTENCE] * n, [SENTENCE if i % 3 else f"第{i}句改。" for i in range(n)]
        before = f"{timed(old_opcodes, a, b):.3f}" if n <= args.old_max else "(skipped)"
        print(f"| every 3rd edited | {n:,} | {before} | {timed(opcodes, a, b):.3f} |")

    bodies = corpus_bodies()
    if CCWE.exists():
        bodies += [(f"ccwe/{k}", v["articleBody"]) for k, v in json.loads(CCWE.read_text("utf-8")).items()]
    rng = random.Random(16)
    same = total = 0
    for _, body in bodies:
        for new in edits(body, rng):
            a_s, b_s = split_sentences(body), split_sentences(new)
            total += 1
            same += opcodes(a_s, b_s) == old_opcodes(a_s, b_s)
    print(f"\nreal pages: {len(bodies)} bodies, {total} edited versions, {same} diffed exactly as before")


if __name__ == "__main__":
    main()
