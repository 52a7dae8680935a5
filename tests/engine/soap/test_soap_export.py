"""The seed's export over SOAP, end to end: upload through the UploadFile servlet, find the
asset, submit an ExportJob with zeep, poll, download the package with HTTP Basic; against the
app in this process and against ``isrender serve`` itself."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from kits.waiting import wait_for
from soap_kit import PASSWORD, WAIT, ServeProcess, jpeg_bytes, zip_names

from engine.errors import ApiFault
from engine.soap.schema import AUTH_NAMESPACE

ANN = "ann@acme.test"
NS = "http://www.scene7.com/IpsApi/xsd/2014-04-03"


def upload(
    server,
    files: dict[str, bytes],
    *,
    company: str,
    job: str = "upload-1",
    email: str = ANN,
    password: str = PASSWORD,
    extra: str = "",
    end: bool = True,
) -> httpx.Response:
    """POST ``files`` to the UploadFile servlet; ``job`` is a job name, or a handle
    (``j|…``) to add to."""
    auth = (
        f'<authHeader xmlns="{NS}"><user>{email}</user><password>{password}</password>'
        "<appName>test</appName></authHeader>"
    )
    params = (
        f'<uploadPostParam xmlns="{NS}"><companyHandle>{company}</companyHandle>'
        + (f"<jobHandle>{job}</jobHandle>" if job.startswith("j|") else f"<jobName>{job}</jobName>")
        + f"{extra}<endJob>{str(end).lower()}</endJob>"
        "<uploadParams><overwrite>true</overwrite><emailSetting>None</emailSetting>"
        "</uploadParams></uploadPostParam>"
    )
    parts = [("auth", (None, auth)), ("uploadParams", (None, params))]
    parts += [(f"file{n}", (name, data)) for n, (name, data) in enumerate(files.items())]
    return httpx.post(f"{server.url}/scene7/UploadFile", files=parts, timeout=WAIT)


def upload_and_export(server, client, world, job: str, email_setting: str) -> str:
    """Upload a.jpg and submit an export of its original; the job's handle."""
    upload(server, {"a.jpg": jpeg_bytes()}, company=world.acme)
    (asset,) = client.service.getAssetsByName(
        companyHandle=world.acme, nameArray={"items": ["a.jpg"]}
    )
    return client.service.submitJob(
        companyHandle=world.acme,
        jobName=job,
        exportJob={
            "assetHandleArray": {"items": [asset.assetHandle]},
            "fmt": "orig",
            "emailSetting": email_setting,
        },
    )


@pytest.fixture(params=["create_app", "isrender serve"])
def seed_server(request, serve, world):
    """The app under uvicorn in this process, or ``isrender serve`` as a subprocess."""
    if request.param == "create_app":
        yield serve()
        return
    process = ServeProcess(world.home)
    try:
        yield process
    finally:
        process.stop()


def test_the_seed_export_over_soap(seed_server, world):
    server = seed_server
    answer = upload(server, {"fileToExport.jpg": jpeg_bytes()}, company=world.acme)
    assert answer.status_code == 200, answer.text
    assert "<" in answer.text and "jobHandle" in answer.text and NS in answer.text

    client = server.client(ANN)
    saved = client.service.saveImageFormat(
        companyHandle=world.acme, name="test", urlModifier="fmt=tif"
    )
    assert saved == f"{world.acme}|test"
    assets = client.service.getAssetsByName(
        companyHandle=world.acme, nameArray={"items": ["fileToExport.jpg"]}
    )
    (asset,) = assets
    assert (asset.name, asset.type) == ("fileToExport.jpg", "Image")

    handle = client.service.submitJob(
        companyHandle=world.acme,
        jobName="seed export",
        exportJob={
            "assetHandleArray": {"items": [asset.assetHandle]},
            "fmt": "convert",
            "is_modifier": "&fmt=png",
            "macro": "$test$",
            "emailSetting": "None",
        },
    )
    assert handle.startswith("j|")

    def finished():
        active = client.service.getActiveJobs(companyHandle=world.acme)
        return not [job for job in active or [] if job.jobHandle == handle]

    wait_for(finished, "the export job to finish")
    logs = client.service.getJobLogs(companyHandle=world.acme)
    log = next(item for item in logs if item.jobHandle == handle)
    assert (log.fileSuccessCount, log.fileErrorCount, log.fatalError) == (1, 0, False)

    details = client.service.getJobLogDetails(companyHandle=world.acme, jobHandle=handle)
    entries = details[0].detailArray["items"]
    end = next(entry for entry in entries if entry.logType == "EndGet")
    url = end.logMessage.split("download: ", 1)[1]
    assert url.startswith(f"{server.url}/scene7/packages?jobHandle=")

    assert httpx.get(url, timeout=WAIT).status_code == 401
    package = httpx.get(url, auth=(ANN, PASSWORD), timeout=WAIT)
    assert package.status_code == 200
    assert zip_names(package.content) == ["fileToExport.tiff"]


def test_the_package_is_refused_to_other_companies_and_wrong_passwords(server, world):
    client = server.client(ANN)
    handle = upload_and_export(server, client, world, "orig", "None")
    wait_for(lambda: not client.service.getActiveJobs(companyHandle=world.acme), "the job")
    url = server.app.package_url(handle)
    assert httpx.get(url, auth=("oli@other.test", PASSWORD), timeout=WAIT).status_code == 404
    assert httpx.get(url, auth=(ANN, "wrong"), timeout=WAIT).status_code == 401
    assert zip_names(httpx.get(url, auth=(ANN, PASSWORD), timeout=WAIT).content) == ["a.jpg"]


def test_upload_servlet_faults_are_bare_fault_documents_with_status_200(server, world):
    answer = upload(server, {"a.jpg": jpeg_bytes()}, company=world.acme, password="wrong")
    assert answer.status_code == 200
    assert (
        "authenticationFault" in answer.text
        and "<ns0:code>10001</ns0:code>" in answer.text.replace("tns:", "ns0:")
    )
    other = upload(server, {"a.jpg": jpeg_bytes()}, company=world.other)
    assert other.status_code == 200 and "authorizationFault" in other.text and "20000" in other.text


def test_upload_servlet_logs_each_file(server, world):
    answer = upload(
        server,
        {"good.jpg": jpeg_bytes(), "bad.jpg": b"not an image"},
        company=world.acme,
        extra="<destFolder>/shoes</destFolder>",
    )
    assert answer.status_code == 200, answer.text
    client = server.client(ANN)
    logs = client.service.getJobLogs(companyHandle=world.acme)
    (log,) = logs
    assert (log.jobName, log.fileSuccessCount, log.fileErrorCount) == ("upload-1", 1, 1)
    found = client.service.searchAssets(companyHandle=world.acme, folder="/shoes")
    assert [a.name for a in found.assetArray["items"]] == ["good.jpg"]
    assert AUTH_NAMESPACE  # the servlet's auth part may use any IPS namespace


def test_the_notification_e_mail_holds_the_download_url(serve, world):
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    from engine.export import SmtpSettings

    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        server = serve(smtp=SmtpSettings(host="127.0.0.1", port=port))
        handle = upload_and_export(server, server.client(ANN), world, "mailed", "All")
        wait_for(lambda: received, "the e-mail")
    finally:
        controller.stop()
    body = received[0].get_content()
    assert f"Download: {server.app.package_url(handle)}" in body
    assert "file://" not in body


def test_an_upload_job_spans_posts_until_end_job(server, world):
    first = upload(server, {"one.jpg": jpeg_bytes()}, company=world.acme, end=False)
    handle = first.text.split("jobHandle>", 1)[1].split("<", 1)[0]
    client = server.client(ANN)
    (active,) = client.service.getActiveJobs(companyHandle=world.acme)
    assert (active.jobHandle, active.type, active.state) == (handle, "UploadPost", "Running")
    assert active.exportJob is None
    second = upload(server, {"two.jpg": jpeg_bytes((8, 8))}, company=world.acme, job=handle)
    assert handle in second.text
    assert not client.service.getActiveJobs(companyHandle=world.acme)
    (log,) = client.service.getJobLogs(companyHandle=world.acme)
    assert (log.fileSuccessCount, log.endDate is not None) == (2, True)
    again = upload(server, {"three.jpg": jpeg_bytes()}, company=world.acme, job=handle)
    assert "authorizationFault" in again.text and "20005" in again.text


def test_an_upload_job_without_end_job_ends_after_30_minutes(server, world, clock):
    upload(server, {"one.jpg": jpeg_bytes()}, company=world.acme, end=False)
    client = server.client(ANN)
    clock.advance(timedelta(minutes=29))
    assert client.service.getActiveJobs(companyHandle=world.acme)
    clock.advance(timedelta(minutes=1))
    wait_for(lambda: not client.service.getActiveJobs(companyHandle=world.acme), "the timeout")
    (log,) = client.service.getJobLogDetails(
        companyHandle=world.acme, originalName="upload-1", logTypeArray={"items": ["EndUpload"]}
    )
    assert "no POST for 30 minutes" in log.detailArray["items"][0].logMessage


def test_the_posts_of_an_upload_job_come_from_one_address(server, world):
    from engine.soap.upload_jobs import UploadedFile

    session = server.service.catalog.session_for(ANN, world.acme)
    uploads = server.service.uploads
    params = {"companyHandle": world.acme, "jobName": "split"}
    handle = uploads.post(session, params, [], "10.0.0.1")
    more = {"companyHandle": world.acme, "jobHandle": handle, "endJob": True}
    image = UploadedFile("b.jpg", io.BytesIO(jpeg_bytes()))
    with pytest.raises(ApiFault) as caught:
        uploads.post(session, more, [image], "10.0.0.2")
    assert "one IP address" in caught.value.message
    assert uploads.post(session, more, [image], "10.0.0.1") == handle
    assert session.catalog.get_job(handle).finished
