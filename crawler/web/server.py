"""The read-only web view (`eduwatch serve`): changes, page histories, diffs, search and alerts over HTTP.

    from crawler.web.server import make_server, serve
    server = make_server("eduwatch.db", port=0); server.start(); print(server.url); ...; server.stop()

Standard library only (http.server). Each request opens its own Store: a Store stays in its thread.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crawler.clock import parse_when
from crawler.config import Config
from crawler.errors import ConfigError, EduwatchError, ServeError
from crawler.logsetup import ensure_stderr_logging
from crawler.model import ChangeKind
from crawler.track.compare import VersionNotStored, compare_versions
from crawler.web import auth, projects_page, subscribed
from crawler.web import templates as t
from crawler.web.calendar import ics
from crawler.web.feed import FeedFilter, atom_feed
from crawler.web.request import HTTPProblem, Request, Response, bad_request, known_kind, not_found
from crawler.web.widgets import Paging, compare_form, digest_page, pager, state_mark
from storage import NotFoundError, StorageError, Store

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 100  # changes shown on the home page unless ?limit= says otherwise
MAX_LIMIT = 5000
SEARCH_LIMIT = 50  # search results per page
SEARCH_CAP = 1000  # search stops counting hits here ("至少 1000 条")
# no scripts at all, styles inline only: a page text that slipped through escaping still could not run
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class App:
    """Routes a request to a page; turns every failure into an error page, never a traceback."""

    def __init__(self, db_path: str | Path, config: Config | None = None):
        self.db_path = Path(db_path)
        self.config = config or Config(path=None)
        self.zone = self.config.display.timezone  # every time on a page is shown, and a naive ?since= read, in it
        self.routes = {"/": self.home, "/page": self.page, "/diff": self.diff, "/search": self.search,
                       "/alerts": self.alerts, "/alert": self.alert, "/feed.atom": self.feed, "/bids.ics": self.bids}
        self.routes.update(projects_page.routes(self))

    def handle(self, target: str) -> Response:
        try:
            request = Request.parse(target)
            route = self.routes.get(request.path.rstrip("/") or "/")
            if route is None:
                raise not_found(f"没有这个页面：{request.path}。可用页面：/、/page、/diff、/search、/alerts、/alert、/projects、/project、/feed.atom、/bids.ics。")
            answer = route(request)
            return answer if isinstance(answer, Response) else Response(200, answer)
        except HTTPProblem as problem:
            return Response(problem.status, t.error_page(problem.status, problem.title, problem.message))
        except ConfigError as exc:  # the request names no configured entry (?subscription=nobody)
            return Response(400, t.error_page(400, "参数错误", str(exc)))
        except StorageError as exc:
            logger.warning("web view: database problem: %s", exc)
            return Response(500, t.error_page(500, "数据库错误", str(exc)))
        except Exception:
            logger.exception("web view: error answering %s", target)
            return Response(500, t.error_page(500, "内部错误", "处理请求时出错，详情见服务器日志。"))

    def store(self) -> Store:
        """A Store for this request; a missing file is a page telling the user to crawl first."""
        if not self.db_path.is_file():
            raise HTTPProblem(503, "没有数据库",
                              f"数据库 {self.db_path} 不存在。请先运行 `eduwatch crawl` 抓取站点，"
                              "或用 --db / EDUWATCH_DB 指向已有的数据库。"
                              f" No database at {self.db_path}: run `eduwatch crawl` first.")
        return Store(self.db_path, readonly=True)

    # --- pages ------------------------------------------------------------------------------------

    def home(self, req: Request) -> str:
        limit = req.integer("limit") or DEFAULT_LIMIT
        if limit > MAX_LIMIT:
            raise bad_request(f"limit 最大为 {MAX_LIMIT}。 limit must be at most {MAX_LIMIT}.")
        site, kind, since, number = req.get("site"), known_kind(req.get("kind")), req.get("since"), req.integer("page") or 1
        with self.store() as store:
            try:
                when = parse_when(since, zone=self.zone)
                paging = Paging(store.count_changes(since=when, site=site, kind=kind), number, limit)
                rows = store.changes(since=when, site=site, kind=kind, limit=limit, offset=paging.offset)
            except (EduwatchError, StorageError) as exc:
                raise bad_request(f"since={since!r} 不是时间：{exc}") from exc
            sites = sorted({p["site"] for p in store.pages() if p["site"]} | {r["site"] for r in rows if r["site"]})
        kinds = list(ChangeKind) + sorted({r["kind"] for r in rows} - set(ChangeKind))
        nav = pager("/", paging, site=site, kind=kind, since=since, limit=req.get("limit"))
        return t.changes_page(rows, sites=sites, kinds=kinds, site=site, kind=kind, since=since,
                              labels=self.labels(), pager=nav, zone=self.zone)

    def labels(self) -> dict[str, str]:
        """Site name → the label people know it by ([[sites]] label)."""
        return self.config.site_labels()

    def page(self, req: Request) -> str:
        url = req.required("url", "/page?url=http://www.moe.gov.cn/…")
        wanted = req.integer("v")
        with self.store() as store:
            page = store.page(url)
            if page is None:
                raise not_found(f"数据库中没有这个网址：{url}。先抓取它：eduwatch crawl --url {url}")
            versions, failing = store.versions(url), store.attachment_errors(url)
        shown = _pick(url, versions, wanted) if versions else None
        return t.page_view(page, versions, shown, compare_form(url, versions),
                           self.labels().get(page.get("site")), zone=self.zone, attachment_errors=failing)

    def diff(self, req: Request) -> str:
        url = req.required("url", "/diff?url=http://www.moe.gov.cn/…&from=1&to=2")
        to_v, from_v = req.integer("to"), req.integer("from")
        with self.store() as store:
            if store.page(url) is None:
                raise not_found(f"数据库中没有这个网址：{url}。先抓取它：eduwatch crawl --url {url}")
            versions = store.versions(url)
            if not versions or (len(versions) < 2 and not (from_v or to_v)):
                raise not_found(f"{url} 只存有 {len(versions)} 个版本，没有可比较的差异。")
            try:
                result = compare_versions(url, versions, from_v, to_v, store.attachment_document)
            except VersionNotStored as exc:
                stored = f"v{exc.stored[0]}…v{exc.stored[-1]}" if exc.stored else "无"
                raise not_found(f"{url} 没有版本 v{exc.wanted}；已存版本：{stored}。") from None
        _, diff_html, summary = result.rendered()
        return t.diff_page(url, result.new.get("title") or url, result.from_version, result.to_version,
                           None if result.same else summary, None if result.same else diff_html,
                           compare_form(url, versions, result.from_version, result.to_version))

    def search(self, req: Request) -> str:
        query, site, number = req.get("q") or "", req.get("site"), req.integer("page") or 1
        with self.store() as store:
            found = store.search(query, site=site, limit=SEARCH_CAP) if query else []
            paging = Paging(len(found), number, SEARCH_LIMIT, capped=len(found) >= SEARCH_CAP)
            hits = found[paging.offset:paging.offset + SEARCH_LIMIT]
            marks = {h["url"]: state_mark((store.page(h["url"]) or {}).get("state")) for h in hits}
            sites = sorted({p["site"] for p in store.pages() if p["site"]})
        return t.search_page(query, site, sites, hits, labels=self.labels(), marks=marks,
                             pager=pager("/search", paging, q=query, site=site), zone=self.zone)

    def alerts(self, req: Request) -> str:
        with self.store() as store:
            alerts, queued = store.alerts(), store.pending_digests() + store.pending_channel_digests()
            ids = {i for a in alerts for i in a.get("change_ids") or []} | {i for d in queued for i in d["change_ids"]}
            changes = {}
            for change_id in ids:
                try:
                    changes[change_id] = store.change(change_id)
                except NotFoundError:
                    continue  # shown as its bare id
        return t.alerts_page(alerts, queued, changes, zone=self.zone)

    def alert(self, req: Request) -> str:
        """One digest: what it carries and the text its recipients were (or will be) sent."""
        from crawler.notify.digest import ordered, render_text

        wanted = req.integer("id") or req.required("id", "/alert?id=1")
        with self.store() as store:
            try:
                alert = store.alert(wanted)
            except NotFoundError:
                raise not_found(f"没有编号为 {wanted} 的提醒；/alerts 列出全部提醒。") from None
            changes, reasons = [], store.alert_reasons(alert)  # the keywords and subscriptions behind each change
            for change_id in alert.get("change_ids") or []:
                try:
                    change = store.change(change_id)
                    why = {"matched_keywords": reasons[change_id]["matched"],
                           "subscriptions": reasons[change_id]["subscriptions"]} if change_id in reasons else {}
                    changes.append({**change, **why, "also_on": store.copies(change["url"])[1]})  # the same notice elsewhere
                except NotFoundError:
                    continue
        items = ordered(changes)
        text = render_text(items, self.labels(), zone=self.zone, base_url=self.config.web_base_url)
        return digest_page(alert, items, text, self.zone)


    def feed(self, req: Request) -> Response:
        """Atom feed of changes with the CLI's filters (?site=&kind=&keyword=&subscription=)."""
        flt = FeedFilter(site=req.get("site"), kind=known_kind(req.get("kind")), keyword=req.get("keyword"),
                         subscription=req.get("subscription"))
        with self.store() as store:
            changes = subscribed.feed_changes(store, self.config, flt)
        base = self.config.web_base_url
        self_url = f"{base}/feed.atom" + (f"?{flt.query()}" if flt.query() else "") if base else None
        return Response(200, atom_feed(changes, flt=flt, web_base=base, self_url=self_url),
                        "application/atom+xml; charset=utf-8")

    def bids(self, req: Request) -> Response:
        """The bid-deadline calendar (?site=&subscription=), for calendar apps to subscribe to."""
        with self.store() as store:
            events = subscribed.calendar(store, self.config, req.get("site"), req.get("subscription"))
        return Response(200, ics(events, zone=self.zone), "text/calendar; charset=utf-8")


def _pick(url: str, versions: list[dict], number: int | None) -> dict:
    """The asked-for version (default the latest), or a 404 naming the stored range."""
    if number is None:
        return versions[-1]
    for v in versions:
        if v["version"] == number:
            return v
    stored = f"v{versions[0]['version']}…v{versions[-1]['version']}" if versions else "无"
    raise not_found(f"{url} 没有版本 v{number}；已存版本：{stored}。")


# --- HTTP -----------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD only: the view never writes."""

    server_version = "eduwatch"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        password = self.server.password
        extra = {}
        if password is None or auth.authorized(self.headers.get("Authorization"), password):
            response = self.server.app.handle(self.path)
        else:
            response = Response(401, t.error_page(401, "需要登录", "请以用户 eduwatch 和管理员设置的密码登录。"
                                                  " Log in as user eduwatch with the password you were given."))
            extra["WWW-Authenticate"] = auth.CHALLENGE
        body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        self.send_response(response.status)
        for name, value in {"Content-Type": response.content_type, "Content-Length": str(len(body)),
                            "Cache-Control": "no-store", **SECURITY_HEADERS, **extra}.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's signature)
        logger.info("%s %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    app: App
    password: str | None = None  # HTTP Basic password (user eduwatch); None serves without one

    def handle_error(self, request, client_address) -> None:
        """A browser that hangs up mid-answer is routine: one log line, not a traceback on stderr."""
        problem = sys.exc_info()[1]
        if isinstance(problem, ConnectionError | TimeoutError):
            logger.info("web view: connection from %s ended early: %s", client_address[0], problem)
        else:
            logger.exception("web view: error serving %s", client_address[0])


class WebServer:
    """The listening server: `.url`, and either serve_forever()/shutdown() or start()/stop() (a thread)."""

    def __init__(self, db_path: str | Path, host: str = "127.0.0.1", port: int = 0, *,
                 password: str | None = None, config: Config | None = None):
        try:
            self.httpd = _HTTPServer((host, port), Handler)
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc}; fix: choose another --port "
                             "(or stop what uses it) and a --host this machine has") from exc
        self.httpd.app = App(db_path, config)
        self.httpd.password = password
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def shutdown(self) -> None:
        """Stop serving (call from another thread than serve_forever's) and release the port."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="eduwatch-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def make_server(db_path: str | Path, host: str = "127.0.0.1", port: int = 0, *,
                password: str | None = None, config: Config | None = None) -> WebServer:
    """A server bound to host:port (0 picks a free port), not yet serving; with a password it answers
    401 to any request without user eduwatch and that password."""
    return WebServer(db_path, host, port, password=password, config=config)


def serve(db_path: str, host: str, port: int, config: Config | None = None) -> int:
    """Serve until SIGINT or SIGTERM; returns 0 (the CLI's exit code). Beyond loopback it needs
    [web] password_env, and refuses to start (ServeError) without it."""
    config = config or Config(path=None)
    password = auth.required_password(host, config.web_password(), config.web_password_env)
    ensure_stderr_logging(zone=config.display.timezone)
    server = make_server(db_path, host, port, password=password, config=config)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        logger.info("serving %s at %s (read-only%s; Ctrl-C stops)", db_path, server.url,
                    ", password required (user eduwatch)" if password else "")
        while not stop.wait(0.5):
            pass
        logger.info("stopping the web view")
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
