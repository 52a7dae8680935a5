"""Passwords (scrypt) and the IPS role → operation permission table.

Job operations follow the "Authorized User Types" of each IPS operation (reference §4.2/§4.5),
and so do presets (``saveImageFormat``/``deleteImageFormat``: IpsUser, IpsAdmin,
IpsCompanyAdmin, ImagePortalAdmin) and administration (``addCompany``: IpsAdmin,
TrialSiteAdmin, ImagePortalAdmin; ``addUser`` and ``setCompanyMembership``: those and
IpsCompanyAdmin). Roles are per company, so an administrator administers the companies they
are an administrator of; whoever adds a company becomes its IpsAdmin. A role that may add
companies is granted, and changed, only by an IpsAdmin (:func:`require_grant`), so a company
administrator cannot make anyone, themselves included, more than a company administrator.

The other catalog operations have no single IPS counterpart; their lists are decisions, derived
from the nearest IPS operations (``getAssets``/``getImageFormats`` for reading,
``createAssetSet`` and the upload jobs for writing):

* ``upload``, ``createSet``: every role that may submit or control jobs (IpsAdmin,
  IpsCompanyAdmin, IpsUser, TrialSiteAdmin, TrialSiteUser, ImagePortalAdmin,
  ImagePortalContrib, ImagePortalContribUser).
* ``setUrlModifier`` as IPS lists it (IpsUser, IpsAdmin, IpsCompanyAdmin, ImagePortalAdmin,
  ImagePortalContrib, ImagePortalContribUser).
* ``setCompanyAttribute`` (the IS attributes ``isrender serve`` reads): the company
  administrators, as ``addUser`` (IpsAdmin, IpsCompanyAdmin, TrialSiteAdmin,
  ImagePortalAdmin).
* ``getAssets``, ``getPresets``: those plus ImagePortalUser (read-only, as in ``getAssets``).
* ``WebServiceUser`` appears in none of these IPS role lists, so it may do none of them: the role
  exists and can authenticate, but is refused every operation here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from engine.errors import AuthorizationFault

ROLES = (
    "IpsAdmin",
    "IpsCompanyAdmin",
    "IpsUser",
    "WebServiceUser",
    "TrialSiteAdmin",
    "TrialSiteUser",
    "ImagePortalAdmin",
    "ImagePortalUser",
    "ImagePortalContrib",
    "ImagePortalContribUser",
)

# Roles of getActiveJobs, stopJob, pauseJob, resumeJob, deleteJob, getScheduledJobs.
_JOB_ROLES = frozenset(
    {
        "IpsUser",
        "IpsAdmin",
        "IpsCompanyAdmin",
        "TrialSiteAdmin",
        "TrialSiteUser",
        "ImagePortalAdmin",
        "ImagePortalContrib",
        "ImagePortalContribUser",
    }
)
_EDIT_ROLES = _JOB_ROLES
_READ_ROLES = _JOB_ROLES | {"ImagePortalUser"}
_PRESET_ROLES = frozenset({"IpsUser", "IpsAdmin", "IpsCompanyAdmin", "ImagePortalAdmin"})
_COMPANY_CREATORS = frozenset({"IpsAdmin", "TrialSiteAdmin", "ImagePortalAdmin"})
_USER_ADMINS = _COMPANY_CREATORS | {"IpsCompanyAdmin"}

PERMISSIONS: dict[str, frozenset[str]] = {
    "submitJob": _JOB_ROLES - {"IpsCompanyAdmin"},
    "getActiveJobs": _JOB_ROLES,
    "getScheduledJobs": _JOB_ROLES,
    "getJobLogs": _JOB_ROLES | {"ImagePortalUser"},
    "getJobLogDetails": (_JOB_ROLES | {"ImagePortalUser"}) - {"TrialSiteAdmin"},
    "stopJob": _JOB_ROLES,
    "pauseJob": _JOB_ROLES,
    "resumeJob": _JOB_ROLES,
    "deleteJob": _JOB_ROLES,
    "executeJob": _JOB_ROLES - {"IpsCompanyAdmin"},
    "upload": _EDIT_ROLES,
    "createSet": _EDIT_ROLES,
    "setPreset": _PRESET_ROLES,
    "deletePreset": _PRESET_ROLES,
    "setUrlModifier": frozenset(
        {
            "IpsUser",
            "IpsAdmin",
            "IpsCompanyAdmin",
            "ImagePortalAdmin",
            "ImagePortalContrib",
            "ImagePortalContribUser",
        }
    ),
    "setCompanyAttribute": _USER_ADMINS,
    "createTemplate": _PRESET_ROLES,
    "deleteTemplate": _PRESET_ROLES,
    "getTemplates": _READ_ROLES,
    "getAssets": _READ_ROLES,
    "getPresets": _READ_ROLES,
    "addCompany": _COMPANY_CREATORS,
    "addUser": _USER_ADMINS,
    "setCompanyMembership": _USER_ADMINS,
    # IPS operations of the SOAP service, with the roles their pages list.
    "getCompanyInfo": _READ_ROLES - {"IpsCompanyAdmin"},
    "getAssetsByName": _JOB_ROLES,
    "searchAssets": _READ_ROLES,
    "getImageFormats": _READ_ROLES - {"TrialSiteAdmin", "TrialSiteUser"},
    "saveImageFormat": _PRESET_ROLES,
    "deleteImageFormat": _PRESET_ROLES,
}


def may(role: str, operation: str) -> bool:
    """Whether ``role`` may perform ``operation`` (unknown operations: nobody may)."""
    return role in PERMISSIONS.get(operation, frozenset())


def require(role: str, operation: str) -> None:
    """Raise AuthorizationFault 20003 NO_OPERATION_PERMISSION unless ``role`` may do it."""
    if operation not in PERMISSIONS:
        raise ValueError(f"unknown operation {operation!r}; known: {', '.join(PERMISSIONS)}")
    if not may(role, operation):
        raise AuthorizationFault(
            f"role {role} has no permission for operation {operation}",
            code=AuthorizationFault.NO_OPERATION_PERMISSION,
        )


def require_grant(role: str, granted: str) -> None:
    """AuthorizationFault 20003 unless ``role`` may give (or take away) the role ``granted``:
    a role that may add companies only an IpsAdmin may."""
    if may(granted, "addCompany") and role != "IpsAdmin":
        raise AuthorizationFault(
            f"role {role} may not grant or change the role {granted}; only an IpsAdmin may",
            code=AuthorizationFault.NO_OPERATION_PERMISSION,
        )


# scrypt cost: 2**15 × 8 × 1 needs 32 MiB and ~50-100 ms; parameters are stored per hash.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCHEME = "scrypt"


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$<n>$<r>$<p>$<salt hex>$<key hex>`` with a fresh random salt."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, n, r, p, _KEY_BYTES)
    return f"{_SCHEME}${n}${r}${p}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash from :func:`hash_password` (constant-time compare)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        expected = bytes.fromhex(key)
        params = (int(n), int(r), int(p))
        salt_bytes = bytes.fromhex(salt)
    except ValueError:
        return False
    if scheme != _SCHEME:
        return False
    actual = _scrypt(password, salt_bytes, *params, len(expected))
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),  # a non-UTF-8 $ISRENDER_PASSWORD too
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=length,
        maxmem=128 * r * (n + p + 2) + 1024 * 1024,
    )


# Verified against when the e-mail is unknown, so both failures cost the same time.
DUMMY_HASH = f"{_SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * _SALT_BYTES}${'00' * _KEY_BYTES}"
