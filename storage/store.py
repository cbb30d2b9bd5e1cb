"""Store: the one object that owns eduwatch's SQLite snapshot database."""

from __future__ import annotations

from .attachments import AttachmentsMixin
from .changes import ChangesMixin
from .channels import ChannelOutboxMixin
from .cluster import ClusterMixin
from .db import Connection
from .feeds import FeedsMixin
from .identity import IdentityMixin
from .outbox import OutboxMixin
from .pages import PagesMixin
from .projects import ProjectsMixin
from .routing import RoutingMixin
from .runs import RunsMixin
from .search import SearchMixin
from .validators import ValidatorsMixin
from .versions import VersionsMixin


class Store(Connection, RunsMixin, PagesMixin, VersionsMixin, ChangesMixin, OutboxMixin, ChannelOutboxMixin,
            SearchMixin, FeedsMixin, ClusterMixin, AttachmentsMixin, ValidatorsMixin, ProjectsMixin,
            IdentityMixin, RoutingMixin):
    """Runs, pages, raw bytes, fetches, versions, changes, the alert outbox, search, feeds, the cluster's stream
    bookkeeping, attachment files and procurement projects, in one file.

    Every write method runs in a transaction; wrap several calls in `with store.transaction():`
    to make them one (a crash then leaves all of them or none).
    """
