"""A damaged database file (SQLite: "database disk image is malformed") ends every command in one line that says
so and what to do, exit 1: no traceback, and no fetched page's bytes in any log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from tests.conftest import FAST, run_cli, site_toml

pytestmark = pytest.mark.e2e  # crawls a local site
DAMAGED = ("search_fts_data", "versions", "raw")  # b-tree roots overwritten: the index, the readings, the bytes


def damage(db: Path, tables: tuple[str, ...]) -> None:
    """Overwrite the first bytes of each table's root page, as a bad sector or a torn copy would."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"))
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as f:
        for name in tables:
            f.seek((roots[name] - 1) * page_size)
            f.write(b"\xff" * 64)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("damaged")
    site = build_site("moe", 30, seed=5, per_page=10)
    with SiteServer({"moe": site}) as server:
        db, config = tmp / "eduwatch.db", tmp / "eduwatch.toml"
        config.write_text(site_toml(server, ["moe"]), encoding="utf-8")
        first = run_cli("crawl", "--db", str(db), "--config", str(config), *FAST, timeout=120)
        assert first.code == 0, first.err
        damage(db, DAMAGED)
        yield server, site, db, config


@pytest.mark.parametrize("command", [["search", "通知"], ["reextract"], ["history", "ARTICLE"], ["crawl", *FAST]],
                         ids=lambda c: c[0])
def test_a_damaged_file_is_one_line_and_exit_1(damaged, command):
    server, site, db, config = damaged
    article = server.url_for("moe", site.article_paths()[0])
    result = run_cli(*[article if a == "ARTICLE" else a for a in command], "--db", str(db), "--config", str(config),
                     timeout=120)
    assert result.code == 1, result.err
    lines = [line for line in result.err.splitlines() if "StreamPipeline" not in line]  # Scrapy's own notice
    assert len(lines) == 1 and lines[0].startswith("eduwatch: error: the database file is damaged: "), result.err
    assert "restore it from a backup" in lines[0] and "Traceback" not in result.err
    page_text = site.article(site.article_paths()[0]).paragraphs[0][:12]
    assert page_text not in result.err and "<html" not in result.err and "\\x" not in result.err
