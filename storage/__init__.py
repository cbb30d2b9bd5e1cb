"""The snapshot database: versioned pages, changes, the alert outbox and search (the only code with SQL).

    from storage import Store, StorageError, NotFoundError

    with Store("eduwatch.db") as store:
        with store.transaction():          # one unit: a crash leaves all of it or none
            store.upsert_page(url, site, at)
            n = store.add_version(url, article=a.to_dict(), content_hash=a.content_hash(),
                                  raw_hash=store.put_raw(body), seen_at=at, run_id=run)
            cid = store.add_change(url=url, site=site, kind="new", ...)
            store.enqueue_alert(cid, "ops@example.org", run)

Times are ISO 8601 strings (UTC); records are plain dicts with JSON columns decoded.
StorageError: the file cannot be used or input is bad; NotFoundError: what was asked for is not stored.
"""

from .errors import DatabaseDamaged, DiskFull, FatalStorageError, NotFoundError, StorageError, fatal_error
from .store import Store

__all__ = ["DatabaseDamaged", "DiskFull", "FatalStorageError", "NotFoundError", "StorageError", "Store", "fatal_error"]
