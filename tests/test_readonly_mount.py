"""An archive on a read-only mount (a snapshot, a backup disk) can still be read: changes, search, history and
alerts open it as immutable when its directory takes no -shm file. The mount is a real tmpfs remounted
read-only (it needs root, as CI has; the test skips with the reason otherwise)."""

from __future__ import annotations

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.sites import build_site
from tests.conftest import FAST, run_cli, site_toml
from tests.mounts import tmpfs

pytestmark = pytest.mark.e2e  # crawls a local site and mounts a filesystem


@pytest.fixture
def archive(tmp_path):
    where = tmp_path / "archive"
    with tmpfs(where, "64m") as remount:
        site = build_site("moe", 12, seed=2, per_page=12)
        with SiteServer({"moe": site}) as server:
            db, config = where / "eduwatch.db", tmp_path / "eduwatch.toml"
            config.write_text(site_toml(server, ["moe"]), encoding="utf-8")
            crawled = run_cli("crawl", "--db", str(db), "--config", str(config), *FAST, timeout=120)
            assert crawled.code == 0, crawled.err
            remount("ro")
            yield db, config, server.url_for("moe", site.article_paths()[0]), site.article(site.article_paths()[0])


def test_readers_work_on_a_read_only_mount(archive):
    db, config, url, article = archive
    def cli(*args):
        result = run_cli(*args, "--db", str(db), "--config", str(config))
        assert result.code == 0, f"{args}: {result.err}"
        return result
    assert cli("changes", "--json").json() == []
    assert [v["version"] for v in cli("history", url, "--json").json()] == [1]
    assert url in [hit["url"] for hit in cli("search", article.title[:8], "--json").json()]
    assert cli("alerts", "--json").json() == []
    assert not (db.parent / "eduwatch.db-shm").exists()
    crawl = run_cli("crawl", "--db", str(db), "--config", str(config), *FAST)  # a writer still says it cannot write
    assert crawl.code == 1 and "its directory is read-only" in crawl.err and "Traceback" not in crawl.err, crawl.err
