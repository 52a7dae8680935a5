"""Opaque handles in the shapes Scene7 shows (§4.1): ``c|1``, ``u|3``, ``a|1|42``, ``j|1|name|7``;
a scheduled job (not run yet) is ``s|1|name|7``, a compositing template ``t|1|name``.

Callers must treat handles as opaque strings; only the catalog builds and reads them.
"""

from __future__ import annotations


def company_handle(company_id: int) -> str:
    return f"c|{company_id}"


def user_handle(user_id: int) -> str:
    return f"u|{user_id}"


def asset_handle(company_id: int, asset_id: int) -> str:
    return f"a|{company_id}|{asset_id}"


def template_handle(company_id: int, name: str) -> str:
    return f"t|{company_id}|{name}"


def job_handle(company_id: int, name: str, job_id: int) -> str:
    return f"j|{company_id}|{name}|{job_id}"


def scheduled_handle(company_id: int, name: str, scheduled_id: int) -> str:
    return f"s|{company_id}|{name}|{scheduled_id}"


def row_id(handle: str) -> int:
    """The row id at the end of a handle the catalog built itself."""
    return int(handle.rsplit("|", 1)[1])


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def parse_company(handle: str) -> int | None:
    """The company id of a ``c|<n>`` handle, ``None`` if it is not one."""
    kind, _, number = handle.partition("|")
    return _int(number) if kind == "c" else None


def parse_user(handle: str) -> int | None:
    kind, _, number = handle.partition("|")
    return _int(number) if kind == "u" else None


def parse_asset(handle: str) -> tuple[int, int] | None:
    """``(company_id, asset_id)`` of an ``a|<c>|<n>`` handle, ``None`` if it is not one."""
    parts = handle.split("|")
    if len(parts) != 3 or parts[0] != "a":
        return None
    company_id, asset_id = _int(parts[1]), _int(parts[2])
    if company_id is None or asset_id is None:
        return None
    return company_id, asset_id


def parse_job(handle: str, kind_wanted: str = "j") -> tuple[int, str, int] | None:
    """``(company_id, name, job_id)`` of a ``j|<c>|<name>|<n>`` handle (names may hold ``|``);
    ``kind_wanted="s"`` reads a scheduled job's ``s|<c>|<name>|<n>``."""
    kind, _, rest = handle.partition("|")
    company, _, rest = rest.partition("|")
    name, _, number = rest.rpartition("|")
    company_id, job_id = _int(company), _int(number)
    if kind != kind_wanted or company_id is None or job_id is None or not name:
        return None
    return company_id, name, job_id
