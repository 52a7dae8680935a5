"""E-mail notifications against a real SMTP server on 127.0.0.1, one case per emailSetting.

The notification is sent before the job is marked Done, so once ``wait`` returns, every
message the job was going to send has been received.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from export_kit import WAIT, image_bytes, pdf_bytes

from engine.errors import ApiFault
from engine.export import ExportJob, SmtpSettings
from engine.export.email import EmailError, compose, send

SETTINGS = ("All", "Error", "ErrorAndWarning", "JobCompletion", "None")
# outcome of the job → which settings send a message
SENDS = {
    "clean": {"All", "JobCompletion"},
    "warning": {"All", "ErrorAndWarning", "JobCompletion"},
    "error": {"All", "Error", "ErrorAndWarning", "JobCompletion"},
}


def job_for(session, outcome: str, setting: str) -> ExportJob:
    """A convert job that ends clean, with a warning (a PDF) or with an error (a set)."""
    image = session.upload(image_bytes(1), name="photo.jpg")
    handles = [image.handle]
    if outcome == "warning":
        handles.append(session.upload(pdf_bytes(), name="brochure.pdf").handle)
    if outcome == "error":
        handles.append(session.create_set("ImageSet", "the-set", [image.handle]).handle)
    return ExportJob(handles, fmt="convert", is_modifier="fmt=png", email_setting=setting)


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("outcome", ["clean", "warning", "error"])
def test_each_setting_sends_exactly_when_documented(
    make_coordinator, session, smtp_sink, smtp_settings, setting, outcome
):
    coordinator = make_coordinator(smtp=smtp_settings)
    handle = coordinator.submit_job(session, job_for(session, outcome, setting), name="mail")
    record = coordinator.wait(session, handle, timeout=WAIT)

    if setting not in SENDS[outcome]:
        assert smtp_sink.messages == []
        return
    [(recipients, message)] = smtp_sink.messages
    assert recipients == ["ann@acme.test"]
    assert message["From"] == "jobs@isrender.test"
    assert message["Subject"].startswith('isrender export "mail": ')
    body = message.get_content()
    assert handle in body
    assert record.package in body
    assert f"Download: file://{record.package}" in body
    assert f"{record.success_count} exported" in body
    details = coordinator.get_job_log_details(session, handle)
    logged = [d for d in details if d.log_type != "EmailSent"]
    wanted = {
        "All": {"info", "success", "warning", "error"},
        "Error": {"error"},
        "ErrorAndWarning": {"error", "warning"},
        "JobCompletion": set(),
    }[setting]
    listed = [line for line in body.splitlines() if line.startswith("  [")]
    assert listed == [
        f"  [{d.severity}] {d.log_type}"
        + (f" {d.asset_name} ({d.asset_handle})" if d.asset_name else "")
        + f": {d.message}"
        for d in logged
        if d.severity in wanted
    ]
    assert ("Log:" in body) == bool(listed)
    assert [d.log_type for d in details].count("EmailSent") == 1


def test_fatal_error_mail_says_failed_and_names_no_package(
    make_coordinator, session, smtp_sink, smtp_settings
):
    from engine.export import ExportLimits

    coordinator = make_coordinator(smtp=smtp_settings, limits=ExportLimits(max_package_bytes=10))
    asset = session.upload(image_bytes(1), name="big.jpg")
    job = ExportJob((asset.handle,), fmt="orig", email_setting="Error")
    record = coordinator.wait(session, coordinator.submit_job(session, job), timeout=WAIT)

    assert record.fatal_error
    [(_, message)] = smtp_sink.messages
    assert message["Subject"].endswith(": failed")
    body = message.get_content()
    assert "Package:  no package" in body
    assert "FatalError" in body


def test_unreachable_smtp_server_is_a_warning_not_a_failure(make_coordinator, session):
    with socket_closed_port() as port:
        coordinator = make_coordinator(smtp=SmtpSettings(host="127.0.0.1", port=port, timeout=5))
        asset = session.upload(image_bytes(2), name="a.jpg")
        job = ExportJob((asset.handle,), fmt="orig", email_setting="All")
        record = coordinator.wait(session, coordinator.submit_job(session, job), timeout=WAIT)

    assert (record.state, record.fatal_error, record.success_count) == ("Done", False, 1)
    assert record.package is not None
    [failure] = [
        d
        for d in coordinator.get_job_log_details(session, record.handle)
        if d.log_type == "EmailFailure"
    ]
    assert failure.severity == "warning"
    assert f"127.0.0.1:{port}" in failure.message


def test_send_reports_a_refused_connection_as_email_error():
    with socket_closed_port() as port, pytest.raises(EmailError, match="cannot send"):
        from email.message import EmailMessage

        send(SmtpSettings(host="127.0.0.1", port=port, timeout=5), EmailMessage())


def test_settings_from_environment():
    env = {
        "ISRENDER_SMTP_HOST": "mail.example.test",
        "ISRENDER_SMTP_PORT": "2525",
        "ISRENDER_SMTP_STARTTLS": "yes",
        "ISRENDER_SMTP_USER": "bot",
        "ISRENDER_SMTP_PASSWORD": "secret",
        "ISRENDER_SMTP_SENDER": "bot@example.test",
    }
    assert SmtpSettings.from_env(env) == SmtpSettings(
        "mail.example.test", 2525, "bot@example.test", True, "bot", "secret"
    )
    assert SmtpSettings.from_env({}) is None
    with pytest.raises(EmailError, match="PORT"):
        SmtpSettings.from_env({"ISRENDER_SMTP_HOST": "h", "ISRENDER_SMTP_PORT": "smtp"})


class socket_closed_port:
    """A local port nothing listens on (bound, never listening, so connections are refused)."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        return self._socket.getsockname()[1]

    def __exit__(self, *exc_info: object) -> None:
        self._socket.close()


def test_a_job_name_with_a_line_feed_is_mailed_on_one_line(
    make_coordinator, session, smtp_sink, smtp_settings
):
    """Issue 8.3: the header raised ValueError, which failed the finished job."""
    coordinator = make_coordinator(smtp=smtp_settings)
    asset = session.upload(image_bytes(3), name="a.jpg")
    job = ExportJob((asset.handle,), fmt="orig", email_setting="All")
    handle = coordinator.submit_job(session, job, name="two\nlines\r\nBcc: eve@evil.test")
    record = coordinator.wait(session, handle, timeout=WAIT)

    assert (record.fatal_error, record.success_count, record.warning_count) == (False, 1, 0)
    assert record.package is not None
    [(recipients, message)] = smtp_sink.messages
    assert recipients == ["ann@acme.test"]
    assert message["Subject"] == 'isrender export "two lines Bcc: eve@evil.test": done'
    assert message["Bcc"] is None


def test_an_overlong_smtp_host_name_is_a_warning_and_the_job_keeps_its_package(
    make_coordinator, session
):
    """Issue 8.3: UnicodeError ('label too long') escaped the e-mail code."""
    coordinator = make_coordinator(smtp=SmtpSettings(host="h" * 64 + ".test", timeout=5))
    asset = session.upload(image_bytes(4), name="a.jpg")
    job = ExportJob((asset.handle,), fmt="orig", email_setting="All")
    record = coordinator.wait(session, coordinator.submit_job(session, job), timeout=WAIT)

    assert (record.state, record.fatal_error, record.success_count) == ("Done", False, 1)
    assert record.package is not None and Path(record.package).is_file()
    [failure] = [
        d
        for d in coordinator.get_job_log_details(session, record.handle)
        if d.log_type == "EmailFailure"
    ]
    assert failure.severity == "warning"
    assert "cannot send the job e-mail" in failure.message


@pytest.mark.parametrize(
    "address",
    ["ann@acme.test,eve@evil.test", "ann@acme.test;eve@evil.test", "Ann <ann@acme.test>", "ann@"],
)
def test_a_user_address_must_be_one_mailbox(catalog, address):
    """Issue 8.10: a comma sent every notification to two recipients."""
    with pytest.raises(ApiFault, match="invalid e-mail address") as refused:
        catalog.create_user(address, "pw")
    assert refused.value.code == ApiFault.INVALID_PARAMETER


def test_compose_refuses_a_recipient_that_is_not_one_mailbox(make_coordinator, session):
    coordinator = make_coordinator()
    asset = session.upload(image_bytes(5), name="a.jpg")
    job = ExportJob((asset.handle,), fmt="orig")
    record = coordinator.wait(session, coordinator.submit_job(session, job), timeout=WAIT)
    stored_before_the_check = replace(record, user_email="ann@acme.test, eve@evil.test")
    with pytest.raises(EmailError, match="recipient 'ann@acme.test, eve@evil.test' is invalid"):
        compose(stored_before_the_check, [], "jobs@isrender.test")
    message = compose(record, [], "jobs@isrender.test")
    assert message["To"].addresses[0].addr_spec == "ann@acme.test"
