"""The one hierarchy carries what each front end answers: CLI exit status, HTTP status."""

from __future__ import annotations

import logging

import pytest

import engine.errors as errors
from engine.cli import main
from engine.server.responses import INTERNAL, error_response, status_of


def _classes() -> list[type[errors.IsRenderError]]:
    found, todo = [], [errors.IsRenderError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize(
    ("cls", "exit_status", "http_status"),
    [
        (errors.ParseError, 2, 400),
        (errors.MacroError, 2, 400),
        (errors.LimitError, 2, 400),
        (errors.RequestTooLongError, 2, 414),
        (errors.SourceError, 65, 422),
        (errors.UnsupportedError, 2, 501),
        (errors.TimeLimitError, 75, 504),
        (errors.BusyError, 75, 503),
        (errors.NotFoundError, 66, 404),
        (errors.AuthenticationFault, 77, 401),
        (errors.AuthorizationFault, 77, 403),
        (errors.ApiFault, 2, 400),
        (errors.JobError, 2, 409),
        (errors.PluginError, 78, 500),
        (errors.SettingsError, 78, 500),
        (errors.PackageTooLarge, 2, 413),
        (errors.EmailError, 2, 500),
    ],
)
def test_each_class_carries_its_statuses(cls, exit_status, http_status):
    error = cls("message")
    assert (error.exit_status, error.http_status) == (exit_status, http_status)
    assert status_of(error) == http_status


def test_every_status_is_a_valid_one():
    for cls in _classes():
        assert 1 <= cls.exit_status <= 125, cls
        assert 400 <= cls.http_status <= 599, cls
        assert cls.fault in ("ipsApiFault", "authenticationFault", "authorizationFault"), cls


def test_the_cli_exits_with_the_errors_status(capsys):
    assert main(["render", "/nonexistent/photo.jpg", "-o", "/tmp/x.jpg"]) == 65
    assert main(["validate", "wid=abc"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "command 'wid'" in err


def test_an_unexpected_error_is_500_with_a_generic_body_and_a_logged_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="isrender.server"):
        response = error_response(RuntimeError("secret internals at /srv/x"))
    assert response.status_code == 500
    assert response.body.decode().strip() == INTERNAL
    assert "secret internals" in caplog.text


def test_busy_answers_carry_retry_after():
    response = error_response(errors.BusyError("busy"), retry_after=3)
    assert (response.status_code, response.headers["retry-after"]) == (503, "3")
