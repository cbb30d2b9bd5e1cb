"""A real tmpfs mounted for a test: a small disk that fills, or one remounted read-only."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Callable[[str], None]]:
    """Mount a tmpfs of `size` at `where` (made if missing) for the block; it needs root, as CI has, and skips the
    test with the reason otherwise. Yields remount(options), e.g. remount("size=64m") or remount("ro")."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)

    try:
        yield remount
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
