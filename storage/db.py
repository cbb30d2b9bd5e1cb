"""Opening the SQLite file (WAL, busy timeout, foreign keys) and write transactions (BEGIN IMMEDIATE)."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from .errors import StorageError, fatal_error
from .schema import migrate, needs_migration

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30  # a second writer waits this long for the lock instead of failing
WAL_RETRY_S = 0.02  # pause between attempts to switch a contended fresh file to WAL


class Connection:
    """One SQLite connection plus re-entrant write transactions; the base of Store."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.db = _open_readonly(self.path) if readonly else _open(self.path)
        self._depth = 0
        try:
            if needs_migration(self.db):
                if readonly:
                    raise StorageError(
                        f"the database at {self.path} was written by an older eduwatch and needs an upgrade, which "
                        "only a writer does: run `eduwatch crawl` (or `eduwatch reextract`) on it once, then retry")
                _migrate_in_memory(self)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise _open_error(self.path, exc) from exc
        except StorageError:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes so a crash or exception leaves all or none; inner blocks join the outer one.

        BEGIN IMMEDIATE takes the write lock up front, so two writer processes queue on the busy
        timeout instead of failing with "database is locked" when a read upgrades to a write.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.db.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.db.conn.execute("COMMIT")
        except sqlite3.Error:  # e.g. SQLITE_FULL while writing the WAL: leave no transaction open behind
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            raise

    def check_writable(self) -> None:
        """Fail now, in one line, when the file takes no writes (a read-only file, directory or mount), rather
        than in the middle of a crawl. Rewrites the header's user_version with its own value, then rolls back."""
        try:
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                version = self.db.conn.execute("PRAGMA user_version").fetchone()[0]
                self.db.conn.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                self.db.conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot write to the database at {self.path}: {exc}; make the file and its "
                               "directory writable, or point --db / EDUWATCH_DB at a writable copy") from exc

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: undo only this block's writes if it raises; the transaction goes on."""
        if not self._depth:
            raise StorageError("savepoint() needs an open transaction; wrap it in `with store.transaction():`")
        self.db.conn.execute("SAVEPOINT page")
        try:
            yield
        except BaseException:
            self.db.conn.execute("ROLLBACK TO page")
            self.db.conn.execute("RELEASE page")
            raise
        self.db.conn.execute("RELEASE page")


def _open(path: Path) -> Database:
    """Connect in driver autocommit mode (we issue BEGIN ourselves) and set the pragmas."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise _open_error(path, exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        mode = _enable_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _open_error(path, exc) from exc
    if mode.lower() != "wal":
        log.warning("database %s is in %s journal mode, not WAL: readers may block the crawl", path, mode)
    return Database(conn)


def _open_readonly(path: Path) -> Database:
    """A reader's connection: SQLite refuses every write on it, and nothing (journal mode, schema) is changed."""
    if not path.is_file():
        raise StorageError(f"no database at {path}; run `eduwatch crawl` first, or point --db / EDUWATCH_DB at it")
    try:
        conn = _connect_readonly(path, immutable=False)
    except sqlite3.OperationalError as exc:
        if os.access(path.parent, os.W_OK):
            raise _open_error(path, exc) from exc
        # a read-only directory or mount: a WAL reader cannot create the -shm it needs; nobody can write the file
        # there either, so it is read as immutable (what a -wal file left beside it holds is not seen)
        log.info("%s is in a read-only directory: opened as immutable", path)
        try:
            conn = _connect_readonly(path, immutable=True)
        except sqlite3.Error as exc2:
            raise _open_error(path, exc2) from exc2
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    return Database(conn)


def _connect_readonly(path: Path, *, immutable: bool) -> sqlite3.Connection:
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=BUSY_TIMEOUT_S,
                           isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the WAL's -shm is opened here, not above
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _enable_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL, retrying: SQLite answers "database is locked" without waiting on the busy
    timeout when another process is creating the same fresh file at this moment."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_RETRY_S)


def _open_error(path: Path, exc: Exception) -> StorageError:
    """The message a user sees when the file cannot be used, with what to do about it."""
    fatal = fatal_error(exc, path)
    if fatal is not None:  # a full disk or a damaged file: "pass a writable path" would be the wrong advice
        return fatal
    if path.is_file() and not os.access(path.parent, os.W_OK):
        return StorageError(f"cannot write to the database at {path}: its directory is read-only (a read-only "
                            "mount?); readers (changes, search, history, alerts) still work there; to crawl, copy it "
                            "to a writable place and point --db at the copy")
    return StorageError(
        f"cannot open database at {path}: {exc}; fix: pass a writable path in an existing or creatable "
        "directory, pointing to an eduwatch SQLite file or to a file that does not exist yet"
    )


def _migrate_in_memory(connection: Connection) -> None:
    """Apply the pending migrations with SQLite's temporary files in memory: dropping an FTS5 table inside the
    migration's transaction (0019) needs a statement journal, and opening a database must not fail because TMPDIR
    is full (the crawl's spool may have filled it). Set outside the transaction, as SQLite requires."""
    connection.db.execute("PRAGMA temp_store = MEMORY")
    try:
        with connection.transaction():
            migrate(connection.db)
    finally:
        connection.db.execute("PRAGMA temp_store = DEFAULT")
