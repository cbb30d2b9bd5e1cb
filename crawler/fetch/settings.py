"""Every Scrapy and eduwatch setting, with its default and why; the CLI and `-s NAME=VALUE` override them."""

import os

BOT_NAME = "eduwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# An honest User-Agent naming the tool, so site operators can tell who is knocking.
USER_AGENT = "eduwatch/0.1 (change tracker for public education notices; +https://github.com/eduwatch/eduwatch)"

# Politeness: obey robots.txt, two requests at a time per site, a delay, and AutoThrottle on top.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_ITEMS = 4  # items are handled one page at a time anyway; Scrapy's 100 costs ~12% CPU in task setup
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 % around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Timeouts and retries: government sites are slow and flaky; a failed fetch is recorded, never fatal.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # bigger pages are refused and logged as errors
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
REDIRECT_MAX_TIMES = 10  # a redirect loop ends as a recorded error
# A request (redirect hop, followed link, attachment, API page) to a loopback/private/link-local/reserved
# address on another origin than the site's configured URLs is refused as a fetch error
# (crawler/fetch/address_guard.py); a site opts out with allow_private = true.
EDUWATCH_REFUSE_PRIVATE_ADDRESSES = True
# Connections go to the addresses the guard judged, not to a second DNS answer (DNS rebinding); other hosts
# resolve as with Scrapy's default resolver (crawler/fetch/pinned_resolver.py).
TWISTED_DNS_RESOLVER = "crawler.fetch.pinned_resolver.PinnedResolver"

# Conditional requests: the database keeps each page's ETag / Last-Modified, and every article request that
# has them asks "changed since?" (crawler/fetch/validators.py). Every fetch goes to the site: a 304 comes
# from the site itself and reuses the stored reading; a 5xx or a timeout is recorded as the error it is.
# Scrapy's HTTP cache is off: it writes several pickled files per response and reads them back on every 304,
# only to hand over bytes whose reading the database already holds (bench/throughput.py measures both).
# Turned back on (HTTPCACHE_ENABLED=true),
# it revalidates every fetch too (Cache-Control: max-age=0 below), and TrackerCachePolicy keeps it from
# answering a 5xx or a timeout with its copy; the database's validators then step aside.
EDUWATCH_CONDITIONAL_REQUESTS = True
HTTPCACHE_ENABLED = False
HTTPCACHE_POLICY = "crawler.fetch.httpcache.TrackerCachePolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_DIR = os.path.abspath(".eduwatch-httpcache")  # the CLI puts it beside the database
HTTPCACHE_GZIP = True
DOWNLOADER_MIDDLEWARES = {  # the stock cache middleware also serves cached pages on timeouts: replaced
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    "crawler.fetch.httpcache.TrackerCacheMiddleware": 900,
    "crawler.fetch.validators.ConditionalRequestMiddleware": 850,
    "crawler.fetch.address_guard.AddressGuardMiddleware": 50,  # before robots.txt, so no robots fetch either
    # after the cookie jar (700): adds a cleared JavaScript challenge's cookies and User-Agent to what it sent
    "crawler.fetch.challenge.ChallengeMiddleware": 750,
}
HTTPCACHE_IGNORE_HTTP_CODES = [301, 302, 303, 307, 308, 404, 410, 412, 429, 500, 502, 503, 504, 521]
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Cache-Control": "max-age=0",
}

# Where fetched pages go: the database, or on a crawl node (EDUWATCH_STREAM set, below) the Redis stream. Only
# the one in use is listed, so a single-machine crawl does not log "Disabled …StreamPipeline" for every site.
SNAPSHOT_PIPELINES = {"crawler.fetch.pipelines.SnapshotPipeline": 300}
STREAM_PIPELINES = {"crawler.cluster.node_pipeline.StreamPipeline": 300}
ITEM_PIPELINES = STREAM_PIPELINES if os.environ.get("EDUWATCH_STREAM") else SNAPSHOT_PIPELINES
EXTENSIONS = {"crawler.fetch.progress.ProgressReporter": 500}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python sent to a localhost HTTP port and writes job files under the
# user's profile: an unattended tracker needs neither the open port nor the files.
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"

# eduwatch's own settings.
EDUWATCH_DB = os.environ.get("EDUWATCH_DB", "eduwatch.db")  # the snapshot database file
EDUWATCH_CONFIG = None  # path of eduwatch.toml; None means ./eduwatch.toml when present
EDUWATCH_CONFIG_OBJECT = None  # the validated Config, set by `eduwatch crawl` (then the file is not read again)
EDUWATCH_PROGRESS_INTERVAL = 10.0  # seconds between progress lines on stderr; 0 turns them off
# Record pages (extract, diff, SQLite) in a worker process beside the crawl, which keeps Scrapy's core free
# for fetching (bench/throughput.py); False records in the crawl process itself.
EDUWATCH_RECORD_WORKER = True

# Cluster mode. On a crawl node (`eduwatch node` sets EDUWATCH_STREAM for the crawls scrapyd starts) pages go
# to this Redis stream instead of a database; `eduwatch record` records them.
EDUWATCH_STREAM = os.environ.get("EDUWATCH_STREAM", "")
EDUWATCH_STREAM_RETRY_SECONDS = 60.0  # how long a node retries a message while Redis is away before failing
EDUWATCH_STREAM_MAX_WAITING = 50_000  # a node holds pages back while the stream holds more entries than this

# Attachments (pdf, docx, xlsx, ...) an article links are downloaded in the same crawl, up to this size each
# (Scrapy's per-request download_maxsize); 0 downloads none. The CLI sets it from [crawl] attachment_max_mb.
EDUWATCH_ATTACHMENT_MAX_MB = 20

# JavaScript challenges (HTTP 412 瑞数, 521 加速乐) are cleared in a real browser when met, and `render = true`
# sites' list pages are read from it (crawler/fetch/challenge.py). The CLI sets EDUWATCH_BROWSER from
# [crawl] browser; None starts the first Chromium on PATH.
EDUWATCH_BROWSER = None
EDUWATCH_CLEARANCES = None  # file the clearances are kept in between crawls; the CLI puts it beside the database
EDUWATCH_CHALLENGE_TRIES = 3  # clearances one request may wait for before its challenge counts as a fetch error
