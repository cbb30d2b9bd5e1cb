"""POST one signed message with urllib and a timeout; no answer at all becomes a RetryableChannelError."""

from __future__ import annotations

import logging
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from crawler.notify.channels.base import Answer, Outgoing, PermanentChannelError, RetryableChannelError

log = logging.getLogger(__name__)

MAX_ANSWER = 64 * 1024  # bytes of an answer read; services answer a few dozen


def where(url: str) -> str:
    """scheme://host/path of an endpoint, without the query: keys and signatures stay out of messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def post(outgoing: Outgoing, timeout: float) -> Answer:
    """Send the request; any HTTP answer (even 4xx/5xx) is returned for the channel kind to judge."""
    if urlsplit(outgoing.url).scheme not in ("http", "https"):
        raise PermanentChannelError(f"{where(outgoing.url)}: not an http(s) URL; fix the channel's url")
    request = urllib.request.Request(outgoing.url, data=outgoing.body, headers=outgoing.headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            return Answer(response.status, response.read(MAX_ANSWER), _lower(response.headers), outgoing.url)
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.read(MAX_ANSWER), _lower(exc.headers), outgoing.url)
    except TimeoutError:
        raise RetryableChannelError(f"no answer from {where(outgoing.url)} within {timeout:g}s; will retry",
                                    unreachable=True) from None
    except urllib.error.URLError as exc:
        raise _network(outgoing.url, exc.reason, timeout) from None
    except OSError as exc:  # reset mid-answer, broken pipe
        raise _network(outgoing.url, exc, timeout) from None


def _network(url: str, reason: object, timeout: float) -> RetryableChannelError:
    if isinstance(reason, TimeoutError):
        text = f"no answer from {where(url)} within {timeout:g}s"
    elif isinstance(reason, ConnectionRefusedError):
        text = f"connection to {where(url)} refused: is the service reachable from here?"
    elif isinstance(reason, socket.gaierror):
        text = f"cannot resolve the host of {where(url)} ({reason}); check the channel's url and DNS"
    else:
        text = f"network error talking to {where(url)}: {reason}"
    return RetryableChannelError(f"{text}; will retry", unreachable=True)


def _lower(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}
