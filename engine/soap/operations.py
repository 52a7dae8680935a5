"""The IPS operations: decoded parameters → calls on the catalog, coordinator and scheduler →
result values for :func:`engine.soap.codec.response`.

Where these differ from Adobe's operations (all listed in the README):

- ``getActiveJobs`` reports a paused job as ``WaitingClient`` (Adobe's active job states have
  no Paused; the job waits for the client's ``resumeJob``) with a progress message starting
  ``paused:``.
- ``deleteJob`` of a running job stops it (its log and package stay); of a scheduled job,
  removes it.
- ``submitJob``: ``userHandle`` and ``locale`` are accepted and ignored (notifications go to
  the submitter, in English); ``description`` is kept for scheduled jobs only.
- ``searchAssets`` searches names only: ``systemFieldConditionArray`` on ``Name`` or
  ``FileName``; publish, trash, tag, metadata, keyword, project, byproduct, sort and
  sub-type parameters are accepted and ignored.
- Image formats are the company's presets (``$name$`` macros); a format's handle is
  ``<company handle>|<name>``.
- ``createTemplate`` stores a compositing template (``engine.templates``), which is no asset:
  its handle ``t|<company>|<name>`` is not an asset handle, ``folderHandle`` is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.catalog import Asset, JobRecord, LogDetail, ScheduledJob, Session, User
from engine.errors import ApiFault, AuthorizationFault
from engine.export import ExportJob
from engine.export.coordinator import JOB_TYPE as EXPORT_JOB
from engine.soap.schema import OTHER_JOB_DETAILS
from engine.soap.service import IpsService

MAX_PAGE = 1000
_ASSET_SET_KINDS = ("MediaSet", "VideoSet", "eCatalog", "OfferSet", "MultiBitrateVideoSet")
_NAME_FIELDS = ("name", "filename")
_DIRECTIONS = ("Ascending", "Descending")


@dataclass
class Call:
    """One request: the service and the signed-in user."""

    service: IpsService
    user: User

    def session(self, params: dict[str, Any], operation: str | None = None) -> Session:
        """The user in the request's ``companyHandle``; ``operation``: check the role may do it
        (operations the coordinator or scheduler carry out check it there)."""
        session = self.service.session(self.user, params.get("companyHandle"))
        if operation is not None:
            session.require(operation)
        return session

    @property
    def coordinator(self) -> Any:
        return self.service.coordinator

    @property
    def scheduler(self) -> Any:
        return self.service.scheduler


Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]


def _missing(name: str) -> ApiFault:
    return ApiFault(f"missing parameter {name}", code=ApiFault.MISSING_PARAMETER)


def _invalid(message: str) -> ApiFault:
    return ApiFault(message, code=ApiFault.INVALID_PARAMETER)


def _required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "" or value == []:
        raise _missing(name)
    return value


# --- companies ---------------------------------------------------------------------------------


def _company(session: Session) -> dict[str, Any]:
    company = session.company
    return {"companyHandle": company.handle, "name": company.name, "rootPath": f"{company.name}/"}


def get_company_info(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    company = params.get("companyHandle") or params.get("companyName")
    if not company:
        raise _missing("companyHandle or companyName")
    session = call.service.session(call.user, company)
    session.require("getCompanyInfo")
    return {"companyInfo": _company(session)}


def get_company_membership(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """The signed-in user's memberships; another user's handle is refused (20002)."""
    wanted = params.get("userHandle")
    if wanted and wanted not in (call.user.handle, call.user.email):
        raise AuthorizationFault(
            f"you may only list your own memberships, not those of {wanted!r}",
            code=AuthorizationFault.INVALID_REQUEST_USER,
        )
    catalog = call.service.catalog
    memberships = []
    for company in catalog.companies_of(call.user.handle):
        session = call.service.session(call.user, company.handle)
        memberships.append({"company": _company(session), "role": session.role, "isActive": True})
    return {"membershipArray": memberships}


# --- assets ------------------------------------------------------------------------------------


def _asset(asset: Asset) -> dict[str, Any]:
    kind, sub_type = asset.asset_type, None
    if kind in _ASSET_SET_KINDS:
        kind, sub_type = "AssetSet", asset.asset_type
    info = None
    if asset.width is not None:
        info = {
            "width": asset.width,
            "height": asset.height,
            "fileSize": asset.size,
            "checksum": asset.checksum,
        }
    return {
        "assetHandle": asset.handle,
        "created": asset.uploaded,
        "fileName": asset.name,
        "folder": asset.folder,
        "imageInfo": info,
        "name": asset.name,
        "subType": sub_type,
        "type": kind,
        "urlModifier": asset.url_modifier or None,
        "urlPostApplyModifier": asset.url_post_modifier or None,
    }


def _type_filter(assets: list[Asset], params: dict[str, Any]) -> list[Asset]:
    excluded = {kind.casefold() for kind in params.get("excludeAssetTypeArray") or ()}
    return [a for a in assets if a.asset_type.casefold() not in excluded]


def get_assets_by_name(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params, "getAssetsByName")
    names = _required(params, "nameArray")
    found = session.find_assets(names=names, asset_types=params.get("assetTypeArray"))
    return {"assetArray": [_asset(a) for a in _type_filter(found, params)]}


def get_assets(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """Every handle must be the company's: one that is not is authorizationFault 20005."""
    session = call.session(params, "getAssets")
    handles = _required(params, "assetHandleArray")
    return {"assetArray": [_asset(session.get_asset(h)) for h in handles]}


def search_assets(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params, "searchAssets")
    found = session.find_assets(
        folder=params.get("folder") or "/",
        include_subfolders=bool(params.get("includeSubfolders", False)),
        asset_types=params.get("assetTypeArray"),
    )
    found = _type_filter(found, params)
    conditions = params.get("systemFieldConditionArray") or []
    if conditions:
        tests = [_name_test(condition) for condition in conditions]
        any_mode = _match_mode(params.get("systemFieldMatchMode")) == "MatchAny"
        combine = any if any_mode else all
        found = [a for a in found if combine(test(a.name) for test in tests)]
    per_page = params.get("recordsPerPage") or MAX_PAGE
    page = params.get("resultsPage") or 1
    if not 1 <= per_page <= MAX_PAGE or page < 1:
        raise _invalid(
            f"recordsPerPage {per_page} / resultsPage {page}: expected 1-{MAX_PAGE} records "
            "per page and pages from 1"
        )
    shown = found[(page - 1) * per_page : page * per_page]
    return {"totalRows": len(found), "assetArray": [_asset(a) for a in shown]}


def _match_mode(mode: str | None) -> str:
    if mode in (None, "", "MatchAll", "MatchAny"):
        return mode or "MatchAll"
    raise _invalid(f"invalid match mode {mode!r}; expected MatchAll or MatchAny")


_NAME_OPS: dict[str, Callable[[str, str], bool]] = {
    "equals": lambda name, value: name == value,
    "notequals": lambda name, value: name != value,
    "contains": lambda name, value: value in name,
    "notcontains": lambda name, value: value not in name,
    "startswith": lambda name, value: name.startswith(value),
    "endswith": lambda name, value: name.endswith(value),
}


def _name_test(condition: dict[str, Any]) -> Callable[[str], bool]:
    field = str(condition.get("field") or "")
    if field.casefold() not in _NAME_FIELDS:
        raise _invalid(
            f"systemFieldCondition field {field!r} is not searchable here; isrender searches "
            "Name and FileName"
        )
    op = str(condition.get("op") or "Equals")
    compare = _NAME_OPS.get(op.casefold())
    if compare is None:
        raise _invalid(
            f"invalid string operator {op!r}; expected one of Equals, NotEquals, "
            "Contains, NotContains, StartsWith, EndsWith"
        )
    value = str(condition.get("value") or "").casefold()
    return lambda name: compare(name.casefold(), value)


def set_url_modifier(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params, "setUrlModifier")
    session.set_url_modifier(
        _required(params, "assetHandle"),
        params.get("urlModifier") or "",
        params.get("urlPostApplyModifier") or "",
    )
    return {}


# --- jobs ----------------------------------------------------------------------------------------


def _export_job(spec: dict[str, Any]) -> dict[str, Any]:
    job = ExportJob.from_spec(spec)
    return {
        "assetHandleArray": list(job.asset_handle_array),
        "fmt": job.fmt,
        "is_modifier": job.is_modifier,
        "macro": job.macro,
        "emailSetting": job.email_setting,
        "clientId": job.client_id,
    }


def submit_job(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params)
    name = _required(params, "jobName")
    for other in OTHER_JOB_DETAILS:
        if other in params:
            raise _invalid(f"{other} is not supported by isrender; submit an exportJob")
    detail = params.get("exportJob")
    if detail is None:
        raise _missing("exportJob (the job detail)")
    job = ExportJob(
        asset_handle_array=detail.get("assetHandleArray") or (),
        fmt=detail.get("fmt"),
        is_modifier=detail.get("is_modifier"),
        macro=detail.get("macro"),
        email_setting=detail.get("emailSetting"),
        client_id=detail.get("clientId"),
    )
    exec_time, exec_schedule = params.get("execTime"), params.get("execSchedule")
    if exec_time is None and exec_schedule is None:
        return {"jobHandle": call.coordinator.submit_job(session, job, name=name)}
    scheduled = call.scheduler.schedule(
        session,
        job,
        name=name,
        description=params.get("description") or "",
        exec_time=exec_time,
        exec_schedule=exec_schedule,
    )
    return {"jobHandle": scheduled.handle}


def _progress(record: JobRecord) -> int | None:
    return None if record.progress is None else round(record.progress * 100)


def _job_identity(job: JobRecord | ScheduledJob) -> dict[str, Any]:
    """The fields ActiveJob and ScheduledJob share."""
    return {
        "companyHandle": job.company,
        "jobHandle": job.handle,
        "name": job.name,
        "originalName": job.name,
        "type": job.job_type,
        "submitUserEmail": job.user_email,
    }


def _active_job(record: JobRecord) -> dict[str, Any]:
    return {
        **_job_identity(record),
        "state": "WaitingClient" if record.state == "Paused" else record.state,
        "startDate": record.start_date,
        "progress": _progress(record),
        "progressMessage": record.message,
        "exportJob": _export_job(record.spec) if record.job_type == EXPORT_JOB else None,
    }


def _matches(record: Any, params: dict[str, Any]) -> bool:
    handle, original = params.get("jobHandle"), params.get("originalName")
    return (not handle or record.handle == handle) and (not original or record.name == original)


def get_active_jobs(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params)
    records = call.coordinator.get_active_jobs(session)
    return {"jobArray": [_active_job(r) for r in records if _matches(r, params)]}


def _scheduled_job(job: ScheduledJob) -> dict[str, Any]:
    return {
        **_job_identity(job),
        "description": job.description or None,
        "execSchedule": job.exec_schedule,
        "nextFireTime": job.next_fire,
        "timeZone": job.time_zone,
        "triggerState": "Normal",
        "exportJob": _export_job(job.spec),
    }


def get_scheduled_jobs(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "companyHandle")
    session = call.session(params)
    jobs = call.scheduler.list(session)
    return {"jobArray": [_scheduled_job(job) for job in jobs if _matches(job, params)]}


def _job_log(record: JobRecord) -> dict[str, Any]:
    return {
        "companyHandle": record.company,
        "jobHandle": record.handle,
        "jobName": record.name,
        "originalJobName": record.name,
        "submitUserEmail": record.user_email,
        "logType": "EndGet" if record.finished else "BeginGet",
        "startDate": record.start_date or record.submit_date,
        "endDate": record.end_date,
        "fileSuccessCount": record.success_count,
        "fileErrorCount": record.error_count,
        "fileWarningCount": record.warning_count,
        "fileDuplicateCount": 0,
        "fileUpdateCount": 0,
        "totalFileCount": record.total_count,
        "fatalError": record.fatal_error,
    }


_LOG_SORT_KEYS: dict[str, Callable[[JobRecord], Any]] = {
    "JobName": lambda r: r.name.casefold(),
    "LogType": lambda r: r.finished,
    "StartDate": lambda r: r.start_date or r.submit_date,
    "CompanyName": lambda r: r.company,
    "UserId": lambda r: r.user,
    "Email": lambda r: r.user_email.casefold(),
    "FileErrorCount": lambda r: r.error_count,
    "FileWarningCount": lambda r: r.warning_count,
    "FileSuccessCount": lambda r: r.success_count,
}


def _direction(params: dict[str, Any], default: str) -> bool:
    """Whether to sort descending."""
    direction = params.get("sortDirection") or default
    if direction not in _DIRECTIONS:
        raise _invalid(f"invalid sortDirection {direction!r}; expected Ascending or Descending")
    return direction == "Descending"


def get_job_logs(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params)
    records = call.coordinator.get_job_logs(session, user=params.get("userHandle") or None)
    start, end = params.get("startDate"), params.get("endDate")
    if start is not None:
        records = [r for r in records if (r.start_date or r.submit_date) >= start]
    if end is not None:
        records = [r for r in records if (r.start_date or r.submit_date) <= end]
    sort_by = params.get("sortBy") or "StartDate"
    key = _LOG_SORT_KEYS.get(sort_by)
    if key is None:
        raise _invalid(f"invalid sortBy {sort_by!r}; expected one of {', '.join(_LOG_SORT_KEYS)}")
    records = sorted(records, key=key, reverse=_direction(params, "Descending"))
    rows = params.get("numRows")
    if rows is not None:
        if rows < 1:
            raise _invalid(f"invalid numRows {rows}; expected 1 or more")
        records = records[:rows]
    return {"jobLogArray": [_job_log(r) for r in records]}


def _detail(detail: LogDetail) -> dict[str, Any]:
    return {
        "logMessage": detail.message,
        "logType": detail.log_type,
        "assetName": detail.asset_name,
        "assetType": detail.asset_type,
        "assetHandle": detail.asset_handle,
    }


def get_job_log_details(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "companyHandle")
    session = call.session(params)
    handle = params.get("jobHandle")
    if not handle:
        original = _required(params, "originalName")
        named = [r for r in call.coordinator.get_job_logs(session) if r.name == original]
        if not named:
            raise AuthorizationFault(
                f"no job named {original!r}", code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE
            )
        handle = named[0].handle
    details = call.coordinator.get_job_log_details(
        session,
        handle,
        log_types=params.get("logTypeArray") or None,
        page=params.get("resultsPage") or 1,
        per_page=params.get("recordsPerPage") or MAX_PAGE,
        sort_by=params.get("sortBy") or "Date",
        descending=_direction(params, "Ascending"),
    )
    log = _job_log(session.catalog.get_job(handle))
    log.update(detailTotalRows=len(details), detailArray=[_detail(d) for d in details])
    return {"jobLogArray": [log]}


def _is_scheduled(handle: str) -> bool:
    return handle.startswith("s|")


def _job_control(method: str) -> Handler:
    """stopJob, pauseJob, resumeJob: the coordinator's operation of the same name."""

    def control(call: Call, params: dict[str, Any]) -> dict[str, Any]:
        session = call.session(params)
        getattr(call.coordinator, method)(session, _required(params, "jobHandle"))
        return {}

    return control


def execute_job(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params)
    call.scheduler.execute(session, _required(params, "jobHandle"))
    return {}


def delete_job(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params)
    handle = _required(params, "jobHandle")
    if _is_scheduled(handle):
        call.scheduler.delete(session, handle)
    else:
        session.require("deleteJob")
        call.coordinator.stop_job(session, handle)
    return {}


# --- image formats (the company's presets) -----------------------------------------------------


def _format_handle(session: Session, name: str) -> str:
    return f"{session.company.handle}|{name}"


def _format_name(session: Session, handle: str) -> str:
    prefix = f"{session.company.handle}|"
    name = handle[len(prefix) :] if handle.startswith(prefix) else ""
    if not name or name.casefold() not in {n.casefold() for n in session.list_presets()}:
        raise AuthorizationFault(
            f"illegal image format handle {handle!r}",
            code=AuthorizationFault.ILLEGAL_PARAMETER_VALUE,
        )
    return name


def get_image_formats(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params, "getImageFormats")
    formats = [
        {"imageFormatHandle": _format_handle(session, name), "name": name, "urlModifier": body}
        for name, body in session.list_presets().items()
    ]
    return {"imageFormatArray": formats}


def save_image_format(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params, "saveImageFormat")
    name = str(_required(params, "name")).strip()
    # Adobe tells callers to write '&' as '&amp;'; a client that did so in a string its SOAP
    # library escapes again sends '&amp;' itself, which no IS modifier contains
    session.set_preset(name, str(_required(params, "urlModifier")).replace("&amp;", "&"))
    previous = params.get("imageFormatHandle")
    if previous:
        old = _format_name(session, previous)
        if old.casefold() != name.casefold():
            session.delete_preset(old)  # saving under a new name renames the format
    return {"imageFormatHandle": _format_handle(session, name)}


def delete_image_format(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    session = call.session(params, "deleteImageFormat")
    session.delete_preset(_format_name(session, _required(params, "imageFormatHandle")))
    return {}


# --- compositing templates ---------------------------------------------------------------------

TEMPLATE_TYPE = "Template"


def create_template(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """Adobe's ``createTemplate``; ``folderHandle`` is required and ignored (templates are
    no assets here, so they live in no folder) and ``type`` must be ``Template``."""
    session = call.session(params, "createTemplate")
    _required(params, "folderHandle")
    kind = str(_required(params, "type")).strip()
    if kind.casefold() != TEMPLATE_TYPE.casefold():
        raise _invalid(f"template type {kind!r} is not supported; expected {TEMPLATE_TYPE!r}")
    name = str(_required(params, "name"))
    _required(params, "urlModifier")
    modifiers = [
        str(params.get(field) or "").replace("&amp;", "&")  # as saveImageFormat reads it
        for field in ("urlModifier", "urlPostApplyModifier")
    ]
    handle = session.create_template(name, *modifiers)
    return {"assetHandle": handle}


HANDLERS: dict[str, Handler] = {
    "getCompanyInfo": get_company_info,
    "getCompanyMembership": get_company_membership,
    "getAssetsByName": get_assets_by_name,
    "getAssets": get_assets,
    "searchAssets": search_assets,
    "setUrlModifier": set_url_modifier,
    "submitJob": submit_job,
    "getActiveJobs": get_active_jobs,
    "getScheduledJobs": get_scheduled_jobs,
    "getJobLogs": get_job_logs,
    "getJobLogDetails": get_job_log_details,
    "stopJob": _job_control("stop_job"),
    "pauseJob": _job_control("pause_job"),
    "resumeJob": _job_control("resume_job"),
    "executeJob": execute_job,
    "deleteJob": delete_job,
    "getImageFormats": get_image_formats,
    "saveImageFormat": save_image_format,
    "deleteImageFormat": delete_image_format,
    "createTemplate": create_template,
}
