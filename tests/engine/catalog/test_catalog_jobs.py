"""Jobs and job logs: creation, state changes, counts, log paging, listings and concurrency."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC

import pytest
from conftest import member

from engine.catalog import Catalog
from engine.errors import ApiFault, AuthorizationFault, JobError


def new_job(catalog, session, name="Export 1", **overrides):
    fields = {
        "company": session.company.handle,
        "user": session.user.handle,
        "name": name,
        "job_type": "Export",
        "spec": {"fmt": "orig", "asset_handle_array": ["a|1|1"]},
        "email_setting": "ErrorAndWarning",
        "owner": "worker-1",
    }
    fields.update(overrides)
    return catalog.create_job(**fields)


def test_a_new_job(catalog, session):
    handle = new_job(catalog, session, name="Spring | catalogue")
    company_id = session.company.handle.split("|")[1]
    assert handle.startswith(f"j|{company_id}|Spring | catalogue|")
    job = catalog.get_job(handle)
    assert job.handle == handle
    assert (job.company, job.user, job.user_email) == (
        session.company.handle,
        session.user.handle,
        session.user.email,
    )
    assert (job.name, job.job_type, job.state, job.email_setting) == (
        "Spring | catalogue",
        "Export",
        "New",
        "ErrorAndWarning",
    )
    assert job.spec == {"fmt": "orig", "asset_handle_array": ["a|1|1"]}
    assert job.owner == "worker-1"
    assert job.submit_date.tzinfo is UTC
    assert (job.start_date, job.end_date, job.package, job.fatal_error) == (None, None, None, False)
    assert (job.progress, job.message, job.total_count) == (None, None, 0)
    assert not job.finished


@pytest.mark.parametrize(
    ("overrides", "fault", "code"),
    [
        ({"email_setting": "Sometimes"}, ApiFault, 30001),
        ({"name": " "}, ApiFault, 30002),
        ({"job_type": ""}, ApiFault, 30002),
        ({"spec": {"when": object()}}, ApiFault, 30001),
        ({"spec": ["not", "a", "dict"]}, ApiFault, 30001),
    ],
)
def test_invalid_jobs_are_refused(catalog, session, overrides, fault, code):
    with pytest.raises(fault) as refused:
        new_job(catalog, session, **overrides)
    assert refused.value.code == code
    assert catalog.list_jobs(session.company.handle) == []


def test_the_user_must_belong_to_the_company(catalog, session):
    catalog.create_company("Rival")
    with pytest.raises(AuthorizationFault) as refused:
        new_job(catalog, session, company="Rival")
    assert refused.value.code == 20000


def test_state_progress_message_and_owner(catalog, session):
    handle = new_job(catalog, session)
    catalog.set_job_state(handle, "Running", progress=0.25, message="1 of 4", owner="worker-2")
    job = catalog.get_job(handle)
    assert (job.state, job.progress, job.message, job.owner) == (
        "Running",
        0.25,
        "1 of 4",
        "worker-2",
    )
    started = job.start_date
    assert started is not None and started >= job.submit_date
    catalog.set_job_state(handle, "Paused")
    catalog.set_job_state(handle, "Running", progress=0.5)
    job = catalog.get_job(handle)
    assert (job.state, job.progress, job.message) == ("Running", 0.5, "1 of 4")
    assert job.start_date == started  # set once


@pytest.mark.parametrize(
    ("state", "progress"), [("Sleeping", None), ("Running", 1.5), ("Running", -0.1)]
)
def test_invalid_state_or_progress(catalog, session, state, progress):
    handle = new_job(catalog, session)
    with pytest.raises(ApiFault) as refused:
        catalog.set_job_state(handle, state, progress=progress)
    assert refused.value.code == 30001


def test_unknown_or_altered_job_handles(catalog, session):
    handle = new_job(catalog, session, name="real")
    altered = handle.replace("|real|", "|fake|")
    for bad in (altered, "j|1|real|999", "a|1|1", "", "j|x|real|1"):
        with pytest.raises(JobError, match="no job"):
            catalog.get_job(bad)
        with pytest.raises(JobError):
            catalog.add_job_log(bad, log_type="FileBegin", message="x", severity="info")


def test_counts_come_from_the_log_severities(catalog, session):
    handle = new_job(catalog, session)
    for severity in ("success", "success", "error", "warning", "info", "success"):
        catalog.add_job_log(handle, log_type="ReturnSuccess", message=severity, severity=severity)
    job = catalog.get_job(handle)
    assert (job.success_count, job.error_count, job.warning_count, job.total_count) == (3, 1, 1, 5)
    with pytest.raises(ApiFault, match="severity"):
        catalog.add_job_log(handle, log_type="X", message="m", severity="fatal")
    with pytest.raises(ApiFault):
        catalog.add_job_log(handle, log_type="", message="m", severity="info")


def test_finishing_a_job(catalog, session):
    handle = new_job(catalog, session)
    catalog.finish_job(handle, fatal_error=True, package="/exports/job.zip")
    job = catalog.get_job(handle)
    assert (job.state, job.fatal_error, job.package) == ("Done", True, "/exports/job.zip")
    assert job.finished and job.end_date >= job.submit_date
    assert job.start_date is not None  # a job that never ran starts when it ends
    with pytest.raises(JobError, match="finished"):
        catalog.set_job_state(handle, "Running")
    with pytest.raises(JobError, match="already finished"):
        catalog.finish_job(handle)
    catalog.add_job_log(handle, log_type="EndGet", message="late entry", severity="info")


def test_finish_states(catalog, session):
    lost = new_job(catalog, session)
    catalog.finish_job(lost, state="Unknown")
    assert catalog.get_job(lost).state == "Unknown"
    with pytest.raises(ApiFault):
        catalog.finish_job(new_job(catalog, session, name="other"), state="Running")


@pytest.fixture
def logged(catalog, session):
    """A job with 25 log entries: FileBegin 0..24, every fifth an error of type GetFailure."""
    handle = new_job(catalog, session)
    for n in range(25):
        failed = n % 5 == 0
        catalog.add_job_log(
            handle,
            log_type="GetFailure" if failed else "ReturnSuccess",
            message=f"entry {n}",
            severity="error" if failed else "success",
            asset_name=f"file{n}.jpg",
            asset_type="MasterImage",
            asset_handle=f"a|1|{n}",
        )
    return handle


def test_log_details_page_through_in_date_order(catalog, logged):
    pages = [catalog.job_log_details(logged, page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [len(page) for page in pages] == [10, 10, 5, 0]
    messages = [detail.message for page in pages for detail in page]
    assert messages == [f"entry {n}" for n in range(25)]
    first = pages[0][0]
    assert (first.log_type, first.severity, first.asset_name, first.asset_type) == (
        "GetFailure",
        "error",
        "file0.jpg",
        "MasterImage",
    )
    assert first.asset_handle == "a|1|0" and first.date.tzinfo is UTC
    newest = catalog.job_log_details(logged, per_page=3, descending=True)
    assert [d.message for d in newest] == ["entry 24", "entry 23", "entry 22"]


def test_log_details_filter_and_sort_by_type(catalog, logged):
    failures = catalog.job_log_details(logged, log_types=["GetFailure"])
    assert [d.message for d in failures] == [f"entry {n}" for n in range(0, 25, 5)]
    by_type = catalog.job_log_details(logged, sort_by="LogType")
    assert [d.log_type for d in by_type] == ["GetFailure"] * 5 + ["ReturnSuccess"] * 20
    assert by_type[0].message == "entry 0" and by_type[5].message == "entry 1"
    assert len(catalog.job_log_details(logged, log_types=[])) == 25
    assert len(catalog.job_log_details(logged, log_types="GetFailure")) == 5  # one type


@pytest.mark.parametrize(
    "arguments",
    [{"per_page": 1001}, {"per_page": 0}, {"page": 0}, {"sort_by": "Severity"}],
)
def test_log_detail_arguments_are_checked(catalog, logged, arguments):
    with pytest.raises(ApiFault) as refused:
        catalog.job_log_details(logged, **arguments)
    assert refused.value.code == 30001


def test_list_jobs_newest_first_with_filters(catalog, session):
    bob = member(catalog, "Acme", "bob@acme.test")
    first = new_job(catalog, session, name="first")
    second = new_job(catalog, bob, name="second")
    third = new_job(catalog, session, name="third")
    catalog.finish_job(first)
    catalog.set_job_state(third, "Stopping")
    acme = session.company.handle
    assert [j.handle for j in catalog.list_jobs(acme)] == [third, second, first]
    assert [j.handle for j in catalog.list_jobs("Acme", active_only=True)] == [third, second]
    assert [j.handle for j in catalog.list_jobs(acme, user="bob@acme.test")] == [second]
    assert [j.handle for j in catalog.list_jobs(acme, limit=1)] == [third]
    with pytest.raises(ApiFault):
        catalog.list_jobs(acme, limit=0)


def test_active_jobs_of_every_company(catalog, session):
    catalog.create_company("Rival")
    rival = member(catalog, "Rival", "rex@rival.test")
    states = {"New": None, "Running": None, "Paused": None, "Stopping": None}
    for state in states:
        states[state] = new_job(catalog, session, name=state)
        if state != "New":
            catalog.set_job_state(states[state], state)
    theirs = new_job(catalog, rival, name="theirs")
    done = new_job(catalog, session, name="done")
    catalog.finish_job(done)
    marked_done = new_job(catalog, session, name="marked")
    catalog.set_job_state(marked_done, "Done")
    active = {job.handle for job in catalog.active_jobs_all()}
    assert active == {*states.values(), theirs}
    assert catalog.list_jobs("Rival", active_only=True)[0].handle == theirs


def test_threads_share_a_catalog_each_with_its_own_connection(catalog, session):
    handle = new_job(catalog, session)
    connections = set()

    def write(n: int) -> None:
        connections.add(id(catalog.connection()))
        for i in range(20):
            catalog.add_job_log(handle, log_type="T", message=f"{n}-{i}", severity="success")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(connections) == 4
    assert catalog.get_job(handle).success_count == 80


def _log_from_child(catalog: Catalog, handle: str) -> None:
    catalog.set_job_state(handle, "Running", owner="child")
    catalog.add_job_log(handle, log_type="FileBegin", message="from child", severity="info")


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_a_forked_worker_opens_its_own_connection(catalog, session):
    handle = new_job(catalog, session)
    catalog.get_job(handle)  # the parent's connection exists before the fork
    child = multiprocessing.get_context("fork").Process(
        target=_log_from_child, args=(catalog, handle)
    )
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    job = catalog.get_job(handle)
    assert (job.state, job.owner) == ("Running", "child")
    assert [d.message for d in catalog.job_log_details(handle)] == ["from child"]


def test_another_process_sees_committed_writes_at_once(catalog, session):
    handle = new_job(catalog, session)
    with Catalog.open(catalog.home) as other:
        other.add_job_log(handle, log_type="X", message="m", severity="warning")
        assert catalog.get_job(handle).warning_count == 1
