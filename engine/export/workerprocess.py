"""The program each worker process of :class:`engine.export.pool.RecyclingProcessPool` runs:
``python -P -m engine.export.workerprocess PARENT_PID [MODULE ...]``.

The pool writes tasks to the worker's stdin and reads replies from its stdout, one frame each
(:mod:`engine.export.frames`). A task is ``(fn, args, kwargs)``; a reply is
``(True, result)`` or ``(False, exception)``. The worker first imports the MODULEs and sends
an empty frame to say it is ready. The worker

- imports only from the installed environment: ``-P`` keeps the working directory (and the
  script's folder) off ``sys.path``, so a ``numpy.py`` where isrender runs is never executed;
- takes no terminal signals: the pool starts it in its own session, and it ignores SIGINT;
- dies with its parent: its stdin reaches end-of-file when the parent exits (however it
  ends), which ends the worker at once, even mid-task; on Linux the kernel also kills it
  (``PR_SET_PDEATHSIG``) should a task hold the interpreter in C code;
- keeps its stdout for the protocol: what a task prints goes to stderr;
- returns a task's ``SystemExit`` or ``KeyboardInterrupt`` as a ``RuntimeError``: re-raised as
  itself by the caller's ``future.result()``, it would end the caller, or stop the event loop
  of a server awaiting the render.
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import signal
import sys
import threading
from typing import BinaryIO

from engine.export.frames import read_frame, write_frame


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(int(argv[1]))
    inbox = os.fdopen(os.dup(0), "rb")
    outbox = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # print() in a task must not corrupt the replies
    os.close(null)
    tasks: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(inbox, tasks), daemon=True).start()
    for module in argv[2:]:
        importlib.import_module(module)
    write_frame(outbox, b"")  # ready
    while True:
        write_frame(outbox, _run(tasks.get()))


def _receive(inbox: BinaryIO, tasks: queue.SimpleQueue[bytes]) -> None:
    """Hand tasks to the main thread; end the process when the parent closes the pipe."""
    while (frame := read_frame(inbox)) is not None:
        tasks.put(frame)
    os._exit(0)


def _run(frame: bytes) -> bytes:
    try:
        fn, args, kwargs = pickle.loads(frame)
        reply: tuple[bool, object] = (True, fn(*args, **kwargs))
    except Exception as exc:  # the task's failure goes back to its future
        reply = (False, exc)
    except BaseException as exc:  # SystemExit ...: raised as such by the caller's result(),
        # it would end the caller (or stop its event loop), not the task
        reply = (False, RuntimeError(f"the task tried to end its worker process: {exc!r}"))
    try:
        return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        failure = RuntimeError(
            f"the task's {'result' if reply[0] else 'error'} cannot be sent: {exc}"
        )
        return pickle.dumps((False, failure), pickle.HIGHEST_PROTOCOL)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
