"""Sign-in forms, the SOAP faults and their HTTP status, XML safety, versions and gzip."""

from __future__ import annotations

import re
import time

import httpx
import pytest
import zeep
from soap_kit import PASSWORD, WAIT, auth_header, envelope, jpeg_bytes

from engine.soap.schema import NAMESPACES, VERSIONS

ANN = "ann@acme.test"
NS = "http://www.scene7.com/IpsApi/xsd/2014-04-03"


def fault_of(call) -> tuple[str, int, str]:
    """(fault element, code, reason) of the zeep Fault ``call`` raises."""
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call()
    (detail,) = list(caught.value.detail)
    values = {child.tag.rsplit("}", 1)[1]: child.text for child in detail}
    return detail.tag.rsplit("}", 1)[1], int(values["code"]), values["reason"]


def company_info(server, world, **headers) -> httpx.Response:
    body = (
        f"<ips:getCompanyInfoParam><ips:companyHandle>{world.acme}</ips:companyHandle>"
        "</ips:getCompanyInfoParam>"
    )
    headers.setdefault("SOAPAction", "getCompanyInfo")
    return server.post(envelope(body, headers.pop("header", "")), **headers)


# --- the WSDL ----------------------------------------------------------------------------------


def test_each_version_has_its_wsdl_with_the_address_of_this_server(server):
    for version in VERSIONS:
        answer = httpx.get(f"{server.url}/scene7/webservice/IpsApi-{version}.wsdl", timeout=WAIT)
        assert answer.status_code == 200
        assert f'targetNamespace="http://www.scene7.com/IpsApi/xsd/{version}"' in answer.text
        assert f'location="{server.url}/scene7/services/IpsApiService"' in answer.text
        client = zeep.Client(f"{server.url}/scene7/webservice/IpsApi-{version}.wsdl")
        assert "submitJob" in dir(client.service)
    latest = httpx.get(f"{server.url}/scene7/services/IpsApiService?wsdl", timeout=WAIT)
    assert 'targetNamespace="http://www.scene7.com/IpsApi/xsd/2014-04-03"' in latest.text
    missing = httpx.get(f"{server.url}/scene7/webservice/IpsApi-2008-01-15.wsdl", timeout=WAIT)
    assert missing.status_code == 404 and "IpsApi-2014-04-03.wsdl" in missing.text


@pytest.mark.parametrize("version", VERSIONS)
def test_a_client_of_each_version_is_answered_in_its_namespace(server, world, version):
    client = server.client(ANN, version=version)
    info = client.service.getCompanyInfo(companyHandle=world.acme)
    assert (info.companyHandle, info.name, info.rootPath) == (world.acme, "Acme", "Acme/")
    raw = company_info(server, world, header=auth_header(ANN))
    assert raw.status_code == 200 and NS in raw.text
    assert set(NAMESPACES.values()) == set(VERSIONS)


# --- signing in ----------------------------------------------------------------------------------


def test_http_basic_signs_in(server, world):
    client = server.client(ANN, basic=True)
    assert client.service.getCompanyInfo(companyName="Acme").companyHandle == world.acme
    wrong = server.client(ANN, "wrong", basic=True)
    assert fault_of(lambda: wrong.service.getCompanyInfo(companyName="Acme"))[:2] == (
        "authenticationFault",
        10001,
    )


def test_legacy_authuser_headers_and_versioned_authheader_sign_in(server, world):
    legacy = (
        '<a:AuthUser xmlns:a="http://www.scene7.com/IpsApi">ann@acme.test</a:AuthUser>'
        f'<a:AuthPassword xmlns:a="http://www.scene7.com/IpsApi">{PASSWORD}</a:AuthPassword>'
    )
    assert company_info(server, world, header=legacy).status_code == 200
    versioned = auth_header(ANN).replace("auth:", "ips:")
    assert company_info(server, world, header=versioned).status_code == 200


def test_missing_credentials_are_fault_10000_with_status_500(server, world):
    answer = company_info(server, world)
    assert answer.status_code == 500
    assert "authenticationFault" in answer.text and ">10000<" in answer.text
    assert "Traceback" not in answer.text


def test_fault_http_status_code_overrides_the_status(server, world):
    header = auth_header(ANN, "wrong", "<auth:faultHttpStatusCode>200</auth:faultHttpStatusCode>")
    answer = company_info(server, world, header=header)
    assert answer.status_code == 200 and ">10001<" in answer.text


def test_wrong_password_and_unknown_user_give_one_answer(server, world):
    wrong = server.client(ANN, "wrong")
    unknown = server.client("nobody@acme.test")
    first = fault_of(lambda: wrong.service.getCompanyInfo(companyHandle=world.acme))
    second = fault_of(lambda: unknown.service.getCompanyInfo(companyHandle=world.acme))
    assert first == second == ("authenticationFault", 10001, "Invalid username/password")


# --- authorization -------------------------------------------------------------------------------


def test_another_companys_handles_look_exactly_like_unknown_ones(server, world):
    oli = server.client("oli@other.test")
    job = {"fmt": "orig", "emailSetting": "None"}
    other_asset = server.service.catalog.session_for("ann@acme.test", world.acme).upload(
        jpeg_bytes(), name="secret.jpg"
    )
    theirs = fault_of(
        lambda: oli.service.submitJob(
            companyHandle=world.other,
            jobName="x",
            exportJob={**job, "assetHandleArray": {"items": [other_asset.handle]}},
        )
    )
    unknown = fault_of(
        lambda: oli.service.submitJob(
            companyHandle=world.other,
            jobName="x",
            exportJob={**job, "assetHandleArray": {"items": ["a|2|999"]}},
        )
    )
    assert theirs[:2] == unknown[:2] == ("authorizationFault", 20005)
    assert theirs[2].replace(other_asset.handle, "H") == unknown[2].replace("a|2|999", "H")
    # a company the user is not in looks like one that does not exist
    not_member = fault_of(lambda: oli.service.getCompanyInfo(companyHandle=world.acme))
    no_company = fault_of(lambda: oli.service.getCompanyInfo(companyHandle="c|99"))
    assert not_member[:2] == no_company[:2] == ("authorizationFault", 20000)


def test_a_role_without_permission_is_fault_20003(server, world):
    pat = server.client("pat@acme.test")  # ImagePortalUser: may read, not submit
    assert pat.service.searchAssets(companyHandle=world.acme).totalRows == 0
    name, code, reason = fault_of(
        lambda: pat.service.submitJob(
            companyHandle=world.acme,
            jobName="x",
            exportJob={
                "assetHandleArray": {"items": ["a|1|1"]},
                "fmt": "orig",
                "emailSetting": "None",
            },
        )
    )
    assert (name, code) == ("authorizationFault", 20003) and "submitJob" in reason
    web = server.client("web@acme.test")
    assert fault_of(lambda: web.service.getImageFormats(companyHandle=world.acme))[1] == 20003


# --- parameters ----------------------------------------------------------------------------------


def test_missing_and_invalid_fields_name_the_field(server, world):
    ann = server.client(ANN)
    asset = server.service.catalog.session_for(ANN, world.acme).upload(jpeg_bytes(), name="a.jpg")
    items = {"items": [asset.handle]}
    no_detail = fault_of(lambda: ann.service.submitJob(companyHandle=world.acme, jobName="x"))
    assert no_detail[:2] == ("ipsApiFault", 30002) and "exportJob" in no_detail[2]
    bad_fmt = fault_of(
        lambda: ann.service.submitJob(
            companyHandle=world.acme,
            jobName="x",
            exportJob={"assetHandleArray": items, "fmt": "bogus", "emailSetting": "None"},
        )
    )
    assert bad_fmt[:2] == ("ipsApiFault", 30001) and "fmt" in bad_fmt[2]
    no_handles = fault_of(
        lambda: ann.service.submitJob(
            companyHandle=world.acme,
            jobName="x",
            exportJob={"assetHandleArray": {"items": []}, "fmt": "orig", "emailSetting": "None"},
        )
    )
    assert no_handles[:2] == ("ipsApiFault", 30002) and "assetHandleArray" in no_handles[2]
    bad_cron = fault_of(
        lambda: ann.service.submitJob(
            companyHandle=world.acme,
            jobName="x",
            execSchedule="00 00 00 * * ",
            exportJob={"assetHandleArray": items, "fmt": "orig", "emailSetting": "None"},
        )
    )
    assert bad_cron[:2] == ("ipsApiFault", 30001) and "6 or 7" in bad_cron[2]
    assert not server.service.catalog.list_jobs(world.acme)  # nothing was recorded


def test_other_job_details_are_refused_by_name(server, world):
    body = (
        f"<ips:submitJobParam><ips:companyHandle>{world.acme}</ips:companyHandle>"
        "<ips:jobName>publish</ips:jobName><ips:imageServingPublishJob><ips:publishType>Full"
        "</ips:publishType></ips:imageServingPublishJob></ips:submitJobParam>"
    )
    answer = server.post(envelope(body, auth_header(ANN)), SOAPAction="submitJob")
    assert answer.status_code == 500
    assert "ipsApiFault" in answer.text and ">30001<" in answer.text
    assert "imageServingPublishJob is not supported" in answer.text


def test_a_value_of_the_wrong_xsd_type_is_fault_30001(server, world):
    body = (
        f"<ips:getJobLogsParam><ips:companyHandle>{world.acme}</ips:companyHandle>"
        "<ips:numRows>many</ips:numRows></ips:getJobLogsParam>"
    )
    answer = server.post(envelope(body, auth_header(ANN)), SOAPAction="getJobLogs")
    assert ">30001<" in answer.text and "getJobLogs.numRows" in answer.text


# --- hostile and broken XML ---------------------------------------------------------------------


def fault_code(answer: httpx.Response) -> str:
    assert "Traceback" not in answer.text
    found = re.search(r"<(?:\w+:)?code>(\d+)<", answer.text)
    return found[1] if found else ""


def test_an_external_entity_is_refused_and_no_file_is_read(server, world, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>' + envelope(
        "<ips:getCompanyInfoParam><ips:companyName>&s;</ips:companyName></ips:getCompanyInfoParam>",
        auth_header(ANN),
    )
    answer = server.post(body, SOAPAction="getCompanyInfo")
    assert fault_code(answer) == "30003"
    assert "TOP-SECRET" not in answer.text


def test_an_entity_bomb_is_refused_at_once(server):
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    body = f"<!DOCTYPE x [{entities}]>" + envelope(
        "<ips:getCompanyInfoParam>&a9;</ips:getCompanyInfoParam>"
    )
    started = time.monotonic()
    answer = server.post(body, SOAPAction="getCompanyInfo")
    assert fault_code(answer) == "30003"
    assert time.monotonic() - started < 10  # refused, not expanded


def test_a_doctype_alone_is_refused(server):
    answer = server.post("<!DOCTYPE x>" + envelope("<ips:getCompanyInfoParam/>"))
    assert fault_code(answer) == "30003"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<unclosed",
        b"\xff\xfe garbage",
        b"<notSoap/>",
        envelope("").encode(),
        envelope("<ips:noSuchOperationParam/>").encode(),
        envelope("<x:getCompanyInfoParam xmlns:x='urn:other'/>").encode(),
    ],
)
def test_malformed_requests_are_fault_30003(server, body):
    answer = server.post(body)
    assert answer.status_code == 500
    assert fault_code(answer) == "30003"


def test_a_50_mb_body_is_refused_without_reading_it_all(server):
    answer = server.post(b"<" + b"a" * (50 * 1024 * 1024))
    assert answer.status_code == 413


def test_soap_action_must_match_the_body(server, world):
    answer = company_info(server, world, header=auth_header(ANN), SOAPAction="submitJob")
    assert fault_code(answer) == "30003"
    for action in ('"getCompanyInfo"', "urn:getCompanyInfo", ""):
        answer = company_info(server, world, header=auth_header(ANN), SOAPAction=action)
        assert answer.status_code == 200


# --- gzip ----------------------------------------------------------------------------------------


def test_responses_are_gzipped_when_asked(server, world):
    raw = httpx.Client(headers={"Accept-Encoding": "identity"}, timeout=WAIT)
    body = envelope(
        f"<ips:getCompanyInfoParam><ips:companyHandle>{world.acme}</ips:companyHandle></ips:getCompanyInfoParam>",
        auth_header(ANN),
    )
    plain = raw.post(f"{server.url}/scene7/services/IpsApiService", content=body)
    assert "content-encoding" not in plain.headers
    zipped = raw.post(
        f"{server.url}/scene7/services/IpsApiService",
        content=body,
        headers={"Accept-Encoding": "gzip"},
    )
    assert zipped.headers["content-encoding"] == "gzip"
    assert b"Acme" in zipped.content  # httpx undid the gzip the header announces
    asked = envelope(
        f"<ips:getCompanyInfoParam><ips:companyHandle>{world.acme}</ips:companyHandle></ips:getCompanyInfoParam>",
        auth_header(ANN, extra="<auth:gzipResponse>false</auth:gzipResponse>"),
    )
    refused = raw.post(
        f"{server.url}/scene7/services/IpsApiService",
        content=asked,
        headers={"Accept-Encoding": "gzip"},
    )
    assert "content-encoding" not in refused.headers and "Acme" in refused.text


def test_an_unexpected_error_is_fault_30000_without_a_traceback(server, world, monkeypatch):
    from engine.soap.operations import HANDLERS

    def broken(call, params):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setitem(HANDLERS, "getCompanyInfo", broken)
    answer = company_info(server, world, header=auth_header(ANN))
    assert answer.status_code == 500 and fault_code(answer) == "30000"
    assert "RuntimeError" in answer.text and "/secret/path" not in answer.text


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"plain text", "text/plain", "30002"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", "30002"),
        (b"", "multipart/form-data", "30003"),
    ],
)
def test_an_unreadable_upload_is_a_bare_fault(server, content, content_type, code):
    answer = httpx.post(
        f"{server.url}/scene7/UploadFile",
        content=content,
        headers={"Content-Type": content_type},
        timeout=WAIT,
    )
    assert answer.status_code == 200
    assert fault_code(answer) == code and "Envelope" not in answer.text


def test_a_good_password_is_checked_once_a_minute_a_bad_one_every_time(server, world, monkeypatch):
    checks = []
    real = server.service.catalog.sign_in

    def counting(email, password):
        checks.append(password)
        return real(email, password)

    monkeypatch.setattr(server.service.catalog, "sign_in", counting)
    good, bad = server.client(ANN), server.client(ANN, "wrong")
    for _ in range(3):
        assert good.service.getCompanyInfo(companyHandle=world.acme).name == "Acme"
        with pytest.raises(zeep.exceptions.Fault):
            bad.service.getCompanyInfo(companyHandle=world.acme)
    assert checks.count(PASSWORD) == 1 and checks.count("wrong") == 3


def test_a_guessed_password_is_refused_after_ten_wrong_ones(server, world):
    """engine.server.signins: ten wrong passwords for one account within 15 minutes, then
    even the right one is refused (fault 10001, saying why) until the window passes; another
    account from the same address still signs in."""
    wrong = server.client(ANN, "guess")
    for _ in range(10):
        assert fault_of(lambda: wrong.service.getCompanyInfo(companyHandle=world.acme))[2] == (
            "Invalid username/password"
        )
    right = server.client(ANN)
    element, code, reason = fault_of(lambda: right.service.getCompanyInfo(companyName="Acme"))
    assert (element, code) == ("authenticationFault", 10001)
    assert reason.startswith("too many failed sign-ins for this account: try again in ")
    other = server.client("oli@other.test")
    assert other.service.getCompanyInfo(companyName="Other").companyHandle == world.other
