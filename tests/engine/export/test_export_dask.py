"""Exports on a real Dask ``LocalCluster`` (processes, two workers): end to end, a worker
killed mid-task, a worker that dies on one asset every time, an unreachable scheduler and a
missing extra (issue 12)."""

from __future__ import annotations

import os
import signal
import sys

import pytest
from export_kit import image_bytes, zip_entries
from kits.catalog import PASSWORD
from kits.waiting import wait_for
from pg_kit import free_port

from engine.cli import main
from engine.errors import SettingsError
from engine.export import Coordinator, ExportJob, ExportLimits, cluster

distributed = pytest.importorskip("distributed", reason="needs isrender[dask]")
import dask  # noqa: E402
import dask_kit  # noqa: E402

ASSETS = 6
ALLOWED_FAILURES = 1  # a poisoned asset kills two workers, not four (faster)


@pytest.fixture(scope="module")
def scheduler() -> str:
    import cloudpickle

    cloudpickle.register_pickle_by_value(dask_kit)
    settings = {
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
        "distributed.scheduler.worker-saturation": 1.0,  # a dying worker holds one task
    }
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as local,
    ):
        yield local.scheduler_address


@pytest.fixture
def database_url() -> str:
    """SQLite only: the executor, not the catalog, is under test here."""
    return ""


def export(coordinator, session, handles):
    job = coordinator.submit_job(session, ExportJob(handles, fmt="convert", is_modifier="fmt=png"))
    return coordinator.wait(session, job, timeout=120)


def asset_entries(catalog, record) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for entry in catalog.job_log_details(record.handle):
        if entry.asset_handle:
            entries.setdefault(entry.asset_handle, []).append(entry.severity)
    return entries


@pytest.mark.slow
def test_an_export_runs_on_the_cluster(scheduler, catalog, session, make_coordinator):
    handles = [session.upload(image_bytes(n), name=f"p{n}.jpg").handle for n in range(ASSETS)]
    coordinator = make_coordinator(executor=scheduler)
    assert coordinator.workers == 4  # twice the cluster's threads in flight
    record = export(coordinator, session, handles)
    assert (record.state, record.success_count, record.error_count) == ("Done", ASSETS, 0)
    assert sorted(zip_entries(record.package)) == [f"p{n}.png" for n in range(ASSETS)]


@pytest.mark.slow
def test_assets_travel_in_batches_that_shrink_towards_the_end(
    scheduler, catalog, session, make_coordinator
):
    handles = [session.upload(image_bytes(n), name=f"b{n}.jpg").handle for n in range(ASSETS)]
    executor = dask_kit.SwappingExecutor(scheduler, lambda task: None)
    coordinator = make_coordinator(executor=executor, max_workers=2)
    record = export(coordinator, session, handles)
    executor.shutdown()
    assert asset_entries(catalog, record) == {h: ["success"] for h in handles}
    assert sum(executor.batches) == ASSETS
    assert executor.batches[0] > 1 and executor.batches[-1] == 1


@pytest.mark.slow
def test_a_worker_killed_mid_task_costs_nothing(scheduler, catalog, session, make_coordinator):
    """Dask runs the killed worker's task again elsewhere: every asset once, all exported."""
    handles = [session.upload(image_bytes(n), name=f"k{n}.jpg").handle for n in range(ASSETS)]
    executor = dask_kit.SwappingExecutor(scheduler, lambda task: dask_kit.slow_convert)
    coordinator = make_coordinator(executor=executor, max_workers=2)
    job = coordinator.submit_job(session, ExportJob(handles, fmt="convert", is_modifier="fmt=png"))
    client = executor.client
    busy = wait_for(
        lambda: [address for address, keys in client.processing().items() if keys],
        "a conversion running on a worker",
    )
    pids = client.run(os.getpid)
    os.kill(pids[busy[0]], signal.SIGKILL)
    record = coordinator.wait(session, job, timeout=120)
    executor.shutdown()
    assert (record.success_count, record.error_count) == (ASSETS, 0)
    assert asset_entries(catalog, record) == {h: ["success"] for h in handles}


@pytest.mark.slow
def test_an_asset_that_kills_every_worker_is_its_own_error(
    scheduler, catalog, session, make_coordinator
):
    handles = [session.upload(image_bytes(n), name=f"d{n}.jpg").handle for n in range(ASSETS)]
    executor = dask_kit.SwappingExecutor(
        scheduler, lambda task: dask_kit.die if task.position == 2 else None
    )
    coordinator = make_coordinator(executor=executor, max_workers=2)
    record = export(coordinator, session, handles)
    executor.shutdown()
    assert executor.batches[0] == 3  # 0, 1, 2: died as a whole, then each alone
    assert executor.batches.count(1) >= 3
    entries = asset_entries(catalog, record)
    assert entries == {h: ["error" if h == handles[2] else "success"] for h in handles}
    [failure] = [e for e in catalog.job_log_details(record.handle) if e.severity == "error"]
    assert "KilledWorker" in failure.message and failure.asset_name == "d2.jpg"
    assert len(zip_entries(record.package)) == ASSETS - 1


@pytest.mark.slow
def test_a_conversion_over_the_time_limit_fails_alone(
    scheduler, catalog, session, make_coordinator
):
    """The worker running a conversion that hangs is killed and restarted by its nanny; that
    asset is a time-limit error, the others of its batch and of the job are exported."""
    names = ["good0.jpg", "bad.jpg", "good1.jpg", "good2.jpg"]
    handles = [session.upload(image_bytes(n), name=name).handle for n, name in enumerate(names)]
    executor = dask_kit.SwappingExecutor(
        scheduler, lambda task: dask_kit.hang if task.object_name == "bad" else None
    )
    client = executor.client
    client.wait_for_workers(2, timeout=60)  # the tests before kill workers
    before = set(client.run(os.getpid).values())
    coordinator = make_coordinator(
        executor=executor, max_workers=1, limits=ExportLimits(max_convert_seconds=3.0)
    )
    record = export(coordinator, session, handles)
    executor.shutdown()
    assert (record.success_count, record.error_count, record.fatal_error) == (3, 1, False)
    assert sorted(zip_entries(record.package)) == ["good0.png", "good1.png", "good2.png"]
    [failure] = [e for e in catalog.job_log_details(record.handle) if e.severity == "error"]
    assert failure.asset_name == "bad.jpg"
    assert failure.message == (
        "conversion stopped: it ran longer than the time limit of 3 s; its Dask worker process "
        "was killed and restarted"
    )
    with distributed.Client(scheduler, set_as_default=False) as again:
        again.wait_for_workers(2, timeout=60)
        after = set(again.run(os.getpid).values())
    assert len(before - after) == 1  # the hanging worker's process was replaced, only it


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch, catalog):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 0.5)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(SettingsError, match=f"cannot reach the Dask scheduler at {address}"):
        Coordinator(catalog, executor=address)


def test_the_executor_comes_from_the_environment(monkeypatch, catalog):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 0.5)
    monkeypatch.setenv(cluster.ENV_EXECUTOR, f"tcp://127.0.0.1:{free_port()}")
    with pytest.raises(SettingsError, match="cannot reach the Dask scheduler"):
        Coordinator(catalog)
    monkeypatch.setenv(cluster.ENV_EXECUTOR, "local")
    Coordinator(catalog).close()


def test_an_address_without_scheme_is_refused(catalog):
    with pytest.raises(SettingsError, match="expected 'local' or a Dask scheduler address"):
        Coordinator(catalog, executor="scheduler:8786")


def test_without_dask_the_error_names_the_extra(monkeypatch, catalog):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(SettingsError, match=r"pip install 'isrender\[dask\]'"):
        Coordinator(catalog, executor="tcp://scheduler:8786")


def test_the_cli_names_an_unreachable_scheduler(monkeypatch, capsys, catalog, session):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 0.5)
    monkeypatch.setenv("ISRENDER_PASSWORD", PASSWORD)
    asset = session.upload(image_bytes(1), name="a.jpg")
    address = f"tcp://127.0.0.1:{free_port()}"
    argv = ["export", asset.handle, "--fmt", "orig", "--executor", address]
    assert main([*argv, "--home", str(catalog.home), "--user", "ann@acme.test"]) == 78
    assert f"cannot reach the Dask scheduler at {address}" in capsys.readouterr().err
    assert catalog.list_jobs("Acme") == []  # refused before anything was submitted
