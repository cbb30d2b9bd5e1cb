"""A local stand-in for WeCom, DingTalk, Feishu and a webhook receiver: answers as each service does,
checks signatures with its own code (never eduwatch's), records every request, and fails on demand.

    with ChatService(secrets={"dingtalk": "SEC..."}) as service:
        url = service.url("dingtalk")          # http://127.0.0.1:PORT/robot/send?access_token=...
        service.fail("503", times=2)           # the next two requests get 503, then it recovers
        service.accepted("dingtalk")           # the messages the robot accepted, in order
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WECOM_KEY = "wecom-key-1234"
DINGTALK_TOKEN = "dingtalk-token-5678"
FEISHU_HOOK = "feishu-hook-9abc"
PATHS = {
    "wecom": f"/cgi-bin/webhook/send?key={WECOM_KEY}",
    "dingtalk": f"/robot/send?access_token={DINGTALK_TOKEN}",
    "feishu": f"/open-apis/bot/v2/hook/{FEISHU_HOOK}",
    "webhook": "/hooks/eduwatch",
}
_SUCCESS = {
    "wecom": [{"errcode": 0, "errmsg": "ok"}],
    "dingtalk": [{"errcode": 0, "errmsg": "ok"}],
    "feishu": [{"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}],
    "webhook": [{"received": True}],
}
FAIL_MODES = ("503", "timeout", "errcode", "ratelimit", "badkey", "nocode", "hold")


@dataclass
class Received:
    """One request as the service saw it, and what it answered."""

    kind: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    body: dict | None
    accepted: bool = False
    answer: dict = field(default_factory=dict)
    status: int = 200


def _dingtalk_expected(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), (timestamp + "\n" + secret).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _feishu_expected(secret: str, timestamp: str) -> str:
    digest = hmac.new((timestamp + "\n" + secret).encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class ChatService:
    """The four services on one 127.0.0.1 port (0 = any free port)."""

    def __init__(self, secrets: dict[str, str] | None = None):
        self.secrets = dict(secrets or {})  # kind -> signing secret the robot is configured with
        self.received: list[Received] = []
        self.mode: str | None = None
        self.fail_left: int | None = None  # None: fail until heal()
        self.release = threading.Event()  # set to let "timeout" requests go (they get a 503 afterwards)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    # --- control --------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, kind: str) -> str:
        return self.base + PATHS[kind]

    def fail(self, mode: str, times: int | None = None) -> None:
        """Answer the next `times` requests (all, when None) with `mode`, one of FAIL_MODES."""
        assert mode in FAIL_MODES, mode
        with self.lock:
            self.mode, self.fail_left = mode, times
            self.release.clear()

    def heal(self) -> None:
        with self.lock:
            self.mode, self.fail_left = None, None
        self.release.set()

    def accepted(self, kind: str | None = None) -> list[Received]:
        return [r for r in self.received if r.accepted and (kind is None or r.kind == kind)]

    def start(self) -> ChatService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def __enter__(self) -> ChatService:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- answering ------------------------------------------------------------------------------

    def _take_failure(self) -> str | None:
        with self.lock:
            mode = self.mode
            if mode is not None and self.fail_left is not None:
                self.fail_left -= 1
                if self.fail_left <= 0:
                    self.mode, self.fail_left = None, None
            return mode

    def answer(self, request: Received) -> tuple[int, dict, dict[str, str]]:
        """(status, JSON answer, extra headers) the real service would give."""
        mode = self._take_failure()
        if mode == "hold":  # the message is posted in the group, but the answer never reaches the sender
            status, answer, extra = getattr(self, f"_{request.kind}")(request, None)
            request.status, request.answer = status, answer
            request.accepted = answer in _SUCCESS[request.kind] and status == 200
            with self.lock:
                self.received.append(request)
            self.release.wait(60)
            return status, answer, extra
        if mode == "timeout":
            self.release.wait(30)
            return 503, {"errcode": -1, "errmsg": "late"}, {}
        if mode == "503":
            return 503, {"message": "Service Unavailable"}, {}
        if mode == "nocode":
            return 200, {"ok": True}, {}
        return getattr(self, f"_{request.kind}")(request, mode)

    def _wecom(self, r: Received, mode: str | None) -> tuple[int, dict, dict]:
        if mode == "badkey" or r.query.get("key") != [WECOM_KEY]:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [x]"}, {}
        if mode == "ratelimit":
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}
        if mode == "errcode":
            return 200, {"errcode": -1, "errmsg": "system busy"}, {}
        content = ((r.body or {}).get("markdown") or {}).get("content")
        if (r.body or {}).get("msgtype") != "markdown" or not isinstance(content, str) or not content:
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}, {}
        if len(content.encode("utf-8")) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, {}
        return 200, {"errcode": 0, "errmsg": "ok"}, {}

    def _dingtalk(self, r: Received, mode: str | None) -> tuple[int, dict, dict]:
        if mode == "badkey" or r.query.get("access_token") != [DINGTALK_TOKEN]:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}, {}
        secret = self.secrets.get("dingtalk")
        if secret:
            timestamp, sign = (r.query.get("timestamp") or [""])[0], (r.query.get("sign") or [""])[0]
            fresh = timestamp.isdigit() and abs(int(timestamp) / 1000 - time.time()) < 3600
            if not fresh or not hmac.compare_digest(sign, _dingtalk_expected(secret, timestamp)):
                return 200, {"errcode": 310000, "errmsg": "sign not match, more: [x]"}, {}
        if mode == "ratelimit":
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, {}
        if mode == "errcode":
            return 200, {"errcode": -1, "errmsg": "系统繁忙"}, {}
        markdown = (r.body or {}).get("markdown") or {}
        if (r.body or {}).get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 markdown"}, {}
        return 200, {"errcode": 0, "errmsg": "ok"}, {}

    def _feishu(self, r: Received, mode: str | None) -> tuple[int, dict, dict]:
        if mode == "badkey" or r.path != urlsplit(PATHS["feishu"]).path:
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}, {}
        body = r.body or {}
        secret = self.secrets.get("feishu")
        if secret:
            timestamp, sign = body.get("timestamp"), body.get("sign")
            fresh = isinstance(timestamp, str) and timestamp.isdigit() and abs(int(timestamp) - time.time()) < 3600
            if not fresh or not isinstance(sign, str) or not hmac.compare_digest(sign, _feishu_expected(secret, timestamp)):
                return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}, {}
        if mode == "ratelimit":
            return 200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]"}, {}
        if mode == "errcode" or len(r.raw) > 20 * 1024 or body.get("msg_type") not in ("post", "interactive", "text"):
            return 200, {"code": 9499, "msg": "Bad Request", "data": {}}, {}
        return 200, {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}, {}

    def _webhook(self, r: Received, mode: str | None) -> tuple[int, dict, dict]:
        secret = self.secrets.get("webhook")
        if secret:
            want = "sha256=" + hmac.new(secret.encode(), r.raw, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(r.headers.get("x-eduwatch-signature", ""), want):
                return 401, {"error": "bad signature"}, {}
        if mode == "badkey":
            return 404, {"error": "no such hook"}, {}
        if mode == "ratelimit":
            return 429, {"error": "slow down"}, {"Retry-After": "120"}
        if mode == "errcode":
            return 500, {"error": "boom"}, {}
        if not {"site", "run", "changes"} <= set(r.body or {}):
            return 422, {"error": "site, run and changes are required"}, {}
        return 200, {"received": True}, {}

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                kind = next((k for k, p in PATHS.items() if urlsplit(p).path.split("/")[1] == parts.path.split("/")[1]),
                            "webhook")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                record = Received(kind, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()},
                                  raw, body if isinstance(body, dict) else None)
                status, answer, extra = service.answer(record)
                if not any(r is record for r in service.received):  # a held request was recorded when it was accepted
                    record.status, record.answer = status, answer
                    record.accepted = answer in _SUCCESS[kind] and status == 200
                    with service.lock:
                        service.received.append(record)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the "timeout" mode): nothing to answer

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's signature)
                return

        return Handler
