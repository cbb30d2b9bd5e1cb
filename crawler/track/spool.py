"""Pages on their way to the recording worker: written to temporary files, announced over the pipe.

Why not send them through the pipe: a page with its documents is larger than a pipe holds, so a send blocks
the crawl process until the worker reads it, and the worker reads only between two batches. Sending a batch
only when the worker asks for one left the worker idle while the crawl process (the busier of the two) got
round to sending: ~0.9 s of 6 in bench/throughput.py --attachments. A file write never waits for the reader;
the pipe carries only a few bytes per page, and the worker finds every page announced during its last batch
at once, so it never waits for the crawl process and its batches stay full.

The worker unlinks a segment as soon as it has opened it, so a segment's space is freed when both sides have
moved on to the next one, and removes the directory when it exits: a crawl killed outright leaves no files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

SEGMENT_BYTES = 32 * 1024 * 1024  # a new file past this, so a long crawl does not grow one file for ever


class SpoolError(OSError):
    """A page could not be written to the spool (a full or read-only temporary directory)."""


class Spool:
    """The crawl side: append a pickled page, get the reference the worker reads it back by."""

    def __init__(self, directory: str | None = None):
        self.dir = tempfile.mkdtemp(prefix="eduwatch-spool-", dir=directory)
        self.segment = -1
        self.fd: int | None = None
        self.offset = 0

    def put(self, data: bytes) -> tuple[int, int, int]:
        """(segment, offset, length) of the record written; SpoolError if it could not be written."""
        try:
            if self.fd is None or (self.offset and self.offset + len(data) > SEGMENT_BYTES):
                self._next_segment()
            view = memoryview(data)
            while view:  # os.write may write less than asked (a signal, a pipe-sized chunk on some filesystems)
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            raise SpoolError(f"could not write a page to the spool in {self.dir}: {exc.strerror or exc}") from exc
        ref = (self.segment, self.offset, len(data))
        self.offset += len(data)
        return ref

    def _next_segment(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.segment += 1
        self.offset = 0
        self.fd = os.open(segment_path(self.dir, self.segment), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def close(self) -> None:
        """Remove the spool (segments the worker has opened are freed when it closes them)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        shutil.rmtree(self.dir, ignore_errors=True)


class SpoolReader:
    """The worker side: read records back in the order they were written (segments only move forward)."""

    def __init__(self, directory: str):
        self.dir = directory
        self.segment = -1
        self.fd: int | None = None

    def get(self, ref: tuple[int, int, int]) -> bytes:
        segment, offset, length = ref
        if segment != self.segment:
            self._open(segment)
        chunks, got = [], 0
        while got < length:
            chunk = os.pread(self.fd, length - got, offset + got)
            if not chunk:
                raise SpoolError(f"spool segment {segment} in {self.dir} ends before the page announced in it")
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _open(self, segment: int) -> None:
        self.close()  # earlier segments are never read again
        path = segment_path(self.dir, segment)
        self.fd = os.open(path, os.O_RDONLY)
        self.segment = segment
        try:
            os.unlink(path)
        except OSError:
            pass  # the crawl side removes the directory at the end anyway

    def remove(self) -> None:
        """Close the open segment and remove the spool directory with whatever the crawl side left in it."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def segment_path(directory: str, segment: int) -> str:
    return str(Path(directory) / f"{segment:06d}.pages")
