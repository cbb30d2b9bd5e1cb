"""Scrapy glue: settings, the runner, the one item pipeline, the cache policy, the progress line."""
