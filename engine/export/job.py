"""The IPS ``ExportJob`` (reference §4.3): its fields, their validation and the IS request.

Decisions where Adobe documents nothing:

- ``fmt`` and ``email_setting`` are matched case-insensitively and stored in their documented
  spelling (``"orig"``/``"convert"``; ``All``, ``Error``, ``ErrorAndWarning``,
  ``JobCompletion``, ``None``). An omitted ``email_setting`` means ``None``.
- ``macro`` must be one macro invocation ``$name$``, as the IS grammar reads one: any name
  without ``$``, ``&`` or ``=`` (real preset libraries hold names such as ``$!_s7product$``,
  and ``$my preset$`` is a preset a company can save).
- With ``fmt=orig``, ``is_modifier`` and ``macro`` are accepted and ignored (the job log says
  so). With ``fmt=convert`` and neither, IS defaults apply (a JPEG, DefaultPix-capped).
- The same handle given twice is exported once (the repeat is logged ``DuplicateSkipped``);
  the 500-asset limit counts the handles as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from engine.errors import ApiFault, ParseError
from engine.export.limits import DEFAULT_LIMITS, ExportLimits
from engine.syntax import split_modifiers

FORMATS = ("orig", "convert")
EMAIL_SETTINGS = ("All", "Error", "ErrorAndWarning", "JobCompletion", "None")


@dataclass(frozen=True)
class ExportJob:
    """The fields of Scene7's ExportJob; ``client_id`` is stored and otherwise unused."""

    asset_handle_array: Sequence[str] = field(default_factory=tuple)
    fmt: str | None = None
    is_modifier: str | None = None
    macro: str | None = None
    email_setting: str | None = None
    client_id: str | None = None

    def validated(self, limits: ExportLimits = DEFAULT_LIMITS) -> ExportJob:
        """A normalised copy, or ApiFault 30002 (missing) / 30001 (invalid) naming the field."""
        handles = _handles(self.asset_handle_array, limits)
        for name, value in (
            ("fmt", self.fmt),
            ("is_modifier", self.is_modifier),
            ("macro", self.macro),
            ("emailSetting", self.email_setting),
            ("clientId", self.client_id),
        ):
            if value is not None and not isinstance(value, str):
                raise _invalid(name, f"expected a string, not {type(value).__name__}")
        return replace(
            self,
            asset_handle_array=handles,
            fmt=_fmt(self.fmt),
            is_modifier=_modifier(self.is_modifier),
            macro=_macro(self.macro),
            email_setting=_email_setting(self.email_setting),
        )

    def request(self) -> str:
        """The IS request of a convert job: ``is_modifier`` then ``&`` then ``macro``.

        The macro comes last so its commands win (positional precedence, §1.6 rule 5): the
        seed's ``&fmt=png`` with ``$test$`` (a TIFF preset) gives a TIFF.
        """
        modifier = _modifier(self.is_modifier)
        return "&".join(part for part in (modifier, self.macro or "") if part)

    def to_spec(self) -> dict[str, Any]:
        """The JSON-able form stored with the job in the catalog."""
        return {
            "asset_handle_array": list(self.asset_handle_array),
            "fmt": self.fmt,
            "is_modifier": self.is_modifier,
            "macro": self.macro,
            "email_setting": self.email_setting,
            "client_id": self.client_id,
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> ExportJob:
        return cls(
            asset_handle_array=tuple(spec.get("asset_handle_array") or ()),
            fmt=spec.get("fmt"),
            is_modifier=spec.get("is_modifier"),
            macro=spec.get("macro"),
            email_setting=spec.get("email_setting"),
            client_id=spec.get("client_id"),
        )


def _missing(name: str, what: str) -> ApiFault:
    return ApiFault(f"ExportJob.{name} is missing: {what}", code=ApiFault.MISSING_PARAMETER)


def _invalid(name: str, what: str) -> ApiFault:
    return ApiFault(f"ExportJob.{name} is invalid: {what}", code=ApiFault.INVALID_PARAMETER)


def _handles(handles: Iterable[str] | None, limits: ExportLimits) -> tuple[str, ...]:
    if isinstance(handles, str):
        raise _invalid("assetHandleArray", "expected a list of asset handles, not one string")
    if handles is not None and not isinstance(handles, Sequence):
        if not isinstance(handles, Iterable):
            raise _invalid("assetHandleArray", f"expected a list, not {type(handles).__name__}")
        handles = tuple(islice(handles, limits.max_assets + 1))  # bounded, even if endless
    if not handles:
        raise _missing("assetHandleArray", "give at least one asset handle")
    if len(handles) > limits.max_assets:
        raise _invalid(
            "assetHandleArray",
            f"{len(handles)} handles; an export job takes at most {limits.max_assets} assets",
        )
    for position, handle in enumerate(handles, start=1):
        if not isinstance(handle, str) or not handle.strip():
            raise _invalid("assetHandleArray", f"item {position} is not an asset handle")
    return tuple(handle.strip() for handle in handles)


def _fmt(fmt: str | None) -> str:
    if fmt is None or not fmt.strip():
        raise _missing("fmt", "expected 'orig' or 'convert'")
    value = fmt.strip().lower()
    if value not in FORMATS:
        raise _invalid("fmt", f"{fmt!r}; expected 'orig' or 'convert'")
    return value


def _modifier(modifier: str | None) -> str:
    """Strip whitespace and one leading ``&`` or ``?`` (the seed writes ``&fmt=png``)."""
    text = (modifier or "").strip()
    if text[:1] in ("&", "?"):
        text = text[1:]
    return text


def _macro(macro: str | None) -> str | None:
    if macro is None or not macro.strip():
        return None
    value = macro.strip()
    try:
        items = split_modifiers(value)
    except ParseError:
        items = []
    if len(items) != 1 or items[0].kind != "macro":
        raise _invalid(
            "macro",
            f"{macro!r}; expected one macro invocation such as '$test$' "
            "(a name without '$', '&' or '=' between two '$')",
        )
    return value


def _email_setting(setting: str | None) -> str:
    if setting is None or not setting.strip():
        return "None"
    by_key = {name.lower(): name for name in EMAIL_SETTINGS}
    value = by_key.get(setting.strip().lower())
    if value is None:
        raise _invalid("emailSetting", f"{setting!r}; expected one of {', '.join(EMAIL_SETTINGS)}")
    return value
