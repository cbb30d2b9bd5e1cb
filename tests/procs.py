"""The processes below a pid (Linux /proc): what the tests and the benchmark watch a crawl start and stop."""

from __future__ import annotations

import os


def descendants(pid: int) -> list[int]:
    """Every process below pid: children, grandchildren, ... ([] where there is no /proc)."""
    found: list[int] = []
    todo = _children(pid)
    if todo is None:  # no /proc/PID/task/TID/children (a kernel without CONFIG_PROC_CHILDREN): scan all of /proc
        return _descendants_by_scan(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += _children(child) or []
    return found


def _children(pid: int) -> list[int] | None:
    """Direct children of pid from /proc/PID/task/*/children (a few small reads, not a walk of every
    process: the benchmark samples a crawl's process tree every 50 ms); None when the kernel has no such file."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return [] if os.path.isdir("/proc/self/task") else None
    kids: list[int] = []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
        except FileNotFoundError:
            if not os.path.exists(f"/proc/self/task/{os.getpid()}/children"):
                return None
        except (OSError, ValueError):
            continue
    return kids


def _descendants_by_scan(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found
