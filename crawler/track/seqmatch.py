"""Sequence matching that stays near-linear on repetitive input and equals difflib's answer elsewhere.

difflib.SequenceMatcher(autojunk=False) compares every occurrence of an element with every other
occurrence of it: a body repeating one short sentence 20,000 times costs 4·10^8 steps (72 s). Here a
range is handed to SequenceMatcher only while that pair count is small (every normal page: the result is
difflib's, byte for byte); a range above the budget is cut at elements unique in both sides (patience
diff), its common ends are matched directly, and a gap without such anchors goes to a Myers diff whose
work is capped; past the cap the gap is shown as replaced (still a correct diff, only coarser).
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

# Equal-element pairs difflib may be handed in one range. Its time is about pairs × matching blocks, so
# the budget is a few times what real pages need (golden + demo + ccwe corpus: at most 1,225 pairs over
# sentences, 21,392 over the characters of one sentence), far below what repetitive bodies bring.
SENTENCE_BUDGET = 10_000
CHAR_BUDGET = 100_000
MYERS_BUDGET = 2_000_000  # steps a Myers diff of one anchorless gap may take before it is shown as replaced
MYERS_MAX_EDITS = 500  # inserted + deleted elements in such a gap past which it is shown as replaced

Block = tuple[int, int, int]  # (i, j, size): a[i:i+size] == b[j:j+size]
Opcode = tuple[str, int, int, int, int]  # as SequenceMatcher.get_opcodes()


@dataclass
class Work:
    """What a match cost, so tests can assert the bound instead of timing it."""

    pairs: int = 0  # equal-element pairs handed to SequenceMatcher
    myers_steps: int = 0  # snake and diagonal steps taken by Myers
    fallbacks: int = 0  # gaps shown as replaced because Myers hit its cap


def opcodes(
    a: Sequence[Hashable], b: Sequence[Hashable], work: Work | None = None, budget: int = SENTENCE_BUDGET
) -> list[Opcode]:
    """Opcodes turning a into b, in SequenceMatcher.get_opcodes() form; difflib's own below `budget` pairs."""
    work = work if work is not None else Work()
    blocks: list[Block] = []
    _match(a, b, (0, len(a), 0, len(b)), blocks, work, budget)
    return _to_opcodes(_merge(sorted(blocks)), len(a), len(b))


def pair_count(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """How many (i, j) with a[i] == b[j]: SequenceMatcher's work per pass over the range."""
    cb = Counter(b)
    return sum(cb[x] for x in a)


def _match(a, b, span: tuple[int, int, int, int], out: list[Block], work: Work, budget: int) -> None:
    """Matching blocks of a[alo:ahi] and b[blo:bhi] (in any order); a worklist, so no recursion limit."""
    todo = [(*span, False)]
    while todo:
        alo, ahi, blo, bhi, trimmed = todo.pop()
        pairs = pair_count(a[alo:ahi], b[blo:bhi])
        if pairs <= budget:
            work.pairs += pairs
            sm = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            out += [(alo + i, blo + j, n) for i, j, n in sm.get_matching_blocks() if n]
            continue
        # Too dear for difflib. Common ends are matched directly (difflib might have matched them
        # elsewhere, but only on input no normal page has), then unique anchors cut the rest.
        if not trimmed:
            inner = _trim_ends(a, b, alo, ahi, blo, bhi, out)
            if inner[0] < inner[1] and inner[2] < inner[3]:
                todo.append((*inner, True))  # the middle alone may be cheap enough for difflib
            continue
        anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
        if not anchors:
            _myers(a, b, alo, ahi, blo, bhi, out, work)
            continue
        i, j = alo, blo
        for ai, bj in [*anchors, (ahi, bhi)]:
            if i < ai and j < bj:
                todo.append((i, ai, j, bj, False))
            if ai < ahi:
                out.append((ai, bj, 1))
            i, j = ai + 1, bj + 1


def _trim_ends(a, b, alo: int, ahi: int, blo: int, bhi: int, out: list[Block]) -> tuple[int, int, int, int]:
    """Match the common head and tail of the two ranges; return the range left between them."""
    head = 0
    while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
        head += 1
    tail = 0
    while ahi - tail > alo + head and bhi - tail > blo + head and a[ahi - tail - 1] == b[bhi - tail - 1]:
        tail += 1
    if head:
        out.append((alo, blo, head))
    if tail:
        out.append((ahi - tail, bhi - tail, tail))
    return alo + head, ahi - tail, blo + head, bhi - tail


def _unique_anchors(a, b, alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """Elements occurring once in each range, longest run in the same order on both sides (patience)."""
    ca = Counter(a[alo:ahi])
    cb = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if cb[b[j]] == 1 and ca.get(b[j]) == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if a[i] in where_b]
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of pairs (sorted by i) whose j also increases: patience sorting, O(n log n)."""
    tops: list[int] = []  # smallest j ending an increasing run of each length
    top_at: list[int] = []  # index in pairs of that j
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tops, j)
        if pos == len(tops):
            tops.append(j)
            top_at.append(k)
        else:
            tops[pos] = j
            top_at[pos] = k
        back[k] = top_at[pos - 1] if pos else -1
    run = []
    k = top_at[-1] if top_at else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]


def _myers(a, b, alo: int, ahi: int, blo: int, bhi: int, out: list[Block], work: Work) -> None:
    """Shortest edit script (Myers 1986, greedy forward), O((N+M)·D); past the caps a plain replace."""
    n, m = ahi - alo, bhi - blo
    trace: list[list[int]] = []  # trace[d][(k + d) // 2]: furthest x on diagonal k after d edits
    steps = 0
    for d in range(min(n + m, MYERS_MAX_EDITS) + 1):
        prev = trace[-1] if trace else [0]
        cur = [0] * (d + 1)
        for idx in range(d + 1):
            k = 2 * idx - d
            if d == 0:
                x = 0
            elif k == -d or (k != d and prev[idx - 1] < prev[idx]):
                x = prev[idx]  # from diagonal k + 1: an element of b inserted
            else:
                x = prev[idx - 1] + 1  # from diagonal k - 1: an element of a deleted
            y = x - k
            start = x
            while x < n and y < m and a[alo + x] == b[blo + y]:
                x += 1
                y += 1
            steps += 1 + x - start
            cur[idx] = x
            if x >= n and y >= m:
                trace.append(cur)
                work.myers_steps += steps
                out += _myers_blocks(trace, n, m, alo, blo)
                return
        trace.append(cur)
        if steps > MYERS_BUDGET:
            break
    work.myers_steps += steps
    work.fallbacks += 1


def _myers_blocks(trace: list[list[int]], n: int, m: int, alo: int, blo: int) -> list[Block]:
    """Walk the trace back from (n, m), collecting the diagonal runs (matching blocks)."""
    blocks = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        prev = trace[d - 1]
        k = x - y
        idx = (k + d) // 2
        down = k == -d or (k != d and prev[idx - 1] < prev[idx])
        pk, px = (k + 1, prev[idx]) if down else (k - 1, prev[idx - 1])
        py = px - pk
        mx, my = (px, py + 1) if down else (px + 1, py)
        if x > mx:
            blocks.append((alo + mx, blo + my, x - mx))
        x, y = px, py
    if x:
        blocks.append((alo, blo, x))
    return blocks


def _merge(blocks: list[Block]) -> list[Block]:
    """Join blocks that touch, as get_matching_blocks() does."""
    merged: list[Block] = []
    for i, j, n in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            pi, pj, pn = merged[-1]
            merged[-1] = (pi, pj, pn + n)
        else:
            merged.append((i, j, n))
    return merged


def _to_opcodes(blocks: list[Block], la: int, lb: int) -> list[Opcode]:
    """SequenceMatcher.get_opcodes() from matching blocks."""
    codes: list[Opcode] = []
    i = j = 0
    for ai, bj, size in [*blocks, (la, lb, 0)]:
        tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert" if j < bj else ""
        if tag:
            codes.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            codes.append(("equal", ai, i, bj, j))
    return codes
