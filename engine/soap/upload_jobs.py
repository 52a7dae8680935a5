"""The upload jobs of the UploadFile servlet, without HTTP.

The first POST names a ``jobName`` and starts a job (type ``UploadPost``, state Running); later
POSTs name its ``jobHandle`` and add to it; the POST with ``endJob`` true ends it. As Adobe
documents, every POST of a job must come from the IP address of the first, and a job that
receives no POST for 30 minutes ends by itself (:meth:`OpenUploads.expire`, run by the
service). Each file becomes an asset with an ``UploadSuccess`` or ``UploadError`` entry.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from engine.catalog import Catalog, Session
from engine.errors import ApiFault, AuthorizationFault, IsRenderError, JobError
from engine.export import owner

JOB_TYPE = "UploadPost"
TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class UploadedFile:
    name: str  # the asset name wanted (already without any path)
    content: BinaryIO


class OpenUploads:
    """The upload jobs that wait for more POSTs: the client address of each and its last POST.

    Kept in memory: after a restart, the crash recovery of the export coordinator closes the
    jobs the previous process left open."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._jobs: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def post(
        self, session: Session, params: dict[str, Any], files: list[UploadedFile], client: str
    ) -> str:
        """Store ``files`` in the job the POST names (a new one for ``jobName``); returns its
        handle."""
        session.require("upload")
        catalog = session.catalog
        handle = self._job(session, params, client)
        rename = params.get("fileName") if len(files) == 1 else None
        folder = params.get("destFolder") or "/"
        for file in files:
            _store(session, handle, file.content, rename or file.name, folder)
        with self._lock:
            if params.get("endJob"):
                self._jobs.pop(handle, None)
            else:
                self._jobs[handle] = (client, self.clock())
        if params.get("endJob"):
            _end(catalog, handle, "upload ended")
        return handle

    def expire(self, catalog: Catalog) -> list[str]:
        """End the jobs whose last POST is ``TIMEOUT`` old; returns their handles."""
        now = self.clock()
        with self._lock:
            stale = [h for h, (_, last) in self._jobs.items() if now - last >= TIMEOUT]
            for handle in stale:
                del self._jobs[handle]
        for handle in stale:
            minutes = int(TIMEOUT.total_seconds() // 60)
            _end(catalog, handle, f"upload ended: no POST for {minutes} minutes and no endJob")
        return stale

    def _job(self, session: Session, params: dict[str, Any], client: str) -> str:
        existing = params.get("jobHandle")
        if existing:
            self._check_open(session, existing, client)
            return existing
        name = params.get("jobName")
        if not name:
            raise ApiFault("give jobName (a new job) or jobHandle", code=ApiFault.MISSING_PARAMETER)
        catalog = session.catalog
        with owner.registry_lock:  # recovery, which runs every lease, never takes it for dead
            handle = catalog.create_job(
                company=session.company.handle,
                user=session.user.handle,
                name=name,
                job_type=JOB_TYPE,
                spec={"description": params.get("description") or ""},
                email_setting="None",
                owner=owner.current_owner(),
            )
            owner.register(handle)
        catalog.transition_job(handle, ("New",), "Running")
        catalog.add_job_log(handle, log_type="BeginUpload", severity="info", message="upload began")
        return handle

    def _check_open(self, session: Session, handle: str, client: str) -> None:
        try:
            record = session.catalog.get_job(handle)
        except IsRenderError:
            record = None
        with self._lock:
            known = self._jobs.get(handle)
        if (
            record is None
            or known is None
            or record.company != session.company.handle
            or record.job_type != JOB_TYPE
            or record.finished
        ):
            raise AuthorizationFault(
                f"illegal upload job handle {handle!r} (unknown, ended or not an upload job)",
                code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE,
            )
        if known[0] != client:
            raise ApiFault(
                f"the POSTs of upload job {handle} must come from one IP address "
                f"({known[0]}), not {client}",
                code=ApiFault.INVALID_PARAMETER,
            )


def _end(catalog: Catalog, handle: str, message: str) -> None:
    try:
        catalog.add_job_log(handle, log_type="EndUpload", severity="info", message=message)
        catalog.finish_job(handle)
    except JobError:  # stopped and closed meanwhile
        return
    finally:
        owner.unregister(handle)  # once it is finished, so recovery never closes it first


def _store(session: Session, handle: str, content: BinaryIO, name: str, folder: str) -> None:
    catalog = session.catalog
    with tempfile.TemporaryDirectory(dir=catalog.home) as scratch:
        path = Path(scratch) / "upload"
        with open(path, "wb") as out:
            content.seek(0)
            shutil.copyfileobj(content, out)
        try:
            asset = session.upload(path, name=name or None, folder=folder)
        except IsRenderError as exc:
            catalog.add_job_log(
                handle, log_type="UploadError", severity="error", message=str(exc), asset_name=name
            )
            return
    catalog.add_job_log(
        handle,
        log_type="UploadSuccess",
        severity="success",
        message=f"uploaded {asset.name} ({asset.asset_type}, {asset.size:,} bytes)",
        asset_name=asset.name,
        asset_type=asset.asset_type,
        asset_handle=asset.handle,
    )
