"""This database file's own id, so the cluster recorder can say which database it writes (migration 0011)."""

from __future__ import annotations

import uuid

from . import validators, versions  # noqa: F401 -- their migrations (0005-0008) register before 0011
from .schema import migrations


@migrations(name="0011_database_identity")
def database_identity(db) -> None:
    """A random id made once per file: a crawl whose `--db` is another file (a copy, a typo) is refused instead
    of waiting for runs no recorder writes there."""
    db.execute("CREATE TABLE database_identity (id TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute("INSERT INTO database_identity (id) VALUES (?)", [uuid.uuid4().hex])


class IdentityMixin:
    """Store method for the database_identity table."""

    def database_id(self) -> str:
        """The same file has the same id on every machine that opens it."""
        return self.db.execute("SELECT id FROM database_identity").fetchone()[0]
