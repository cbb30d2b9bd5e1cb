"""Logging for the long-running commands (schedule, serve): timestamped lines on stderr."""

from __future__ import annotations

import logging
import sys


def ensure_stderr_logging(*quiet: str) -> None:
    """Log INFO and up on stderr unless the caller configured logging already; `quiet` loggers only warn."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
