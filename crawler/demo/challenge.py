"""JavaScript challenges in front of a demo site: a 瑞数-style HTTP 412 and a 加速乐-style HTTP 521 replica.

Built from the public descriptions of both WAFs. The first answer carries a server cookie and a script; the
script decodes a per-visit nonce, hashes it with `navigator.userAgent` (so the clearance is bound to the
browser that solved it, as the real ones are) and stores the result in a cookie, then reloads. The server
recomputes the hash and lets the request through only when it matches, for `max_uses` requests or `ttl`
seconds: the cookie expires mid-crawl, as real ones do. Nothing short of running the script passes.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

from crawler.demo.content import Page

RS_SERVER_COOKIE = "FSSBBIl1UgzbN7N80S"  # the pair of names 瑞数 sets on port 80 sites (server half, script half)
RS_SCRIPT_COOKIE = "FSSBBIl1UgzbN7N80T"
JSL_SERVER_COOKIE = "__jsluid_h"
JSL_SCRIPT_COOKIE = "__jsl_clearance"
ROUNDS = 64  # hash rounds: trivial for a JavaScript engine, there only so the value is computed, not copied
MODES = ("412", "521")


def clearance(nonce: str, user_agent: str, salt: str) -> str:
    """The value the challenge script computes: FNV-1a (32 bit) over nonce|UA|salt, ROUNDS times, in hex."""
    x = 0x811C9DC5
    text = f"{nonce}|{user_agent}|{salt}"
    for _ in range(ROUNDS):
        for char in text:
            x ^= ord(char)
            x = (x * 0x01000193) & 0xFFFFFFFF
    return format(x, "x")


_HASH_JS = ("function h(s){var x=0x811c9dc5;for(var r=0;r<ROUNDS;r++){for(var i=0;i<s.length;i++){"
            "x^=s.charCodeAt(i);x=Math.imul(x,0x01000193)>>>0;}}return x.toString(16);}").replace("ROUNDS", str(ROUNDS))


def _encoded(nonce: str, key: int) -> str:
    return ",".join(str(ord(c) ^ key) for c in nonce)


def _rs_page(nonce: str, key: int, salt: str) -> bytes:
    """瑞数's shape: a `$_ts` object filled inline, a script that sets the T cookie and reloads."""
    script = (f"$_ts=window['$_ts']||{{}};$_ts.nsd={random.randint(10000, 99999)};"
              f"$_ts.cd=[{_encoded(nonce, key)}];$_ts.k={key};$_ts.s='{salt}';"
              f"{_HASH_JS}"
              "(function(){var n='';for(var i=0;i<$_ts.cd.length;i++){n+=String.fromCharCode($_ts.cd[i]^$_ts.k);}"
              f"document.cookie='{RS_SCRIPT_COOKIE}='+h(n+'|'+navigator.userAgent+'|'+$_ts.s)+'; path=/';"
              "setTimeout(function(){location.reload();},20);})();")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Pragma" content="no-cache">'
            f'<script type="text/javascript">{script}</script></head><body></body></html>').encode()


def _jsl_page(nonce: str, key: int, salt: str) -> bytes:
    """加速乐's shape: a script that assembles `__jsl_clearance` and sends the browser back to the same URL."""
    name = "+".join(f"('{c}')" for c in JSL_SCRIPT_COOKIE + "=")
    script = (f"{_HASH_JS}var c=[{_encoded(nonce, key)}],n='';for(var i=0;i<c.length;i++){{n+=String.fromCharCode(c[i]^{key});}}"
              f"document.cookie={name}+h(n+'|'+navigator.userAgent+'|{salt}')+';max-age=3600;path=/';"
              "location.href=location.pathname+location.search;")
    return f"<script>{script}</script>".encode()


@dataclass
class _Pass:
    nonce: str
    salt: str
    issued: float
    uses: int = 0
    expected: dict[str, str] = field(default_factory=dict)  # User-Agent → its clearance, computed once

    def clearance_for(self, user_agent: str) -> str:
        """What the script computes for this UA. Computed once per visit and UA, as a real WAF checks a signed
        cookie in microseconds: hashing again on every request made the replica, not the crawler, the bottleneck
        of a 200-page benchmark (0.7 ms of Python per request)."""
        if user_agent not in self.expected:
            self.expected[user_agent] = clearance(self.nonce, user_agent, self.salt)
        return self.expected[user_agent]


class ChallengeGate:
    """Answers requests without a valid clearance with the challenge; counts what it issued and let through."""

    def __init__(self, mode: str = "412", max_uses: int = 0, ttl: float = 0.0):
        if mode not in MODES:
            raise ValueError(f"unknown challenge mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode, self.max_uses, self.ttl = mode, max_uses, ttl
        self._passes: dict[str, _Pass] = {}  # server cookie value → the visit it was issued to
        self._lock = threading.Lock()
        self.issued = 0  # challenge pages sent
        self.cleared = 0  # distinct clearances that were accepted at least once
        self.passed = 0  # requests let through

    @property
    def names(self) -> tuple[str, str]:
        return (RS_SERVER_COOKIE, RS_SCRIPT_COOKIE) if self.mode == "412" else (JSL_SERVER_COOKIE, JSL_SCRIPT_COOKIE)

    def check(self, cookie_header: str | None, user_agent: str) -> Page | None:
        """None lets the request through; otherwise the challenge page to answer with."""
        server_name, script_name = self.names
        cookies = _parse(cookie_header)
        with self._lock:
            visit = self._passes.get(cookies.get(server_name, ""))
            if visit and cookies.get(script_name) == visit.clearance_for(user_agent):
                if self._fresh(visit):
                    self.cleared += visit.uses == 0
                    visit.uses += 1
                    self.passed += 1
                    return None
                del self._passes[cookies[server_name]]  # expired: the next answer is a new challenge
            return self._challenge()

    def _fresh(self, visit: _Pass) -> bool:
        if self.max_uses and visit.uses >= self.max_uses:
            return False
        return not (self.ttl and time.monotonic() - visit.issued > self.ttl)

    def _challenge(self) -> Page:
        ticket, nonce, salt = secrets.token_hex(12), secrets.token_hex(8), secrets.token_hex(4)
        self._passes[ticket] = _Pass(nonce, salt, time.monotonic())
        self.issued += 1
        server_name, _ = self.names
        key = random.randint(1, 255)
        body = _rs_page(nonce, key, salt) if self.mode == "412" else _jsl_page(nonce, key, salt)
        headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                   "Set-Cookie": f"{server_name}={ticket}; path=/; HttpOnly"}
        return Page(int(self.mode), headers, body)


def _parse(header: str | None) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
