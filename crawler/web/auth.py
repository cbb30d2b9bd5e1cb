"""Who may read the web view: anyone on this machine, or, bound beyond loopback, who knows the password."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress

from crawler.errors import ServeError

USER = "eduwatch"
REALM = "eduwatch"
CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost reach only this machine; every other address (0.0.0.0 included) does not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def required_password(host: str, password: str | None, password_env: str) -> str | None:
    """The password to demand (None: open to this machine), or ServeError when one is configured but missing
    (on any address: a password the user asked for must never silently fall away) or when binding beyond
    loopback without one: a shared view must never start open."""
    if password:
        return password
    if password_env:
        raise ServeError(f"refusing to serve on {host}: ${password_env} (named by [web] password_env) is not set; "
                         f"export {password_env} with the password, or remove password_env from [web]")
    if is_loopback(host):
        return None
    raise ServeError(f"refusing to serve on {host} without a password: set [web] password_env = \"VAR\" in the "
                     "config and export VAR (HTTP Basic, user eduwatch), or serve on --host 127.0.0.1")


def authorized(header: str | None, password: str) -> bool:
    """Whether an Authorization header carries user eduwatch and the password (compared in constant time)."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, given = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(sep) and hmac.compare_digest(user.encode(), USER.encode()) \
        and hmac.compare_digest(given.encode(), password.encode())
