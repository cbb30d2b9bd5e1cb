"""The house rules, held by tests: no import cycles (lazy imports included), no import from a lower floor to a
higher one, one definition of each vocabulary (copies held to it), every command documented, small modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.cli.main import COMMANDS, EPILOG_EXAMPLES, build_parser
from crawler.config import KNOWN_SPIDERS
from crawler.model import CHANGE_LABELS, ChangeKind, Outcome
from storage.pages import OUTCOMES

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "spiders", "storage")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Every project module this file imports, at the top or inside a function (lazy imports count)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from pkg import mod` imports the module; `from pkg import name` imports pkg itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


MODULES = _modules()
GRAPH = {name: _imports(path, name, MODULES) for name, path in MODULES.items()}


def _cycle_from(start: str) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        node, trail = stack.pop()
        for nxt in GRAPH.get(node, ()):
            if nxt == start:
                return trail + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, trail + [nxt]))
    return None


def test_no_import_cycles_lazy_imports_included():
    cycles = [c for c in map(_cycle_from, GRAPH) if c]
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


def _importers(prefix: str) -> dict[str, set[str]]:
    return {name: {t for t in targets if t == prefix or t.startswith(prefix + ".")} for name, targets in GRAPH.items()}


def test_storage_imports_nothing_above_it():
    bad = {n: t for n, t in GRAPH.items() if n.startswith("storage") and any(x.split(".")[0] != "storage" for x in t)}
    assert not bad


@pytest.mark.parametrize("lower", ["spiders", "crawler.extract"])
def test_spiders_and_the_extractor_never_touch_storage(lower):
    def reaches_storage(name, seen=frozenset()):
        return any(t.startswith("storage") or (t not in seen and reaches_storage(t, seen | {t})) for t in GRAPH[name])
    bad = [n for n in GRAPH if (n == lower or n.startswith(lower + ".")) and reaches_storage(n)]
    assert not bad


def test_nothing_imports_a_command_module_but_the_entry_point():
    allowed = {"crawler.__main__", "crawler.cli.main", "crawler.cli.parser"}  # the entry point and its grammar
    bad = {n: sorted(t) for n, t in _importers("crawler.cli").items() if t and n not in allowed}
    assert not bad


@pytest.mark.parametrize("higher,lower", [
    ("crawler.cli", "crawler.fetch"), ("crawler.cli", "crawler.notify"), ("crawler.cli", "crawler.web"),
    ("crawler.fetch", "crawler.track"), ("crawler.notify", "crawler.track"), ("crawler.web", "crawler.track"),
    ("crawler.track", "crawler.extract"), ("crawler.scheduler", "crawler.config"), ("crawler.config", "crawler.schedules"),
])
def test_lower_floors_never_import_higher_ones(higher, lower):
    back = {n: sorted(t) for n, t in _importers(higher).items() if n.startswith(lower) and t}
    assert not back


def test_only_the_recorder_writes_change_rows():
    writers = sorted(n for n, p in MODULES.items() if not n.startswith("storage")
                     and re.search(r"\.add_change\(", p.read_text(encoding="utf-8")))
    assert writers == ["crawler.track.recorder"]


def test_no_module_over_400_lines_and_a_small_crawler_top_level():
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    assert not {n: k for n, k in long.items() if k > MAX_LINES}
    assert len(list((REPO / "crawler").glob("*.py"))) <= 12


def test_storage_outcome_codes_are_the_outcome_vocabulary():
    """storage keeps outcomes as small integers (their order is on disk): it must name exactly the Outcomes."""
    assert sorted(OUTCOMES) == sorted(o.value for o in Outcome)
    assert set(CHANGE_LABELS) == set(ChangeKind)


def test_known_spiders_are_the_ones_scrapy_lists():
    settings = Settings()
    settings.setmodule("crawler.fetch.settings", priority="project")
    assert sorted(SpiderLoader.from_settings(settings).list()) == sorted(KNOWN_SPIDERS)


README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_readme_row_and_a_help_example(command):
    assert re.search(rf"^\| `{command}` \|", README, re.M), f"README's command table has no row for {command}"
    assert EPILOG_EXAMPLES[command].startswith("example: eduwatch"), command
    sub = next(a for a in build_parser()._subparsers._group_actions[0].choices.items() if a[0] == command)[1]
    assert sub.description and sub.epilog
    undocumented = [a.dest for a in sub._actions if a.help is None and a.dest not in ("help",)]
    assert not undocumented, f"{command}: options without help text: {undocumented}"
