"""Which node crawls which site: spread evenly over the healthy nodes, moving as few sites as possible.

A site stays on its node while that node is up (its HTTP cache and the domain's politeness stay in one
place); a site whose node is down, or a node holding more than its share, gives sites to the nodes with
room. Each of K healthy nodes ends with ⌊N/K⌋ or ⌈N/K⌉ of the N sites.
"""

from __future__ import annotations

from crawler.errors import NoHealthyNode


def place(sites: list[str], up: list[str], current: dict[str, str]) -> dict[str, str]:
    """site → node for every site, given the healthy nodes (in configured order) and the last placement.

    Deterministic: the same inputs give the same answer, whatever the order of `sites`.
    """
    if not sites:
        return {}
    if not up:
        raise NoHealthyNode("no crawl node answers; start them with `eduwatch node` (see `eduwatch nodes`)")
    held: dict[str, list[str]] = {node: sorted(s for s in sites if current.get(s) == node) for node in up}
    quota = _quotas(len(sites), up, held)
    placed: dict[str, str] = {}
    for node in up:
        for site in held[node][: quota[node]]:  # keep what fits in the node's share
            placed[site] = node
    room = {node: quota[node] - sum(1 for n in placed.values() if n == node) for node in up}
    for site in sorted(s for s in sites if s not in placed):
        node = max(up, key=lambda n: (room[n], -up.index(n)))  # the node with most room, first listed on ties
        placed[site] = node
        room[node] -= 1
    return placed


def _quotas(n: int, up: list[str], held: dict[str, list[str]]) -> dict[str, int]:
    """⌊N/K⌋ for every node, plus one for the N mod K nodes already holding the most (fewest moves)."""
    base, extra = divmod(n, len(up))
    by_holding = sorted(up, key=lambda node: (-len(held[node]), up.index(node)))
    return {node: base + (1 if node in by_holding[:extra] else 0) for node in up}
