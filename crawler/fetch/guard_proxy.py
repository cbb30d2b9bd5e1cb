"""A SOCKS5 proxy on 127.0.0.1 that the guarded browser connects through (crawler/fetch/browser.py).

The DevTools Fetch domain pauses the browser's HTTP requests, but not its WebSockets (a worker's, or a challenge
page's, where Playwright's socket routes cannot go), and Chromium resolves each name again to connect. Every TCP
connection Chromium opens comes here instead, naming its host (SOCKS5 resolves names at the proxy): the address
guard's rule (AddressRule.destination) judges it, and an allowed one is connected to the very addresses judged,
so a second DNS answer cannot lead it inside either. A refused one gets SOCKS "not allowed by ruleset".
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.fetch.address_guard import AddressRule

logger = logging.getLogger(__name__)
CONNECT_TIMEOUT = 30.0  # seconds to reach a judged address (the browser's own timeout is the same)
_CHUNK = 65536
_OK, _REFUSED, _UNREACHABLE, _UNSUPPORTED = 0, 2, 4, 7  # SOCKS5 reply codes


class GuardProxy:
    """The proxy, serving on its own thread from start() to close(); `on_refused(reason)` is called (from that
    thread) for each connection the rule refuses. A connection to one of `own_hosts` (the browser's own services,
    which no page asks for) is refused without a lookup and counted in `own_refused`, not reported."""

    def __init__(self, rule: AddressRule, on_refused: Callable[[str], None], own_hosts: frozenset[str] = frozenset()):
        self.rule = rule
        self.on_refused = on_refused
        self.own_hosts = own_hosts
        self.own_refused = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> str:
        """Serve, and return the address Chromium's --proxy-server takes."""
        ready, failed = threading.Event(), []
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
            except OSError as exc:
                failed.append(exc)
                ready.set()
                return
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            try:
                self._loop.run_forever()
            finally:
                server.close()
                for task in asyncio.all_tasks(self._loop):
                    task.cancel()
                self._loop.run_until_complete(asyncio.sleep(0))
                self._loop.close()

        self._thread = threading.Thread(target=serve, name="eduwatch-browser-proxy", daemon=True)
        self._thread.start()
        ready.wait()
        if failed:
            self._thread = None
            raise failed[0]
        return f"socks5://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop = self._thread = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        try:
            host, port = await _handshake(reader, writer)
            if host is None:
                return
            if host.lower().rstrip(".") in self.own_hosts and not self.rule.is_own(host, port):
                self.own_refused += 1
                logger.debug("browser proxy: refused the browser's own connection to %s:%s", host, port)
                return await _reply(writer, _REFUSED)
            addresses, refusal = await _off_loop(self.rule.destination, host, port)
            if refusal:
                self.on_refused(refusal)
                return await _reply(writer, _REFUSED)
            upstream = await _connect(addresses, port)
            if upstream is None:
                return await _reply(writer, _UNREACHABLE)
            await _reply(writer, _OK)
            pipes = [asyncio.ensure_future(_pipe(reader, upstream[1])), asyncio.ensure_future(_pipe(upstream[0], writer))]
            _, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)  # one side closed: both end
            for pipe in pending:
                pipe.cancel()
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            logger.debug("browser proxy: %s", exc)
        finally:
            for closing in (writer, upstream[1] if upstream else None):
                if closing is not None:
                    closing.close()


def _off_loop(judge: Callable, host: str, port: int) -> asyncio.Future:
    """Judge a destination (a DNS lookup, blocking) on a daemon thread of its own, not the loop's executor: Chromium
    opens connections of its own (update.googleapis.com, accounts.google.com) whose lookups can hang for the
    resolver's 5–10 s where those names do not resolve, and the interpreter waits at exit for an executor's
    threads — a finished crawl sat 9 s before exiting. A daemon thread is left behind instead."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outcome: tuple) -> None:
        failed, value = outcome
        if future.done():
            return
        if failed:
            future.set_exception(value)
        else:
            future.set_result(value)

    def judge_it() -> None:
        try:
            outcome = (False, judge(host, port))
        except Exception as exc:  # noqa: BLE001 - handed to the waiting connection, which logs it
            outcome = (True, exc)
        with contextlib.suppress(RuntimeError):  # the proxy closed meanwhile: nobody waits for the answer
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=judge_it, name="eduwatch-browser-proxy-lookup", daemon=True).start()
    return future


async def _handshake(reader, writer) -> tuple[str | None, int]:
    """The SOCKS5 greeting (no authentication) and CONNECT request: (host, port), or (None, 0) when refused."""
    version, count = await reader.readexactly(2)
    await reader.readexactly(count)
    if version != 5:
        return None, 0
    writer.write(b"\x05\x00")
    _, command, _, kind = await reader.readexactly(4)
    if kind == 1:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif kind == 4:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif kind == 3:
        host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("idna")
    else:
        await _reply(writer, _UNSUPPORTED)
        return None, 0
    port = int.from_bytes(await reader.readexactly(2), "big")
    if command != 1:  # CONNECT only: no BIND, no UDP
        await _reply(writer, _UNSUPPORTED)
        return None, 0
    return host, port


async def _reply(writer, code: int) -> None:
    writer.write(bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0]))
    await writer.drain()


async def _connect(addresses: list[str], port: int):
    """(reader, writer) to the first of the judged addresses that answers, else None."""
    for address in addresses:
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            return await asyncio.wait_for(asyncio.open_connection(address, port), CONNECT_TIMEOUT)
    return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
