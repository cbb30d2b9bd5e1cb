"""True/false spider arguments mean the same to every reader, however they arrive: as strings through
`scrapy crawl -a` and scrapyd, as Python bools in process."""

from __future__ import annotations

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.cluster.dispatch import spider_args
from crawler.fetch.address_guard import AddressRule
from crawler.fetch.challenge import ChallengeMiddleware
from crawler.fetch.runner import CrawlPlan
from spiders.generic import GenericSpider

FLAGS = ("render", "allow_private", "expect_browser")


def _readings(args: dict) -> dict[str, bool]:
    """Build the spider as `scrapy crawl generic -a NAME=VALUE` does and ask each reader of a flag what it read."""
    crawler = Crawler(GenericSpider, Settings({"EDUWATCH_REFUSE_PRIVATE_ADDRESSES": True}))
    spider = GenericSpider.from_crawler(crawler, site="s", start_urls="http://127.0.0.1:9/list", **args)
    middleware = ChallengeMiddleware.from_crawler(crawler)
    return {"render": spider.render, "allow_private": AddressRule.for_spider(spider).allow_private,
            "expect_browser": middleware.browser_expected(spider)}


@pytest.mark.parametrize(("value", "expected"), [
    ("false", False), ("False", False), ("0", False), ("", False), ("no", False),
    ("true", True), ("True", True), ("1", True), (" TRUE ", True), (True, True), (False, False),
], ids=repr)
def test_every_reader_takes_a_flag_the_same_way(value, expected):
    assert _readings(dict.fromkeys(FLAGS, value)) == dict.fromkeys(FLAGS, expected)


def test_flags_sent_to_a_cluster_node_are_read_as_sent():
    """The dispatcher sends a site's bools as scrapyd strings ("True"); the node's spider reads them back as true."""
    sent = spider_args(CrawlPlan("s", "generic", dict.fromkeys(FLAGS, True)), token="t", node="n")
    assert {name: sent[name] for name in FLAGS} == dict.fromkeys(FLAGS, "True")
    assert _readings({name: sent[name] for name in FLAGS}) == dict.fromkeys(FLAGS, True)


def test_an_absent_flag_is_false():
    assert _readings({}) == dict.fromkeys(FLAGS, False)
