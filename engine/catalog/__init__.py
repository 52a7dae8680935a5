"""The embedded asset catalog: companies, users and roles, uploaded assets in a content-
addressed blob store, image presets, per-asset URL modifiers, and the jobs, job logs and
scheduled jobs of the IPS job model (§4).

Open with ``Catalog.open(home)``; sign in with ``catalog.authenticate(email, password,
company)`` to get a :class:`Session`.
"""

from engine.catalog.assets import SET_TYPES
from engine.catalog.auth import PERMISSIONS, ROLES, may
from engine.catalog.catalog import Catalog
from engine.catalog.home import default_home, resolve_home
from engine.catalog.jobs import (
    ACTIVE_STATES,
    EMAIL_SETTINGS,
    FINAL_STATES,
    JOB_STATES,
    SEVERITIES,
)
from engine.catalog.models import Asset, Company, JobRecord, LogDetail, ScheduledJob, User
from engine.catalog.session import Session

__all__ = [
    "ACTIVE_STATES",
    "EMAIL_SETTINGS",
    "FINAL_STATES",
    "JOB_STATES",
    "PERMISSIONS",
    "ROLES",
    "SET_TYPES",
    "SEVERITIES",
    "Asset",
    "Catalog",
    "Company",
    "JobRecord",
    "LogDetail",
    "ScheduledJob",
    "Session",
    "User",
    "default_home",
    "may",
    "resolve_home",
]
