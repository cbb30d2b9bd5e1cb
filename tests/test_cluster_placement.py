"""The placement rule as a case table: even spread, sites stay on live nodes, sites of a down node move."""

from __future__ import annotations

import pytest

from crawler.cluster.placement import NoHealthyNode, place

A, B, C = "http://a:6800", "http://b:6800", "http://c:6800"
SIX = ["s1", "s2", "s3", "s4", "s5", "s6"]

CASES = [
    # id, sites, healthy nodes, last placement, expected placement
    ("fresh-two-nodes-3-3", SIX, [A, B], {},
     {"s1": A, "s2": B, "s3": A, "s4": B, "s5": A, "s6": B}),
    ("stays-put-when-balanced", SIX, [A, B], {"s1": B, "s2": B, "s3": B, "s4": A, "s5": A, "s6": A},
     {"s1": B, "s2": B, "s3": B, "s4": A, "s5": A, "s6": A}),
    ("down-node-sites-move", SIX, [A], {"s1": A, "s2": B, "s3": A, "s4": B, "s5": A, "s6": B},
     {s: A for s in SIX}),
    ("node-back-takes-only-its-share", SIX, [A, B], {s: A for s in SIX},
     {"s1": A, "s2": A, "s3": A, "s4": B, "s5": B, "s6": B}),
    ("odd-count-extra-to-the-fuller-node", ["s1", "s2", "s3"], [A, B], {"s1": B, "s2": B, "s3": B},
     {"s1": B, "s2": B, "s3": A}),
    ("new-site-goes-to-the-emptier-node", ["s1", "s2", "s3"], [A, B], {"s1": A, "s2": A},
     {"s1": A, "s2": A, "s3": B}),
    ("removed-node-three-to-two", SIX, [A, C], {"s1": A, "s2": A, "s3": B, "s4": B, "s5": C, "s6": C},
     {"s1": A, "s2": A, "s3": A, "s4": C, "s5": C, "s6": C}),
    ("unknown-node-in-history-ignored", ["s1", "s2"], [A, B], {"s1": "http://gone:6800", "s2": "http://gone:6800"},
     {"s1": A, "s2": B}),
    ("more-nodes-than-sites", ["s1"], [A, B, C], {"s1": C}, {"s1": C}),
    ("no-sites", [], [A], {}, {}),
]


@pytest.mark.parametrize(("sites", "up", "current", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_placement(sites, up, current, expected):
    placed = place(sites, up, current)
    assert placed == expected
    counts = [list(placed.values()).count(node) for node in up]
    if sites:
        assert max(counts) - min(counts) <= 1, "each node gets ⌊N/K⌋ or ⌈N/K⌉"
        assert max(counts) == -(-len(sites) // len(up))


def test_placement_ignores_input_order():
    current = {"s1": A, "s4": B}
    assert place(SIX, [A, B], current) == place(list(reversed(SIX)), [A, B], current)


def test_every_site_of_a_live_node_stays_when_the_spread_allows():
    current = {"s1": A, "s2": B, "s3": C}
    for _ in range(3):
        assert place(["s1", "s2", "s3"], [A, B, C], current) == current


def test_no_healthy_node_is_an_error_naming_the_fix():
    with pytest.raises(NoHealthyNode, match="eduwatch node"):
        place(["s1"], [], {})
