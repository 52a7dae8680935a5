"""ExportJob fields: validation before a job starts, and the IS request of a convert job."""

from __future__ import annotations

import pytest

from engine.errors import ApiFault
from engine.export import ExportJob, ExportLimits


def fault(job: ExportJob, limits: ExportLimits | None = None) -> ApiFault:
    with pytest.raises(ApiFault) as caught:
        job.validated(limits or ExportLimits())
    return caught.value


@pytest.mark.parametrize("handles", [(), None, []])
def test_no_handles_is_missing_parameter(handles):
    error = fault(ExportJob(asset_handle_array=handles, fmt="orig"))
    assert error.code == ApiFault.MISSING_PARAMETER == 30002
    assert "assetHandleArray" in str(error)


@pytest.mark.parametrize("fmt", [None, "", "  "])
def test_no_fmt_is_missing_parameter(fmt):
    error = fault(ExportJob(("a|1|1",), fmt=fmt))
    assert error.code == 30002
    assert "fmt" in str(error)


@pytest.mark.parametrize("fmt", ["png", "original", "conv"])
def test_unknown_fmt_is_invalid_parameter(fmt):
    error = fault(ExportJob(("a|1|1",), fmt=fmt))
    assert error.code == ApiFault.INVALID_PARAMETER == 30001
    assert repr(fmt) in str(error)


def test_fmt_is_case_insensitive_and_normalised():
    assert ExportJob(("a|1|1",), fmt=" Convert ").validated().fmt == "convert"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, "None"),
        ("All", "All"),
        ("error", "Error"),
        ("ERRORANDWARNING", "ErrorAndWarning"),
        ("jobcompletion", "JobCompletion"),
        ("none", "None"),
    ],
)
def test_email_setting_matches_documented_spellings_case_insensitively(given, stored):
    job = ExportJob(("a|1|1",), fmt="orig", email_setting=given).validated()
    assert job.email_setting == stored


@pytest.mark.parametrize("setting", ["Errors", "Always", "Error And Warning"])
def test_unknown_email_setting_is_invalid(setting):
    error = fault(ExportJob(("a|1|1",), fmt="orig", email_setting=setting))
    assert error.code == 30001
    assert "emailSetting" in str(error)


@pytest.mark.parametrize("macro", ["test", "$test", "$a=b$", "$a$&$b$", "fmt=png", "$$", "$a$b$"])
def test_macro_must_be_one_invocation(macro):
    error = fault(ExportJob(("a|1|1",), fmt="convert", macro=macro))
    assert error.code == 30001
    assert "macro" in str(error)


@pytest.mark.parametrize("macro", ["$!_s7product$", "$my preset$", "$café$", " $Test$ "])
def test_macro_names_are_those_the_is_grammar_reads(macro):
    job = ExportJob(("a|1|1",), fmt="convert", macro=macro).validated(ExportLimits())
    assert job.macro == macro.strip()


def test_too_many_handles_is_invalid_at_the_configured_limit():
    limits = ExportLimits(max_assets=3)
    ExportJob(tuple(f"a|1|{n}" for n in range(3)), fmt="orig").validated(limits)
    error = fault(ExportJob(tuple(f"a|1|{n}" for n in range(4)), fmt="orig"), limits)
    assert error.code == 30001
    assert "at most 3" in str(error)


def test_scene7_default_limit_is_500_assets():
    ExportJob(tuple(f"a|1|{n}" for n in range(500)), fmt="orig").validated()
    assert fault(ExportJob(tuple(f"a|1|{n}" for n in range(501)), fmt="orig")).code == 30001


@pytest.mark.parametrize("handles", ["a|1|1", ("a|1|1", ""), ("a|1|1", 7)])
def test_malformed_handle_lists_are_invalid(handles):
    assert fault(ExportJob(handles, fmt="orig")).code == 30001


@pytest.mark.parametrize(
    ("modifier", "macro", "expected"),
    [
        ("&fmt=png", "$test$", "fmt=png&$test$"),  # the reference's example
        ("?wid=200&fmt=png", None, "wid=200&fmt=png"),
        ("", "$test$", "$test$"),
        (None, None, ""),
    ],
)
def test_request_is_the_modifier_then_the_macro(modifier, macro, expected):
    job = ExportJob(("a|1|1",), fmt="convert", is_modifier=modifier, macro=macro).validated()
    assert job.request() == expected


def test_spec_round_trips_and_keeps_client_id():
    job = ExportJob(("a|1|1", "a|1|2"), fmt="convert", macro="$x$", client_id="10.0.0.1")
    assert ExportJob.from_spec(job.validated().to_spec()) == job.validated()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("fmt", 1, "fmt"),
        ("is_modifier", 5, "is_modifier"),
        ("macro", ["$test$"], "macro"),
        ("email_setting", True, "emailSetting"),
        ("client_id", 10, "clientId"),
        ("asset_handle_array", 7, "assetHandleArray"),
    ],
)
def test_a_field_of_the_wrong_type_is_invalid_parameter(field, value, named):
    """README: bad fields are ApiFault 30001 before anything starts, never a TypeError."""
    job = ExportJob(**{"asset_handle_array": ("a|1|1",), "fmt": "convert", field: value})
    error = fault(job)
    assert error.code == 30001
    assert named in str(error)


def test_any_iterable_of_handles_is_accepted():
    job = ExportJob((h for h in ("a|1|1", "a|1|2")), fmt="orig").validated()
    assert job.asset_handle_array == ("a|1|1", "a|1|2")


def test_an_endless_iterable_of_handles_is_refused_at_the_limit():
    import itertools

    endless = (f"a|1|{n}" for n in itertools.count())
    assert fault(ExportJob(endless, fmt="orig"), ExportLimits(max_assets=3)).code == 30001
