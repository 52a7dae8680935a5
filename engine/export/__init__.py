"""The IPS ExportJob: export originals or Image Serving conversions of assets as one ZIP package
per job, with a job log, pause/resume/stop, e-mail notifications and crash recovery.

``Coordinator(catalog).submit_job(session, ExportJob(...))`` starts a job; see
:mod:`engine.export.coordinator` for the operations and :mod:`engine.export.job` for the fields.
"""

from engine.export.coordinator import Coordinator
from engine.export.email import SmtpSettings
from engine.export.job import EMAIL_SETTINGS, FORMATS, ExportJob
from engine.export.limits import DEFAULT_LIMITS, ExportLimits
from engine.export.pool import RecyclingProcessPool

__all__ = [
    "DEFAULT_LIMITS",
    "EMAIL_SETTINGS",
    "FORMATS",
    "Coordinator",
    "ExportJob",
    "ExportLimits",
    "RecyclingProcessPool",
    "SmtpSettings",
]
