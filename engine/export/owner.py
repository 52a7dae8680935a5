"""Which process owns a running job, and whether that process still exists.

An owner is ``"{host}:{pid}:{start token}"``; the host is ``$ISRENDER_HOST_ID`` if set (for
hosts whose names are not unique, such as containers sharing one), else the host name. The
start token tells a live process from a later one that reuses the pid: on Linux it is the boot
id plus the process start time from ``/proc/<pid>/stat``; elsewhere it is empty and only the
pid is checked.

A job owned by this very process is alive while one of its threads runs it (:func:`running`);
one whose thread ended without recording its end (the catalog kept failing) is dead too.

A job owned by a process on another host cannot be checked directly: it holds a **lease**, a
time until which it counts as alive, which its coordinator renews while it runs (see
``Coordinator``). Once the lease has expired the job is dead. Hosts sharing a catalog need
clocks that agree to well within the lease (NTP).
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from pathlib import Path


class Liveness(Enum):
    ALIVE = "alive"
    DEAD = "dead"
    UNKNOWN = "unknown"  # another host: cannot tell


def _start_token(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""
    # Field 22 (starttime) counts from after the parenthesised command name, which may
    # itself contain spaces and parentheses.
    fields = stat.rpartition(")")[2].split()
    if fields[0] in ("Z", "X"):  # a zombie has exited, it just was not reaped yet
        return ""
    return f"{boot[:8]}-{fields[19]}"


_running_here: set[str] = set()
#: Held while a job is recorded and registered (see ``Coordinator.submit_job``) and while
#: recovery judges which jobs are dead, so a job being started is never taken for dead.
registry_lock = threading.RLock()


def register(job_handle: str) -> None:
    """A thread of this process runs ``job_handle`` from now on."""
    with registry_lock:
        _running_here.add(job_handle)


def unregister(job_handle: str) -> None:
    with registry_lock:
        _running_here.discard(job_handle)


ENV_HOST_ID = "ISRENDER_HOST_ID"


def job_liveness(
    job_handle: str, owner: str | None, lease_expires: datetime | None = None
) -> Liveness:
    """Whether the job ``job_handle`` owned by ``owner`` is still being run; for an owner on
    another host, whether its lease (``lease_expires``, if it has one) still runs."""
    if owner == current_owner():
        with registry_lock:
            return Liveness.ALIVE if job_handle in _running_here else Liveness.DEAD
    liveness = owner_liveness(owner)
    if liveness is Liveness.UNKNOWN and lease_expires is not None:
        return Liveness.ALIVE if lease_expires > datetime.now(UTC) else Liveness.DEAD
    return liveness


def current_owner() -> str:
    return _owner(os.getpid())


@cache
def _owner(pid: int) -> str:
    return f"{host_id()}:{pid}:{_start_token(pid)}"


def host_id() -> str:
    """This host's name in job owners (no ``:``)."""
    return (os.environ.get(ENV_HOST_ID) or socket.gethostname()).replace(":", "_")


def owner_liveness(owner: str | None) -> Liveness:
    """``DEAD`` when ``owner`` ran on this host and that process is gone."""
    if not owner:
        return Liveness.DEAD
    host, _, rest = owner.partition(":")
    pid_text, _, token = rest.partition(":")
    if host != host_id() or not pid_text.isdigit():
        return Liveness.UNKNOWN
    pid = int(pid_text)
    if token:
        return Liveness.ALIVE if _start_token(pid) == token else Liveness.DEAD
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return Liveness.DEAD
    except PermissionError:
        return Liveness.ALIVE
    return Liveness.ALIVE
