"""A document linked from many pages (a sidebar's 下载中心) goes to the recording worker once, not once per page.

Every page that links it carries the same bytes object (spiders/attachments.py fetches each document once per
crawl and hands its answer to every page), so pickling each page whole wrote ~100 MB of forms through the spool
in a 1,000-page crawl, for 15 MB of pages: CPU on the crawl process, which is the busier of the two. A body is
sent once on its own, and pages refer to it (pickle's persistent ids); both sides keep the same bodies, the
oldest dropped past CAP_BYTES, in the order the pipe carries the messages.
"""

from __future__ import annotations

import io
import pickle
from collections import OrderedDict

MIN_BYTES = 4096  # smaller bodies go inside the page: a reference would save little
CAP_BYTES = 64 * 1024 * 1024  # bodies the worker keeps for later pages; past it, the oldest are sent again if linked


class SentBodies:
    """The crawl side: which bodies the worker holds, by the identity of the bytes object (kept alive here, so
    an id is never reused while it is known)."""

    def __init__(self) -> None:
        self.known: OrderedDict[int, bytes] = OrderedDict()
        self.size = 0

    def new_bodies(self, page) -> list[tuple[int, bytes]]:
        """(key, body) of the page's attachment bodies the worker does not hold yet, now counted as held."""
        new = []
        for attachment in page.attachments or ():
            body = attachment.body
            if type(body) is not bytes or len(body) < MIN_BYTES:
                continue
            key = id(body)
            if key in self.known:
                self.known.move_to_end(key)
            else:
                self.known[key] = body
                self.size += len(body)
                new.append((key, body))
        return new

    def dumps(self, obj) -> bytes:
        """obj pickled with the held bodies as references."""
        buffer = io.BytesIO()
        _Pickler(buffer, self.known).dump(obj)
        return buffer.getvalue()

    def evict(self) -> list[int]:
        """Keys dropped to stay under CAP_BYTES (asked after the page that may refer to them has been pickled)."""
        dropped = []
        while self.size > CAP_BYTES and len(self.known) > 1:
            key, body = self.known.popitem(last=False)
            self.size -= len(body)
            dropped.append(key)
        return dropped


class _Pickler(pickle.Pickler):
    def __init__(self, file, known: OrderedDict):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.known = known

    def persistent_id(self, obj):
        if type(obj) is bytes and id(obj) in self.known:
            return id(obj)
        return None


class HeldBodies:
    """The worker side: the bodies sent on their own, for the pages that refer to them."""

    def __init__(self) -> None:
        self.bodies: dict[int, bytes] = {}

    def add(self, key: int, body: bytes) -> None:
        self.bodies[key] = body

    def forget(self, keys: list[int]) -> None:
        for key in keys:
            self.bodies.pop(key, None)

    def loads(self, data: bytes):
        unpickler = pickle.Unpickler(io.BytesIO(data))
        unpickler.persistent_load = self.bodies.__getitem__
        return unpickler.load()
