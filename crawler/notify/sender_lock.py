"""One delivering process per database at a time, so two crawls ending together never send one alert twice."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_SUFFIX = "-deliver.lock"  # beside the database, like the scheduler's `-jobs.sqlite.lock`


@contextlib.contextmanager
def one_sender(db_path: str | Path) -> Iterator[None]:
    """Hold `<db>-deliver.lock` while delivering: a second process waits, then finds the alerts already sent
    (an alert is marked sent before the lock is let go). A folder we cannot write delivers unlocked."""
    path = f"{db_path}{LOCK_SUFFIX}"
    try:
        handle = open(path, "a")
    except OSError as exc:
        log.debug("no delivery lock at %s (%s): delivering without it", path, exc)
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
