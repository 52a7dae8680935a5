"""Jobs and job logs: creation, state transitions, progress, claims, counts, log paging,
listings and concurrency (threads and processes racing for the same job)."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC

import pytest
from kits.catalog import member

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


def running(catalog, session, name="Export 1"):
    handle = new_job(catalog, session, name=name)
    assert catalog.transition_job(handle, ("New",), "Running")
    return handle


def test_transitions_apply_only_from_the_given_states(catalog, session):
    handle = new_job(catalog, session)
    assert not catalog.transition_job(handle, ("Running", "Paused"), "Stopping")
    assert catalog.get_job(handle).state == "New"  # nothing written
    assert catalog.transition_job(handle, ("New",), "Running", owner="worker-2", message="go")
    job = catalog.get_job(handle)
    assert (job.state, job.owner, job.message, job.progress) == ("Running", "worker-2", "go", None)
    started = job.start_date
    assert started is not None and started >= job.submit_date
    assert not catalog.transition_job(handle, ("New",), "Running", owner="late", message="no")
    assert (catalog.get_job(handle).owner, catalog.get_job(handle).message) == ("worker-2", "go")
    assert catalog.transition_job(handle, "Running", "Paused")  # one state as a string
    assert catalog.transition_job(handle, ["Paused"], "Running")
    job = catalog.get_job(handle)
    assert (job.state, job.owner, job.message) == ("Running", "worker-2", "go")  # kept
    assert job.start_date == started  # set once


def test_a_job_paused_before_it_ran_starts_when_resumed(catalog, session):
    handle = new_job(catalog, session)
    assert catalog.transition_job(handle, ("New", "Running"), "Paused")
    assert catalog.get_job(handle).start_date is None
    assert catalog.transition_job(handle, ("Paused",), "Running")
    assert catalog.get_job(handle).start_date is not None


@pytest.mark.parametrize(
    ("from_states", "to_state", "code"),
    [
        (("Running",), "Sleeping", 30001),
        (("Sleeping",), "Running", 30001),
        (("Running",), "Done", 30001),  # jobs end with finish_job
        (("Done",), "Running", 30001),
        ((), "Running", 30002),
    ],
)
def test_invalid_transitions(catalog, session, from_states, to_state, code):
    handle = new_job(catalog, session)
    with pytest.raises(ApiFault) as refused:
        catalog.transition_job(handle, from_states, to_state)
    assert refused.value.code == code
    assert catalog.get_job(handle).state == "New"


def test_progress_never_changes_the_state(catalog, session):
    handle = running(catalog, session)
    assert catalog.transition_job(handle, ("Running",), "Paused")
    catalog.update_job_progress(handle, 0.25, "1 of 4")
    job = catalog.get_job(handle)
    assert (job.state, job.progress, job.message) == ("Paused", 0.25, "1 of 4")
    catalog.update_job_progress(handle, 0.5)
    job = catalog.get_job(handle)
    assert (job.state, job.progress, job.message) == ("Paused", 0.5, "1 of 4")
    for progress in (1.5, -0.1):
        with pytest.raises(ApiFault) as refused:
            catalog.update_job_progress(handle, progress)
        assert refused.value.code == 30001
    assert catalog.get_job(handle).progress == 0.5


def test_progress_from_another_thread_never_undoes_a_transition(catalog, session):
    """The job's process reports progress without pause while another connection pauses,
    resumes and stops the job: every compare-and-set finds the state the last one left."""
    handle = running(catalog, session)
    done = threading.Event()

    def report() -> None:
        step = 0
        while not done.is_set():
            step += 1
            catalog.update_job_progress(handle, (step % 100) / 100, f"step {step}")

    reporter = threading.Thread(target=report)
    reporter.start()
    try:
        with catalog.reopen() as other:
            for _ in range(50):
                assert other.transition_job(handle, ("Running",), "Paused")
                assert other.transition_job(handle, ("Paused",), "Running")
            assert other.transition_job(handle, ("Running",), "Stopping")
    finally:
        done.set()
        reporter.join()
    job = catalog.get_job(handle)
    assert job.state == "Stopping" and job.message.startswith("step ")


def test_claiming_a_job_is_a_compare_and_set_on_its_owner(catalog, session):
    handle = new_job(catalog, session)  # owned by worker-1
    assert not catalog.claim_job(handle, "rescuer", "worker-9")
    assert catalog.claim_job(handle, "rescuer", "worker-1")
    assert not catalog.claim_job(handle, "second rescuer", "worker-1")
    assert catalog.get_job(handle).owner == "rescuer"
    with pytest.raises(ApiFault):
        catalog.claim_job(handle, " ", "rescuer")
    catalog.finish_job(handle)
    assert not catalog.claim_job(handle, "late", "rescuer")
    assert catalog.get_job(handle).owner == "rescuer"


CONTENDERS = 4
ROUNDS = 15


def _contend(
    catalog: Catalog, handles: list[str], name: str, operation: str, start: threading.Barrier
) -> None:
    """Race the other contenders for each job; the winner logs its name on the job."""
    for handle in handles:
        start.wait(timeout=30)
        if operation == "claim":
            won = catalog.claim_job(handle, name, "worker-1")
        else:
            target = "Paused" if name.endswith(("0", "2")) else "Stopping"
            won = catalog.transition_job(handle, ("Running",), target, owner=name)
        if won:
            catalog.add_job_log(handle, log_type="Won", message=name, severity="info")


def _exactly_one_winner_each(catalog: Catalog, handles: list[str], operation: str) -> None:
    for handle in handles:
        winners = [d.message for d in catalog.job_log_details(handle)]
        assert len(winners) == 1, f"{handle}: won by {winners}"
        job = catalog.get_job(handle)
        assert job.owner == winners[0]
        if operation == "transition":
            assert job.state == ("Paused" if winners[0].endswith(("0", "2")) else "Stopping")


@pytest.mark.parametrize("operation", ["transition", "claim"])
def test_threads_racing_for_a_job_have_exactly_one_winner(catalog, session, operation):
    handles = [running(catalog, session, name=f"race {n}") for n in range(ROUNDS)]
    start = threading.Barrier(CONTENDERS)
    threads = [
        threading.Thread(target=_contend, args=(catalog, handles, f"thread {n}", operation, start))
        for n in range(CONTENDERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _exactly_one_winner_each(catalog, handles, operation)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
@pytest.mark.parametrize("operation", ["transition", "claim"])
def test_processes_racing_for_a_job_have_exactly_one_winner(catalog, session, operation):
    handles = [running(catalog, session, name=f"race {n}") for n in range(ROUNDS)]
    context = multiprocessing.get_context("fork")
    start = context.Barrier(CONTENDERS)
    processes = [
        context.Process(target=_contend, args=(catalog, handles, f"process {n}", operation, start))
        for n in range(CONTENDERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0] * CONTENDERS
    _exactly_one_winner_each(catalog, handles, operation)


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
    assert not catalog.transition_job(handle, ("New", "Running"), "Running")
    with pytest.raises(JobError, match="finished"):
        catalog.update_job_progress(handle, 0.5)
    assert (catalog.get_job(handle).state, catalog.get_job(handle).progress) == ("Done", None)
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
    assert catalog.transition_job(third, ("New",), "Stopping")
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
            assert catalog.transition_job(states[state], ("New",), state)
    theirs = new_job(catalog, rival, name="theirs")
    done = new_job(catalog, session, name="done")
    catalog.finish_job(done)
    lost = new_job(catalog, session, name="lost")
    catalog.finish_job(lost, state="Unknown")
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
    catalog.transition_job(handle, ("New",), "Running", owner="child")
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
    with catalog.reopen() as other:
        other.add_job_log(handle, log_type="X", message="m", severity="warning")
        assert catalog.get_job(handle).warning_count == 1
