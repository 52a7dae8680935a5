"""Runs one prepared export job to its end, in a coordinator thread.

The job's state in the catalog is its control channel, so any process may pause, resume or stop
it: the runner reads the state between dispatches (every ``poll`` seconds at most). The runner
itself writes the state only to start a job that is still New (a compare-and-set) and reports
progress without touching the state, so a pause or stop written by another process is never
overwritten.

- ``Running``: assets are dispatched in ``assetHandleArray`` order, at most ``window``
  conversion tasks in flight, each a batch of up to ``batch`` assets (1 on the local pool;
  several on Dask, see ``batch``) with one result per asset. Originals, refusals and known
  problems are handled in the runner itself; conversions go to the executor.
- ``Paused``: nothing new is dispatched; conversions in flight finish and are logged.
- ``Stopping``: nothing new is dispatched; conversions in flight finish and are logged, every
  asset not yet dispatched gets a ``FileCancel`` entry, and the package holds what was done.
- The package limit ends the job early with a ``FatalError`` and no package.

Each state change, log entry and progress update is committed as it happens, so a process
killed mid-job leaves a consistent record that :mod:`engine.export.recovery` closes later.
A batch that fails as a whole (Dask's ``KilledWorker``: its workers died each time it ran) is
sent again one asset per task, so only the asset at fault is lost.
A conversion whose worker process died is retried once, alone, so a file that crashes its
worker cannot take the assets converted next to it down too with an executor where one death
breaks every task in flight (``ProcessPoolExecutor``; the default pool fails only the dead
worker's task, and starts a fresh worker). A conversion ended by the pool's time limit is that
asset's error entry, not retried. If the job's own bookkeeping fails, the failure is recorded
if at all possible (a few attempts), otherwise :meth:`JobRunner.run` raises JobError.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from dataclasses import dataclass, field
from typing import Any

from engine import storage
from engine.errors import IsRenderError, JobError, JobTakenOver, PackageTooLarge
from engine.export import email, joblog
from engine.export.cluster import is_killed_worker
from engine.export.limits import ExportLimits
from engine.export.naming import split_extension
from engine.export.notify import notify
from engine.export.owner import current_owner
from engine.export.package import (
    Entry,
    package_location,
    staging_location,
    too_large,
    write_package,
)
from engine.export.prepare import AssetRef, Prepared
from engine.export.rules import Action
from engine.export.worker import ConvertResult, ConvertTask

#: Pauses between the attempts to record a job's failure (a lock, a full disk), in seconds.
FINISH_RETRY_PAUSES_S = (0.5, 2.0)

#: Sends a batch of conversions to the executor: a future of their results, in order.
Submit = Callable[[tuple[ConvertTask, ...]], Future]
Batch = tuple[AssetRef, ...]


@dataclass
class _Tally:
    """What the job has done so far."""

    entries: dict[int, Entry] = field(default_factory=dict)  # position → package entry
    bytes: int = 0
    done: int = 0
    stopped: bool = False
    fatal: str | None = None
    retried: set[int] = field(default_factory=set)
    alone: set[int] = field(default_factory=set)  # positions converted one per task now


class JobRunner:
    """Create and :meth:`run` in the thread that runs the job, with that thread's catalog."""

    def __init__(
        self,
        catalog: Any,
        handle: str,
        prepared: Prepared,
        *,
        submit: Submit,
        window: int,
        batch: int = 1,
        limits: ExportLimits,
        smtp: email.SmtpSettings | None,
        poll: float,
        package_url: Callable[[str], str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.handle = handle
        self.prepared = prepared
        self.submit = submit
        self.window = max(1, window)
        self.batch = max(1, batch)
        self.limits = limits
        self.smtp = smtp
        self.poll = poll
        self.package_url = package_url
        self.log = joblog.JobLog(catalog, handle)
        self.packages: str = catalog.packages
        self.staging = staging_location(self.packages, handle)
        self.tally = _Tally()
        self._last_progress: tuple[int, str] | None = None
        self.written: str | None = None  # the package, once written

    # --- the whole job ---------------------------------------------------------------------

    def run(self) -> None:
        """Run to the end; an unexpected failure still finishes the job (fatal error). JobError
        when even that cannot be recorded (see :meth:`_internal_failure`)."""
        try:
            self._run()
        except JobTakenOver:
            pass  # another coordinator closed it: nothing here is ours to record any more
        except Exception as exc:
            self._internal_failure(exc)
        finally:
            storage.remove(self.staging)

    def _run(self) -> None:
        # Only a New job starts Running: one paused or stopped before it started stays so.
        self.catalog.transition_job(self.handle, ("New",), "Running")
        self._report(self._state())
        self._log_begin()
        for duplicate in self.prepared.duplicates:
            self.log.asset_entry(
                joblog.DUPLICATE, "info", duplicate, "handle given more than once; exported once"
            )
        storage.make_folder(self.staging)
        self._check_originals_fit()
        if self.tally.fatal is None:
            self._dispatch_all()
        self._finish()

    def _log_begin(self) -> None:
        job, count = self.prepared.job, len(self.prepared.assets)
        text = f"export of {count} asset(s) began: fmt={job.fmt}"
        if job.fmt == "convert":
            text += f", IS request {self.prepared.request!r} → .{self.prepared.extension} files"
        elif job.is_modifier or job.macro:
            text += " (is_modifier and macro are ignored when exporting originals)"
        self.log.job_entry(joblog.BEGIN, "info", text)

    def _check_originals_fit(self) -> None:
        """Fail before converting anything when the originals alone exceed the package limit."""
        originals = sum(
            a.size for a in self.prepared.assets if a.path and a.action is not Action.CONVERT
        )
        if originals > self.limits.max_package_bytes:
            self.tally.fatal = too_large(originals, self.limits.max_package_bytes)

    # --- dispatching -----------------------------------------------------------------------

    def _dispatch_all(self) -> None:
        queue = deque(self.prepared.assets)
        retries: deque[AssetRef] = deque()
        in_flight: dict[Future, Batch] = {}
        while queue or retries or in_flight:
            state = self._state()
            self.tally.stopped = self.tally.stopped or state == "Stopping"
            if self.tally.stopped and (queue or retries):  # also those put back since
                self._cancel([*retries, *queue])
                queue.clear()
                retries.clear()
            dispatching = state != "Paused" and self.tally.fatal is None and not self.tally.stopped
            if dispatching:
                self._fill(queue, retries, in_flight)
            self._report(state)
            if in_flight:
                done, _ = wait(in_flight, timeout=self.poll, return_when=FIRST_COMPLETED)
                if done:
                    self._state()  # JobTakenOver: the results are no longer ours to log
                for future in done:
                    self._collect(in_flight.pop(future), future, queue, retries)
            elif not dispatching and (queue or retries):
                time.sleep(self.poll)  # paused with nothing in flight
            if self.tally.fatal is not None:
                queue.clear()
                retries.clear()
        self._report(self._state())

    def _fill(
        self, queue: deque[AssetRef], retries: deque[AssetRef], in_flight: dict[Future, Batch]
    ) -> None:
        """Dispatch up to ``window`` conversion tasks in flight and ``window`` direct exports,
        so the state is read again after at most ``window`` tasks."""
        if retries:  # a retry runs alone, so a crashing file only takes itself down
            if not in_flight:
                batch = (retries.popleft(),)
                in_flight[self._submit(batch)] = batch
            return
        direct = 0
        while queue and len(in_flight) < self.window and direct < self.window:
            if not _converts(queue[0]):
                self._export_directly(queue.popleft())
                direct += 1
            else:
                batch = self._next_batch(queue)
                in_flight[self._submit(batch)] = batch
            if self.tally.fatal is not None:
                return

    def _next_batch(self, queue: deque[AssetRef]) -> Batch:
        """The next conversions to send as one task: ``queue``'s share of the window, at most
        ``batch``, fewer as the job nears its end (so the last tasks are short and the workers
        finish together), and one asset alone once its batch failed as a whole."""
        size = min(self.batch, -(-len(queue) // self.window))
        batch = [queue.popleft()]
        while (
            len(batch) < size
            and batch[0].position not in self.tally.alone
            and queue
            and _converts(queue[0])
            and queue[0].position not in self.tally.alone
        ):
            batch.append(queue.popleft())
        return tuple(batch)

    def _submit(self, batch: Batch) -> Future:
        tasks = tuple(
            ConvertTask(
                position=asset.position,
                source=asset.path or "",
                request=self.prepared.request or "",
                macros=self.prepared.macros,
                object_name=split_extension(asset.name)[0],
                staging=self.staging,
                max_pixels=self.limits.max_convert_pixels,
                resolver=self.prepared.resolver,
                templated=self.prepared.templated,
            )
            for asset in batch
        )
        try:
            return self.submit(tasks)
        except (BrokenExecutor, RuntimeError) as exc:
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def _export_directly(self, asset: AssetRef) -> None:
        """Refusals and known problems are logged; originals go into the package as they are."""
        if asset.problem is not None or asset.path is None or asset.entry_name is None:
            self._failure(asset, asset.problem or "nothing to export")
            return
        if not self._add_entry(asset, asset.path):
            return
        if asset.action is Action.ORIGINAL_INSTEAD:
            self._done(
                joblog.SUCCESS,
                "warning",
                asset,
                f"exported as the original {asset.entry_name}: {asset.asset_type} assets "
                "cannot be converted",
            )
        else:
            self._done(
                joblog.SUCCESS,
                "success",
                asset,
                f"exported the original as {asset.entry_name} ({asset.size:,} bytes)",
            )

    def _collect(
        self, batch: Batch, future: Future, queue: deque[AssetRef], retries: deque[AssetRef]
    ) -> None:
        error = future.exception()
        if error is not None and len(batch) > 1 and not isinstance(error, IsRenderError):
            # The task died as a whole (KilledWorker: its workers died each time it ran):
            # its assets go again one per task, so only the one at fault fails.
            self.tally.alone.update(asset.position for asset in batch)
            queue.extendleft(reversed(batch))
            return
        if error is not None:
            for asset in batch:
                self._failed_task(asset, error, retries)
            return
        results: list[ConvertResult] = future.result()
        for asset, result in zip(batch, results, strict=True):
            self._converted(asset, result)

    def _failed_task(self, asset: AssetRef, error: BaseException, retries: deque[AssetRef]) -> None:
        if isinstance(error, BrokenExecutor) and asset.position not in self.tally.retried:
            self.tally.retried.add(asset.position)  # once, alone (see the module docstring)
            retries.append(asset)
        elif isinstance(error, IsRenderError):  # the local pool's time limit
            self._failure(asset, f"conversion stopped: {error}")
        else:
            self._failure(asset, _worker_died(error))

    def _converted(self, asset: AssetRef, result: ConvertResult) -> None:
        if self.tally.fatal is not None:
            return  # the job has failed; this rendition will not be packaged
        if result.error is not None or result.path is None:
            self._failure(asset, result.error or "the conversion produced no file")
            return
        if self._add_entry(asset, result.path, result.size):
            self._done(
                joblog.SUCCESS,
                "success",
                asset,
                f"converted to {asset.entry_name} ({result.format}, {result.width}×"
                f"{result.height}, {result.size:,} bytes)",
            )

    def _add_entry(self, asset: AssetRef, location: str, size: int | None = None) -> bool:
        """Reserve the file of ``size`` bytes (``None``: ask the storage) for the package;
        ``False`` (and logged) if it cannot go in."""
        if size is None:
            try:
                size = storage.size(location)
            except OSError as exc:
                self._failure(asset, f"cannot read the file to export: {exc.strerror or exc}")
                return False
        self.tally.bytes += size
        if self.tally.bytes > self.limits.max_package_bytes:
            self.tally.fatal = too_large(self.tally.bytes, self.limits.max_package_bytes)
            return False
        self.tally.entries[asset.position] = Entry(asset.entry_name or "", location, size)
        return True

    def _cancel(self, assets: list[AssetRef]) -> None:
        for asset in assets:
            self._done(
                joblog.CANCEL,
                "warning",
                asset,
                "cancelled: the job was stopped before this asset was exported",
            )

    def _failure(self, asset: AssetRef, message: str) -> None:
        self._done(joblog.FAILURE, "error", asset, message)

    def _done(self, log_type: str, severity: str, asset: AssetRef, message: str) -> None:
        self.log.asset_entry(log_type, severity, asset, message)
        self.tally.done += 1

    # --- progress ----------------------------------------------------------------------------

    def _state(self) -> str:
        """The job's state; JobTakenOver once it is no longer this process's job (its lease
        expired and another coordinator closed it)."""
        record = self.catalog.get_job(self.handle)
        if record.finished or record.owner != current_owner():
            raise JobTakenOver(f"job {self.handle} was taken over by {record.owner}")
        return record.state

    def _report(self, state: str) -> None:
        """Write progress when it changed, never the state (a pause or stop written by another
        process meanwhile stands). ``state``, as last read, only words the message; if it is
        already stale, the next report corrects the message."""
        prefix = {"Paused": "paused: ", "Stopping": "stopping: "}.get(state, "")
        key = (self.tally.done, prefix)
        if key == self._last_progress:
            return
        self._last_progress = key
        total = len(self.prepared.assets) or 1
        self.catalog.update_job_progress(
            self.handle, self.tally.done / total, self._message(prefix)
        )

    def _message(self, prefix: str) -> str:
        return f"{prefix}{self.tally.done} of {len(self.prepared.assets)} assets done"

    # --- the end -------------------------------------------------------------------------------

    def _finish(self) -> None:
        package = None
        if self.tally.fatal is None and self.tally.entries:
            entries = [self.tally.entries[p] for p in sorted(self.tally.entries)]
            target = package_location(self.packages, self.handle)
            try:
                self.written = write_package(entries, target, self.limits.max_package_bytes)
                package = self.written
            except PackageTooLarge as exc:
                self.tally.fatal = str(exc)
        # A job recorded as finished never leaves temporary files behind (recovery only ever
        # cleans up the jobs it claims).
        storage.remove(self.staging)
        fatal = self.tally.fatal is not None
        if fatal:
            self.log.job_entry(joblog.FATAL, "error", self.tally.fatal or "")
        self.log.job_entry(joblog.END, "info", self._summary(package))
        notify(
            self.catalog, self.log, self.smtp, package=package, fatal=fatal, url=self._url(package)
        )
        self.catalog.finish_job(self.handle, fatal_error=fatal, package=package)

    def _summary(self, package: str | None) -> str:
        verb = "failed" if self.tally.fatal else "stopped" if self.tally.stopped else "finished"
        files = len(self.tally.entries) if package else 0
        where = f"package {package}" if package else "no package was written"
        url = self._url(package)
        return f"export {verb}: {files} file(s); {where}" + (f"; download: {url}" if url else "")

    def _url(self, package: str | None) -> str | None:
        """The package's download URL when a front end serves packages."""
        return self.package_url(self.handle) if package and self.package_url else None

    def _internal_failure(self, exc: Exception) -> None:
        """A bug or a failing database must not leave the job Running for ever: record the
        failure, retrying a few times (a write lock held elsewhere, a full disk), and if that
        is impossible raise JobError so that whoever waits for the job learns it. A package
        already written is removed: it would belong to a failed job."""
        if self.written is not None:
            storage.remove(self.written)
        logged = False
        for pause in (*FINISH_RETRY_PAUSES_S, None):
            try:
                if not logged:
                    message = f"internal error: {type(exc).__name__}: {exc}"
                    self.log.job_entry(joblog.FATAL, "error", message)
                    logged = True
                self.catalog.finish_job(self.handle, fatal_error=True)
                return
            except JobError:  # finished meanwhile (its end was recorded after all)
                return
            except Exception as again:
                last = again
            if pause is not None:
                time.sleep(pause)
        raise JobError(
            f"job {self.handle} failed ({type(exc).__name__}: {exc}) and its failure could not "
            f"be recorded in the catalog ({type(last).__name__}: {last}); no package was kept, and "
            "the next export closes the job as interrupted"
        )


def _converts(asset: AssetRef) -> bool:
    """Whether the asset goes to the executor (not exported directly)."""
    return asset.action is Action.CONVERT and asset.problem is None


def _worker_died(error: BaseException) -> str:
    if isinstance(error, BrokenExecutor):
        return "the worker process converting this asset died (crash or out of memory)"
    if is_killed_worker(error):
        return (
            "the Dask workers converting this asset died each time it was tried (KilledWorker:"
            " crash, out of memory or a lost host); the scheduler gave up on it"
        )
    return f"the conversion could not run: {type(error).__name__}: {error}"
