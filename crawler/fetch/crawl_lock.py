"""One crawl per site and database at a time: a second `eduwatch crawl` of a site another one holds is refused.

Two crawls of the same site on one database used to both run, each reporting the other's runs as its own
and failing. Each crawl now holds a one-byte POSIX lock per site in `<db>-crawl.lock` for its life (the
kernel drops it when the process ends, however it ends); crawls of different sites still run side by side,
as the scheduler starts them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator

from crawler.errors import EduwatchError


class CrawlBusy(EduwatchError):
    """Another process is crawling one of these sites into this database right now."""


_held: set[tuple[str, str]] = set()  # (database's real path, site) this process holds right now


def holds(db_path: str, site: str) -> bool:
    """This process holds the site's lock: no other crawl of it can be running, so its open runs are dead ones."""
    return (os.path.realpath(db_path), site) in _held


def lock_path(db_path: str) -> str:
    return f"{db_path}-crawl.lock"


@contextlib.contextmanager
def hold_sites(db_path: str, sites: list[str]) -> Iterator[None]:
    """Hold every named site for the block, or raise CrawlBusy naming the first one already held."""
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        for name in sorted(set(sites)):
            offset = zlib.crc32(name.encode("utf-8"))  # a stable byte per site name
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
            except OSError:
                raise CrawlBusy(f"another crawl of site {name!r} is running on {db_path}; wait for it to finish "
                                "(or stop it), then crawl again") from None
        held = {(os.path.realpath(db_path), name) for name in sites} - _held
        _held.update(held)
        try:
            yield
        finally:
            _held.difference_update(held)
    finally:
        os.close(fd)  # releases every lock this process holds on the file
