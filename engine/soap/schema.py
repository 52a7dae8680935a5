"""The IPS types and operations this service speaks, in one table that both writes the WSDL
(:mod:`engine.soap.wsdl`) and reads and writes the messages (:mod:`engine.soap.codec`).

Fields, names and types follow Adobe's pages for each operation and type (reference §4); the
order of a type's elements is the order of its documentation table (ExportJob's is the one the
AEM javadoc gives). Only the fields this service fills or reads are declared; the other job
details ``submitJob`` accepts are declared as ``xsd:anyType`` so that a request carrying one
is read and refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTH_NAMESPACE = "http://www.scene7.com/IpsApi/xsd"
LEGACY_AUTH_NAMESPACE = "http://www.scene7.com/IpsApi"
VERSIONS = ("2012-02-14", "2013-02-15", "2014-04-03")
LATEST = VERSIONS[-1]


def namespace(version: str) -> str:
    return f"{AUTH_NAMESPACE}/{version}"


NAMESPACES = {namespace(version): version for version in VERSIONS}

# Simple XSD types by the name the table uses.
SIMPLE = {"string", "int", "long", "double", "boolean", "dateTime", "anyType"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a SIMPLE name or a key of TYPES
    required: bool = False
    many: bool = False  # maxOccurs="unbounded" (the items of an array)


def _f(spec: str) -> Field:
    """``"name:type"``, ``"name:type!"`` (required) or ``"name:type*"`` (many)."""
    name, _, kind = spec.partition(":")
    required, many = kind.endswith("!"), kind.endswith("*")
    return Field(name, kind.rstrip("!*"), required, many)


def _fields(*specs: str) -> tuple[Field, ...]:
    return tuple(_f(spec) for spec in specs)


def _array(item: str) -> tuple[Field, ...]:
    return (Field("items", item, many=True),)


TYPES: dict[str, tuple[Field, ...]] = {
    "StringArray": _array("string"),
    "HandleArray": _array("string"),
    "Company": _fields(
        "companyHandle:string", "name:string", "rootPath:string", "expires:dateTime"
    ),
    "CompanyMembership": _fields("company:Company", "role:string", "isActive:boolean"),
    "CompanyMembershipArray": _array("CompanyMembership"),
    "ImageInfo": _fields("width:int", "height:int", "fileSize:long", "checksum:string"),
    "Asset": _fields(
        "assetHandle:string",
        "created:dateTime",
        "fileName:string",
        "folder:string",
        "imageInfo:ImageInfo",
        "name:string",
        "subType:string",
        "type:string",
        "urlModifier:string",
        "urlPostApplyModifier:string",
    ),
    "AssetArray": _array("Asset"),
    "SystemFieldCondition": _fields(
        "field:string", "op:string", "value:string", "boolVal:boolean", "longVal:long"
    ),
    "SystemFieldConditionArray": _array("SystemFieldCondition"),
    "ExportJob": _fields(
        "assetHandleArray:HandleArray!",
        "fmt:string!",
        "is_modifier:string",
        "macro:string",
        "emailSetting:string!",
        "clientId:string",
    ),
    "ActiveJob": _fields(
        "companyHandle:string",
        "jobHandle:string",
        "name:string",
        "originalName:string",
        "type:string",
        "state:string",
        "submitUserEmail:string",
        "locale:string",
        "description:string",
        "serverName:string",
        "startDate:dateTime",
        "totalSize:long",
        "progress:int",
        "progressMessage:string",
        "lastProgressUpdate:dateTime",
        "exportJob:ExportJob",
    ),
    "ActiveJobArray": _array("ActiveJob"),
    "ScheduledJob": _fields(
        "companyHandle:string",
        "jobHandle:string",
        "name:string",
        "originalName:string",
        "type:string",
        "submitUserEmail:string",
        "locale:string",
        "description:string",
        "execSchedule:string",
        "nextFireTime:dateTime",
        "timeZone:string",
        "triggerState:string",
        "exportJob:ExportJob",
    ),
    "ScheduledJobArray": _array("ScheduledJob"),
    "JobLogDetail": _fields(
        "logMessage:string",
        "logType:string",
        "assetName:string",
        "assetType:string",
        "assetHandle:string",
    ),
    "JobLogDetailArray": _array("JobLogDetail"),
    "JobLog": _fields(
        "companyHandle:string",
        "jobHandle:string",
        "jobName:string",
        "originalJobName:string",
        "submitUserEmail:string",
        "logType:string",
        "jobSubType:string",
        "startDate:dateTime",
        "endDate:dateTime",
        "description:string",
        "fileSuccessCount:int",
        "fileErrorCount:int",
        "fileWarningCount:int",
        "fileDuplicateCount:int",
        "fileUpdateCount:int",
        "totalFileCount:int",
        "fatalError:boolean",
        "detailTotalRows:int",
        "detailArray:JobLogDetailArray",
    ),
    "JobLogArray": _array("JobLog"),
    "ImageFormat": _fields("imageFormatHandle:string", "name:string", "urlModifier:string"),
    "ImageFormatArray": _array("ImageFormat"),
    # the uploadParams part of the UploadFile servlet
    "UploadPostParam": _fields(
        "companyHandle:string!",
        "jobName:string",
        "jobHandle:string",
        "locale:string",
        "description:string",
        "destFolder:string",
        "fileName:string",
        "endJob:boolean",
        "uploadParams:anyType",
    ),
}

# submitJob's job details other than exportJob: accepted on the wire, refused by name.
OTHER_JOB_DETAILS = (
    "imageServingPublishJob",
    "imageRenderingPublishJob",
    "videoPublishJob",
    "serverDirectoryPublishJob",
    "uploadDirectoryJob",
    "uploadUrlsJob",
    "optimizeImagesJob",
    "ripPdfsJob",
    "reprocessAssetsJob",
    "automatedSetGenerationJob",
)
_JOB = ("companyHandle:string!", "jobHandle:string!")
_FIELD_FILTERS = ("responseFieldArray:StringArray", "excludeFieldArray:StringArray")


@dataclass(frozen=True)
class Operation:
    name: str
    param: tuple[Field, ...]
    result: tuple[Field, ...]

    @property
    def filters_fields(self) -> bool:
        """Whether Adobe documents responseFieldArray/excludeFieldArray for it."""
        return any(field.name == "responseFieldArray" for field in self.param)


def _op(name: str, param: tuple[str, ...], result: tuple[str, ...] = ()) -> Operation:
    return Operation(name, _fields(*param), _fields(*result))


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        _op(
            "getCompanyInfo",
            ("companyHandle:string", "companyName:string"),
            ("companyInfo:Company!",),
        ),
        _op(
            "getCompanyMembership",
            ("userHandle:string",),
            ("membershipArray:CompanyMembershipArray!",),
        ),
        _op(
            "getAssetsByName",
            (
                "companyHandle:string!",
                "accessUserHandle:string",
                "accessGroupHandle:string",
                "nameArray:StringArray!",
                "assetTypeArray:StringArray",
                "excludeAssetTypeArray:StringArray",
                "assetSubTypeArray:StringArray",
                "strictSubTypeCheck:boolean",
                *_FIELD_FILTERS,
            ),
            ("assetArray:AssetArray",),
        ),
        _op(
            "getAssets",
            (
                "companyHandle:string!",
                "accessUserHandle:string",
                "accessGroupHandle:string",
                "assetHandleArray:HandleArray!",
                *_FIELD_FILTERS,
            ),
            ("assetArray:AssetArray",),
        ),
        _op(
            "searchAssets",
            (
                "companyHandle:string!",
                "accessUserHandle:string",
                "accessGroupHandle:string",
                "folder:string",
                "includeSubfolders:boolean",
                "publishState:string",
                "trashState:string",
                "conditionMatchMode:string",
                "keywordArray:StringArray",
                "systemFieldMatchMode:string",
                "systemFieldConditionArray:SystemFieldConditionArray",
                "tagMatchMode:string",
                "tagConditionArray:anyType",
                "metadataMatchMode:string",
                "metadataConditionArray:anyType",
                "assetTypeArray:StringArray",
                "excludeAssetTypeArray:StringArray",
                "assetSubTypeArray:StringArray",
                "strictSubTypeCheck:boolean",
                "excludeByproducts:boolean",
                "excludeByproductArray:anyType",
                "projectHandle:string",
                "recordsPerPage:int",
                "resultsPage:int",
                "sortBy:string",
                "sortDirection:string",
                *_FIELD_FILTERS,
            ),
            ("totalRows:int", "assetArray:AssetArray"),
        ),
        _op(
            "setUrlModifier",
            (
                "companyHandle:string!",
                "assetHandle:string!",
                "urlModifier:string",
                "urlPostApplyModifier:string",
            ),
        ),
        _op(
            "submitJob",
            (
                "companyHandle:string!",
                "userHandle:string",
                "jobName:string!",
                "locale:string",
                "execTime:dateTime",
                "execSchedule:string",
                "description:string",
                "exportJob:ExportJob",
                *(f"{name}:anyType" for name in OTHER_JOB_DETAILS),
            ),
            ("jobHandle:string!",),
        ),
        _op(
            "getActiveJobs",
            ("companyHandle:string", "jobHandle:string", "originalName:string"),
            ("jobArray:ActiveJobArray!",),
        ),
        _op(
            "getScheduledJobs",
            ("companyHandle:string!", "jobHandle:string", "originalName:string"),
            ("jobArray:ScheduledJobArray!",),
        ),
        _op(
            "getJobLogs",
            (
                "companyHandle:string",
                "userHandle:string",
                "sortBy:string",
                "sortDirection:string",
                "startDate:dateTime",
                "endDate:dateTime",
                "numRows:int",
            ),
            ("jobLogArray:JobLogArray!",),
        ),
        _op(
            "getJobLogDetails",
            (
                "companyHandle:string!",
                "jobHandle:string",
                "originalName:string",
                "logTypeArray:StringArray",
                "recordsPerPage:int",
                "resultsPage:int",
                "sortBy:string",
                "sortDirection:string",
            ),
            ("jobLogArray:JobLogArray!",),
        ),
        _op("stopJob", _JOB),
        _op("pauseJob", _JOB),
        _op("resumeJob", _JOB),
        _op("executeJob", _JOB),
        _op("deleteJob", _JOB),
        _op("getImageFormats", ("companyHandle:string!",), ("imageFormatArray:ImageFormatArray!",)),
        _op(
            "saveImageFormat",
            (
                "companyHandle:string!",
                "imageFormatHandle:string",
                "name:string!",
                "urlModifier:string!",
            ),
            ("imageFormatHandle:string!",),
        ),
        _op("deleteImageFormat", ("companyHandle:string!", "imageFormatHandle:string!")),
        _op(
            "createTemplate",
            (
                "companyHandle:string!",
                "folderHandle:string!",
                "name:string!",
                "type:string!",
                "urlModifier:string!",
                "urlPostApplyModifier:string",
            ),
            ("assetHandle:string!",),
        ),
    )
}

AUTH_HEADER = _fields(
    "user:string",
    "password:string",
    "locale:string",
    "appName:string",
    "appVersion:string",
    "gzipResponse:boolean",
    "faultHttpStatusCode:int",
)
FAULTS = ("authenticationFault", "authorizationFault", "ipsApiFault")
