"""The one exception hierarchy of isrender.

Every error a user can provoke is an :class:`IsRenderError`; front ends print or send its
message, never a traceback. Subclasses carry the IS or IPS code where Adobe's documentation
defines one (IPS fault codes, §4.8 of the reference), and, as class data, what each front end
answers with it:

* ``exit_status``: the CLI's exit status (``sysexits.h`` where one fits): 2 for a refused
  request or value (the status argparse gives a bad command line), 65 for a source file
  that cannot be read as an image, 66 for something that does not exist, 75 for a temporary
  condition worth retrying, 77 for a refused sign-in or permission, 78 for a broken
  configuration (settings, plugins).
* ``http_status``: the HTTP status of ``isrender serve`` (400 bad request, 404 unknown
  company or asset, 501 a documented IS feature not implemented, 503/504 overload and time
  limit, ...). Errors that are no ``IsRenderError`` are 500.
* ``fault``: the IPS SOAP fault element name, for the IPS web service (SOAP 1.1 sends every
  fault with HTTP 500; ``code`` is the fault code).

A subclass changes only what differs from its parent.
"""

from __future__ import annotations


class IsRenderError(Exception):
    """Base class of every error isrender raises on purpose."""

    code: int | None = None
    exit_status: int = 2
    http_status: int = 400
    fault: str = "ipsApiFault"

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ParseError(IsRenderError):
    """A modifier string, macro or value does not follow the IS language.

    ``command``/``argument``/``text``/``offset``/``expected`` locate the problem; ``offset`` is
    the character offset in the string that was parsed (a macro's definition when ``macro`` is
    set, otherwise the request itself).
    """

    def __init__(
        self,
        message: str,
        *,
        command: str | None = None,
        argument: int | None = None,
        text: str | None = None,
        offset: int | None = None,
        expected: str | None = None,
        macro: str | None = None,
    ) -> None:
        parts = [message]
        if command is not None:
            where = f"command '{command}'"
            if argument is not None:
                where += f", argument {argument + 1}"
            parts.append(where)
        if text is not None:
            parts.append(f"text {text!r}")
        if offset is not None:
            parts.append(f"at offset {offset}" + (f" of macro ${macro}$" if macro else ""))
        if expected is not None:
            parts.append(f"expected {expected}")
        super().__init__("; ".join(parts))
        self.reason = message
        self.command = command
        self.argument = argument
        self.text = text
        self.offset = offset
        self.expected = expected
        self.macro = macro


class MacroError(ParseError):
    """An undefined, cyclic or too deeply nested macro, or a malformed macro file."""


class ColorError(ParseError):
    """A colour value that does not follow §1.7 (``engine.parse_color``)."""


class PluginError(IsRenderError):
    """Two plugins claim the same name, or a plugin declares something invalid."""

    exit_status = 78
    http_status = 500


class RenderError(IsRenderError):
    """A valid request that cannot be rendered (bad source, limits, unsupported feature)."""


class SourceError(RenderError):
    """The source image is corrupt, truncated, unrecognised or too large to decode."""

    exit_status = 65
    http_status = 422


class LimitError(RenderError):
    """A configured limit (MaxPix, pixel budget, jpegSize, ...) is exceeded."""


class RequestTooLongError(LimitError):
    """A request longer than the 64 KiB an IS request may have."""

    http_status = 414


class FontError(RenderError):
    """A text layer names a font its font map does not hold, or a font file cannot be read.

    422 over HTTP, as a ``src=`` naming an object the catalog lacks: the request is well
    formed but names something this server does not have."""

    http_status = 422


class UnsupportedError(RenderError):
    """A documented IS feature this engine does not implement (yet)."""

    http_status = 501


class BusyError(IsRenderError):
    """Every render worker is busy and the queue is full; retry later."""

    exit_status = 75
    http_status = 503


class CatalogError(IsRenderError):
    """The asset catalog refused an operation (unknown asset, bad upload, ...)."""


class NotFoundError(CatalogError):
    """No company, asset or catalog by that name."""

    exit_status = 66
    http_status = 404


class IpsFault(IsRenderError):
    """Base class of the IPS API faults; ``code`` is the documented fault code."""


class AuthenticationFault(IpsFault):
    """10000 NO_CREDENTIALS, 10001 INVALID_CREDENTIALS, 10002 INVALID_USER."""

    fault = "authenticationFault"
    exit_status = 77
    http_status = 401
    NO_CREDENTIALS = 10000
    INVALID_CREDENTIALS = 10001
    INVALID_USER = 10002


class TooManySignIns(AuthenticationFault):
    """Too many wrong passwords for one account or from one address lately
    (``engine.server.signins``): 429, code 10001, and ``retry_after`` seconds to wait."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code=AuthenticationFault.INVALID_CREDENTIALS)
        self.retry_after = retry_after


class AuthorizationFault(IpsFault):
    """200xx: the caller may not act on that company, user or object."""

    fault = "authorizationFault"
    exit_status = 77
    http_status = 403
    INVALID_COMPANY = 20000
    INVALID_REQUEST_USERNAME = 20001
    INVALID_REQUEST_USER = 20002
    NO_OPERATION_PERMISSION = 20003
    NO_IMPERSONATION_PERMISSION = 20004
    ILLEGAL_PARAMETER_VALUE = 20005
    ILLEGAL_COMPANY = 20006
    ILLEGAL_REQUEST_USER = 20007
    ILLEGAL_ACCESS_GROUP = 20008
    MISSING_PERMISSION = 20009


class CrossSiteRefused(AuthorizationFault):
    """A web-page request that another site may have forged (no or a wrong CSRF token, or
    another origin); 403 with code 20003."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=AuthorizationFault.NO_OPERATION_PERMISSION)


class SignInRequired(AuthenticationFault):
    """A web-page request without a valid session (never signed in, signed out, or the
    session expired); 401 with code 10000."""

    def __init__(self, message: str = "sign in first: no session, or it has expired") -> None:
        super().__init__(message, code=AuthenticationFault.NO_CREDENTIALS)


class ApiFault(IpsFault):
    """300xx: a bad or missing parameter of an IPS call."""

    EXCEPTION = 30000
    INVALID_PARAMETER = 30001
    MISSING_PARAMETER = 30002
    INVALID_REQUEST_XML = 30003


class JobError(IsRenderError):
    """A job cannot be submitted, found or controlled in its current state."""

    http_status = 409


class JobTakenOver(JobError):
    """A running job was closed or claimed by another coordinator (its lease had expired):
    the process that ran it stops working on it and records nothing more."""


class PackageTooLarge(JobError):
    """An export package would exceed ``ExportLimits.max_package_bytes``."""

    http_status = 413


class EmailError(IsRenderError):
    """A job notification could not be built or handed to the SMTP server, or the SMTP
    settings are invalid."""

    http_status = 500


class SettingsError(IsRenderError):
    """An isrender setting is invalid: a constructor argument such as a worker count, or an
    ``ISRENDER_*`` environment variable."""

    exit_status = 78
    http_status = 500


class TimeLimitError(LimitError):
    """A task (a conversion, a render) ran longer than its time limit and was stopped."""

    exit_status = 75
    http_status = 504
