"""Named errors raised by the snapshot database; the CLI turns them into messages."""


class StorageError(Exception):
    """The database cannot be opened or used (unwritable path, not a database, bad input)."""


class NotFoundError(StorageError, LookupError):
    """A page, version, raw blob, change or alert that was asked for does not exist."""
