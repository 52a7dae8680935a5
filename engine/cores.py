"""How many CPU cores this process may run on: the default number of worker processes
everywhere, and what their caps are counted in."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores of this process's CPU set (a container's, not the host's count), else the
    machine's; at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
