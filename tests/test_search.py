"""Tests for Store.search: Chinese queries of every length, no false hits, filters, snippets, index upkeep."""

import pytest

from crawler.model import Article
from storage import Store

T0 = "2024-03-01T08:00:00+00:00"

DOCS = [
    # url, site, published, title, body, fields
    (
        "http://www.moe.gov.cn/1.html",
        "moe",
        "2024-02-08",
        "教育部关于做好2024年义务教育招生工作的通知",
        "各省、自治区、直辖市教育厅（教委）：做好义务教育招生入学工作，保障适龄儿童入学。",
        {},
    ),
    (
        "http://www.caigou.com.cn/2.shtml",
        "caigou",
        "2024-03-15",
        "某大学实验室设备采购项目公开招标公告",
        "项目概况：某大学实验室教育装备采购，预算金额128万元。装备清单详见附件。装备须为全新产品。",
        {"项目编号": "JY-2024-0315", "采购人": "某大学"},
    ),
    (
        "http://www.ccgp.gov.cn/3.htm",
        "ccgp",
        "2024-04-01",
        "某市中学多媒体设备更正公告",
        "原公告中的教育的装备清单有误，现更正如下。装修工程与备案另行通知。",
        {"项目编号": "ZX-2024-77"},
    ),
    (
        "http://www.ceiea.com/4.html",
        "ceiea",
        None,
        "智慧校园建设综述",
        "Smart Campus 建设与人工智能教育。校园网络升级。",
        {},
    ),
]


def add(store, url, site, published, title, body, fields, at=T0):
    art = Article(url=url, title=title, body=body, published=published, fields=fields)
    store.upsert_page(url, site, at)
    return store.add_version(
        url, article=art.to_dict(), content_hash=art.content_hash(), raw_hash=None, seen_at=at, run_id=None
    )


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "search.db") as s:
        for doc in DOCS:
            add(s, *doc)
        yield s


def urls(hits):
    return [h["url"] for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("装", ["http://www.caigou.com.cn/2.shtml", "http://www.ccgp.gov.cn/3.htm"]),  # 1 char
        ("招生", ["http://www.moe.gov.cn/1.html"]),  # 2 chars
        ("装备", ["http://www.caigou.com.cn/2.shtml", "http://www.ccgp.gov.cn/3.htm"]),
        ("实验室", ["http://www.caigou.com.cn/2.shtml"]),  # 3 chars: trigram FTS
        ("教育装备", ["http://www.caigou.com.cn/2.shtml"]),  # 4 chars; 3.htm has 教育的装备, not a hit
        ("更正公告", ["http://www.ccgp.gov.cn/3.htm"]),  # found in the title
        ("JY-2024-0315", ["http://www.caigou.com.cn/2.shtml"]),  # found in the fields
        ("smart campus", ["http://www.ceiea.com/4.html"]),  # ASCII is case-insensitive
    ],
    ids=["1char", "2char", "2char-two-pages", "3char", "4char-no-false-hit", "title", "field", "ascii-case"],
)
def test_queries_of_every_length_find_exactly_the_pages_containing_them(store, query, expected):
    assert sorted(urls(store.search(query))) == sorted(expected)


@pytest.mark.parametrize("query", ["备案装", "教育局", "装育", "部装", "校园网路", "Q"])
def test_no_false_hits(store, query):
    assert store.search(query) == []


def test_short_query_ranks_by_occurrences(store):
    # 2.shtml says 装备 three times, 3.htm once
    assert urls(store.search("装备")) == ["http://www.caigou.com.cn/2.shtml", "http://www.ccgp.gov.cn/3.htm"]


def test_all_terms_must_match_across_lengths(store):
    assert urls(store.search("实验室 预算")) == ["http://www.caigou.com.cn/2.shtml"]  # 3-char + 2-char
    assert urls(store.search("教育厅 招生")) == ["http://www.moe.gov.cn/1.html"]
    assert store.search("实验室 招生") == []


@pytest.mark.parametrize(
    "query", ['"教育', "教育 AND", "NOT 装备", "装备*", "(实验室", "col:值", "''", "NEAR(a b)"]
)
def test_fts_syntax_is_plain_text_never_an_error(store, query):
    assert isinstance(store.search(query), list)


def test_quotes_and_operators_are_searched_literally(tmp_path):
    with Store(tmp_path / "q.db") as s:
        add(s, "http://a/1", "moe", None, '关于"双减"工作的通知', '落实"双减"政策 AND 课后服务。', {})
        add(s, "http://a/2", "moe", None, "双减政策解读", "课后服务。", {})
        assert urls(s.search('"双减"')) == ["http://a/1"]
        assert urls(s.search("AND 课后服务")) == ["http://a/1"]


def test_snippet_highlights_the_match(store):
    (hit,) = store.search("实验室教育装备")
    assert "【实验室教育装备】" in hit["snippet"]
    assert (hit["title"], hit["published"], hit["site"]) == (
        "某大学实验室设备采购项目公开招标公告",
        "2024-03-15",
        "caigou",
    )
    (short,) = store.search("招生")
    assert "【招生】" in short["snippet"] and len(short["snippet"]) < 120
    (title_only,) = store.search("更正公告")
    assert "【更正公告】" in title_only["snippet"]


def test_site_and_date_filters(store):
    assert urls(store.search("装备", site="ccgp")) == ["http://www.ccgp.gov.cn/3.htm"]
    assert sorted(urls(store.search("教育", since="2024-03-01"))) == [
        "http://www.caigou.com.cn/2.shtml",
        "http://www.ccgp.gov.cn/3.htm",
        "http://www.ceiea.com/4.html",
    ]
    # 4.html has no published date: first_seen (2024-03-01) stands in for it
    assert sorted(urls(store.search("教育", since="2024-03-02", until="2024-03-31"))) == [
        "http://www.caigou.com.cn/2.shtml"
    ]
    assert urls(store.search("义务教育", until="2024-02-08T23:00:00+08:00")) == [
        "http://www.moe.gov.cn/1.html"
    ]
    assert store.search("义务教育", since="2024-02-09") == []


def test_only_the_latest_version_is_searched(store):
    url, site, published, title, _, fields = DOCS[1]
    add(store, url, site, published, title, "项目已终止。", fields, at="2024-03-20T08:00:00+00:00")
    assert store.search("实验室教育装备") == []
    assert urls(store.search("项目已终止")) == [url]
    assert urls(store.search("实验室")) == [url]  # still in the title


def test_index_follows_replace_version_article(store):
    url = DOCS[0][0]
    better = Article(
        url=url, title=DOCS[0][3], body="重新提取后的正文：寄宿制学校建设。", published="2024-02-08"
    )
    store.replace_version_article(url, 1, better.to_dict(), better.content_hash())
    assert store.search("适龄儿童") == []
    assert urls(store.search("寄宿制学校")) == [url]
    assert urls(store.search("宿")) == [url]


def test_replacing_an_old_version_leaves_the_index_on_the_latest(store):
    url, site, published, title, _, fields = DOCS[1]
    add(store, url, site, published, title, "第二版正文。", fields, at="2024-03-20T08:00:00+00:00")
    old = Article(url=url, title=title, body="第一版重新提取。", fields=fields)
    store.replace_version_article(url, 1, old.to_dict(), old.content_hash())
    assert store.search("第一版") == []
    assert urls(store.search("第二版")) == [url]


def test_limit_and_empty_query(store):
    assert len(store.search("教", limit=1)) == 1
    assert store.search("   ") == []


def test_the_cli_pages_through_every_hit_with_a_total_and_readable_times(tmp_path):
    from tests.conftest import run_cli

    db = tmp_path / "many.db"
    with Store(db) as s:
        for n in range(45):
            add(s, f"http://www.ccgp.gov.cn/{n:02d}.htm", "ccgp", f"2026-12-06T17:{n:02d}:00+08:00",
                f"实验室设备采购公告{n:02d}", "实验室设备采购。", {})
    first = run_cli("search", "实验室", "--db", str(db), "--limit", "20")
    assert first.code == 0, first.err
    assert first.out.count("实验室设备采购公告") == 20 and "hits 1–20 of 45; next: --offset 20" in first.out
    assert "2026-12-06 17:" in first.out and "+08:00" not in first.out, "times as `changes` shows them"
    last = run_cli("search", "实验室", "--db", str(db), "--limit", "20", "--offset", "40", "--json")
    assert len(last.json()) == 5 and "hits 41–45 of 45" in last.err and "next" not in last.err
    pages = [run_cli("search", "实验室", "--db", str(db), "--offset", str(o), "--json").json() for o in (0, 20, 40)]
    assert len({h["url"] for page in pages for h in page}) == 45, "every hit on exactly one page"
    bad = run_cli("search", "实验室", "--db", str(db), "--offset", "-1")
    assert bad.code == 1 and "--offset" in bad.err
