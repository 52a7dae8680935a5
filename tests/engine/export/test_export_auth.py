"""Authorization: each coordinator operation checks the role, and only the session's company's
assets and jobs can be touched (a foreign handle looks exactly like an unknown one)."""

from __future__ import annotations

import pytest
from export_kit import WAIT, image_bytes
from kits.catalog import member

from engine.errors import AuthorizationFault
from engine.export import ExportJob


def fault(call, *args, **kwargs) -> AuthorizationFault:
    with pytest.raises(AuthorizationFault) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def other(catalog):
    """A user of another company, with an asset and a finished job of its own."""
    catalog.create_company("Globex")
    return member(catalog, "Globex", "gus@globex.test")


@pytest.mark.parametrize("role", ["IpsCompanyAdmin", "ImagePortalUser", "WebServiceUser"])
def test_roles_without_submit_job_permission_are_refused(catalog, session, coordinator, role):
    asset = session.upload(image_bytes(1), name="a.jpg")
    limited = member(catalog, "Acme", f"{role.lower()}@acme.test", role)
    error = fault(coordinator.submit_job, limited, ExportJob((asset.handle,), fmt="orig"))
    assert error.code == AuthorizationFault.NO_OPERATION_PERMISSION == 20003
    assert "submitJob" in str(error)
    assert catalog.list_jobs(session.company.handle) == []


def test_job_operations_check_their_own_permissions(catalog, session, coordinator):
    asset = session.upload(image_bytes(2), name="a.jpg")
    handle = coordinator.submit_job(session, ExportJob((asset.handle,), fmt="orig"))
    coordinator.wait(session, handle, timeout=WAIT)
    portal_user = member(catalog, "Acme", "pat@acme.test", "ImagePortalUser")

    assert coordinator.get_job_logs(portal_user)[0].handle == handle  # allowed for the role
    assert coordinator.get_job_log_details(portal_user, handle)
    for operation in (coordinator.stop_job, coordinator.pause_job, coordinator.resume_job):
        assert fault(operation, portal_user, handle).code == 20003
    assert fault(coordinator.get_active_jobs, portal_user).code == 20003


def test_foreign_asset_handle_is_refused_like_an_unknown_one(session, other, coordinator):
    mine = session.upload(image_bytes(3), name="mine.jpg")
    theirs = other.upload(image_bytes(4), name="theirs.jpg")
    foreign = fault(
        coordinator.submit_job, session, ExportJob((mine.handle, theirs.handle), fmt="orig")
    )
    unknown = fault(
        coordinator.submit_job, session, ExportJob((mine.handle, "a|1|999"), fmt="orig")
    )
    assert foreign.code == unknown.code == AuthorizationFault.ILLEGAL_PARAMETER_VALUE == 20005
    assert str(foreign).replace(theirs.handle, "H") == str(unknown).replace("a|1|999", "H")
    assert session.catalog.list_jobs(session.company.handle) == []


def test_foreign_job_handle_is_refused_like_an_unknown_one(session, other, coordinator):
    theirs = other.upload(image_bytes(5), name="theirs.jpg")
    job = coordinator.submit_job(other, ExportJob((theirs.handle,), fmt="orig"))
    coordinator.wait(other, job, timeout=WAIT)
    unknown = job.rsplit("|", 1)[0] + "|999"
    operations = (
        coordinator.wait,
        coordinator.get_job_log_details,
        coordinator.stop_job,
        coordinator.pause_job,
        coordinator.resume_job,
    )
    for operation in operations:
        foreign, missing = fault(operation, session, job), fault(operation, session, unknown)
        assert foreign.code == missing.code == 20005
        assert str(foreign).replace(job, "J") == str(missing).replace(unknown, "J")
    assert coordinator.get_job_logs(session) == []
