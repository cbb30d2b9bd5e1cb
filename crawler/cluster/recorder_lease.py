"""The one recorder: a lease in Redis naming the recorder and its database, renewed while it runs.

A second `eduwatch record` is refused (two recorders would each close runs whose pages the other still
records), and a crawl whose `--db` is not the recorder's database is told so before anything is dispatched.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass

import redis

from crawler.clock import now_iso
from crawler.errors import ClusterError

logger = logging.getLogger(__name__)

RECORDER_KEY = "eduwatch:recorder"
LEASE_S = 60.0  # a recorder killed with -9 frees the lease after this; a live one renews it
RENEW_S = 5.0  # how often a live recorder renews

# renew only our own lease: compare and extend in one step
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_TAKE_OVER = ("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) "
              "end return false")
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RecorderRunning(ClusterError):
    """Another recorder holds the lease."""


class WrongDatabase(ClusterError):
    """The recorder writes another database than the one this command was given."""


@dataclass(frozen=True)
class RecorderInfo:
    db_id: str  # the database's own id (storage.identity): the same file on every machine
    db_path: str  # as the recorder opened it, for the message
    host: str
    pid: int
    started: str
    owner: str = ""  # random per recorder process

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started}, writing {self.db_path}"


def read_recorder(client: redis.Redis) -> RecorderInfo | None:
    """The recorder holding the lease, or None when no recorder runs."""
    raw = client.get(RECORDER_KEY)
    if raw is None:
        return None
    try:
        return RecorderInfo(**json.loads(raw))
    except (ValueError, TypeError):
        return None


class RecorderLease:
    """Taken when the recorder starts, renewed every RENEW_S, let go when it stops."""

    def __init__(self, client: redis.Redis, db_id: str, db_path: str):
        self.client = client
        self.info = RecorderInfo(db_id=db_id, db_path=str(db_path), host=socket.gethostname(), pid=os.getpid(),
                                 started=now_iso(), owner=uuid.uuid4().hex)
        self.value = json.dumps(asdict(self.info), ensure_ascii=False)
        self.held = False
        self._renewed = float("-inf")

    def keep(self) -> bool:
        """Take or renew the lease when due; True the first time it is taken. Raises RecorderRunning."""
        if time.monotonic() - self._renewed < RENEW_S:
            return False
        ms = int(LEASE_S * 1000)
        if self.held and self.client.eval(_RENEW, 1, RECORDER_KEY, self.value, ms):
            self._renewed = time.monotonic()
            return False
        if not self.client.set(RECORDER_KEY, self.value, nx=True, px=ms) and not self._take_over_the_dead(ms):
            holder = read_recorder(self.client)
            who = holder.describe() if holder else "unknown"
            raise RecorderRunning(f"another `eduwatch record` is running ({who}); stop it first: two recorders "
                                  "would close runs while the other still records their pages (a recorder "
                                  f"killed on another machine frees its lease within {LEASE_S:.0f} s)")
        first = not self.held
        self.held, self._renewed = True, time.monotonic()
        return first

    def _take_over_the_dead(self, ms: int) -> bool:
        """A lease left by a recorder of this machine that is gone (kill -9, then restarted): take it now."""
        raw = self.client.get(RECORDER_KEY)
        holder = read_recorder(self.client) if raw is not None else None
        if holder is None or holder.host != self.info.host or _alive(holder.pid):
            return False
        logger.info("the previous recorder (pid %d) is gone; taking over its lease", holder.pid)
        return bool(self.client.eval(_TAKE_OVER, 1, RECORDER_KEY, raw, self.value, ms))

    def release(self) -> None:
        if self.held:
            try:
                self.client.eval(_RELEASE, 1, RECORDER_KEY, self.value)
            except redis.RedisError as exc:  # it expires on its own after LEASE_S
                logger.warning("could not let go of the recorder lease (%s); it expires in %.0f s", exc, LEASE_S)
            self.held = False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is gone too
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def check_recorder_database(client: redis.Redis, db_id: str, db_path: str) -> RecorderInfo | None:
    """Raise WrongDatabase when the running recorder writes another database; None (with a warning) when no
    recorder runs: the crawl is dispatched, and recorded once one starts."""
    holder = read_recorder(client)
    if holder is None:
        logger.warning("no `eduwatch record` is running: the pages wait in Redis until one starts with --db %s",
                       db_path)
        return None
    if holder.db_id != db_id:
        raise WrongDatabase(f"the recorder ({holder.describe()}) writes another database than {db_path}; "
                            f"pass --db {holder.db_path} (the recorder's database), or restart `eduwatch record` "
                            f"with --db {db_path}")
    return holder
