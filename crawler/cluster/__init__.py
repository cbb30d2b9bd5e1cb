"""Many machines: scrapyd crawl nodes, the Redis stream of fetched pages, and the one exactly-once recorder."""
