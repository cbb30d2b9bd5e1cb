"""Named errors raised by the snapshot database; the CLI turns them into messages."""

from __future__ import annotations

import errno

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF) that no retry or per-page fallback can help.
# (SQLITE_NOTADB is left to the open error: a file that is no database at all is a wrong --db, not damage.)
_SQLITE_CORRUPT, _SQLITE_FULL = 11, 13


class StorageError(Exception):
    """The database cannot be opened or used (unwritable path, not a database, bad input)."""


class NotFoundError(StorageError, LookupError):
    """A page, version, raw blob, change or alert that was asked for does not exist."""


class FatalStorageError(StorageError):
    """A failure every later write would repeat: the crawl or recorder must stop rather than lose pages."""


class DiskFull(FatalStorageError):
    """A write failed for lack of space (SQLITE_FULL, ENOSPC): nothing more can be stored until space is freed."""


class DatabaseDamaged(FatalStorageError):
    """SQLite found the file corrupt (SQLITE_CORRUPT: "database disk image is malformed")."""


def fatal_error(exc: BaseException, path: object = "the database") -> FatalStorageError | None:
    """The named fatal error an exception stands for (disk full, damaged file), None for any other failure.
    The message never carries the failed statement's parameters (a page's bytes), only what to do."""
    if isinstance(exc, FatalStorageError):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if code == _SQLITE_FULL or "database or disk is full" in text or \
            (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)):
        return DiskFull(f"disk full: no space left on the disk holding {path}, so nothing more can be stored (a crawl "
                        "stops at its first failed write; nothing is half-written, a run that lost pages is marked "
                        "failed); free some space, or move the database (--db), and run it again")
    if code == _SQLITE_CORRUPT or "malformed" in text:
        return DatabaseDamaged(f"the database file is damaged: {path} ({str(exc).splitlines()[0][:120]}); restore "
                               "it from a backup, or run `sqlite3 DB '.recover' | sqlite3 NEW.db` and point --db at "
                               "the recovered copy")
    return None
