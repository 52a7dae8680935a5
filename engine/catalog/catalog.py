"""The embedded catalog: companies, users, memberships, the jobs with their logs, and the jobs
scheduled to run later.

A catalog is a home folder (see ``home``) with a blob store and, by default, a SQLite database;
with ``database_url`` (or ``$ISRENDER_DATABASE_URL``) ``postgresql://…`` the database is a
PostgreSQL one instead (see ``postgres``), with the same schema, migrations and statements, so
that coordinators on several hosts share it. It may be opened by several processes and threads
at once: each thread of each process gets its own connection, transactions are short, and every
write is committed before the call returns.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from engine import storage
from engine.catalog import handles, postgres, sql
from engine.catalog.auth import DUMMY_HASH, ROLES, SCRYPT_N, hash_password, verify_password
from engine.catalog.blobs import BlobStore
from engine.catalog.home import (
    BLOBS_DIR,
    DB_NAME,
    ENV_DATABASE_URL,
    PACKAGES_DIR,
    PRIVATE_FOLDER,
    create_home,
    resolve_home,
)
from engine.catalog.jobs import (
    ACTIVE_STATES,
    EMAIL_SETTINGS,
    FINAL_STATES,
    LOG_SORT_FIELDS,
    SEVERITIES,
    check_choice,
    check_page,
    check_progress,
    check_required,
    check_text,
)
from engine.catalog.models import Asset, Company, JobRecord, LogDetail, ScheduledJob, User
from engine.errors import (
    ApiFault,
    AuthenticationFault,
    AuthorizationFault,
    CatalogError,
    JobError,
    NotFoundError,
    SettingsError,
)
from engine.macros import MacroTable
from engine.mailbox import single_mailbox
from engine.templates import Template

if TYPE_CHECKING:
    from engine.catalog.session import Session

INVALID_CREDENTIALS = "Invalid username/password"
FIRST_ROLE = "IpsAdmin"  # the role of the administrator :meth:`Catalog.initialize` creates
ENV_STORAGE = storage.ENV_STORAGE


def _now() -> datetime:
    return datetime.now(UTC)


class Catalog:
    """Open with :meth:`open`; close with :meth:`close` or use as a context manager."""

    def __init__(
        self,
        home: Path,
        *,
        scrypt_n: int = SCRYPT_N,
        database_url: str | None = None,
        storage_url: str | None = None,
    ) -> None:
        if scrypt_n < 2 or scrypt_n & (scrypt_n - 1):
            raise ValueError(f"scrypt_n must be a power of two above 1, not {scrypt_n}")
        if database_url and not postgres.is_url(database_url):
            raise SettingsError(
                f"unsupported catalog database URL {postgres.redact(database_url)!r}: expected "
                "postgresql://user:password@host:port/database (or none: SQLite in the home)"
            )
        self.home = home
        self.scrypt_n = scrypt_n
        self.database_url = database_url or None
        self.db_path = home / DB_NAME
        self.storage_url = storage_url or None
        root = storage.check_root(storage_url) if storage_url else str(home)
        local_root = storage.local_path(root)
        if local_root is None:  # shared storage; the home's blob folder is a local cache
            self.blobs = BlobStore(home / BLOBS_DIR, remote=storage.join(root, BLOBS_DIR))
        else:
            (local_root / BLOBS_DIR).mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
            self.blobs = BlobStore(local_root / BLOBS_DIR)
        #: Where packages (and the renditions of running jobs) go: a folder or a URL.
        self.packages = storage.join(root, PACKAGES_DIR)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[int, sqlite3.Connection]] = []
        self._closed = False

    @classmethod
    def open(
        cls,
        home: str | os.PathLike[str] | None = None,
        *,
        scrypt_n: int = SCRYPT_N,
        database_url: str | None = None,
        storage: str | None = None,
    ) -> Catalog:
        """Open (creating if needed) the catalog in ``home`` (default: see ``resolve_home``).

        A new home is private to this user (see ``home``); a new catalog has no users until
        :meth:`initialize` makes the first administrator.

        ``database_url``: ``postgresql://…`` for a PostgreSQL database (``pip install
        'isrender[postgres]'``); default ``$ISRENDER_DATABASE_URL``, else SQLite in the home.
        ``storage``: where blobs and packages live, a folder or an fsspec URL such as
        ``s3://bucket/prefix`` (see ``engine.storage``); default ``$ISRENDER_STORAGE``, else
        the home.

        ``scrypt_n`` is the scrypt cost of new password hashes (each hash stores its own
        parameters, so it can change at any time); lower it only for tests.
        """
        path = resolve_home(home)
        url = database_url if database_url is not None else os.environ.get(ENV_DATABASE_URL)
        where = storage if storage is not None else os.environ.get(ENV_STORAGE)
        try:
            create_home(path, with_database=not url)
            catalog = cls(path, scrypt_n=scrypt_n, database_url=url, storage_url=where)
        except OSError as exc:
            raise CatalogError(f"cannot open the catalog in {path}: {exc}") from None
        try:
            sql.migrate(catalog.connection())
        except sqlite3.Error as exc:
            catalog.close()
            raise CatalogError(f"cannot open the catalog {catalog.where}: {exc}") from None
        except BaseException:
            catalog.close()
            raise
        return catalog

    def reopen(self) -> Catalog:
        """The same catalog opened again, for another thread (its own connections)."""
        return Catalog.open(
            self.home,
            scrypt_n=self.scrypt_n,
            database_url=self.database_url or "",
            storage=self.storage_url or "",
        )

    @property
    def where(self) -> str:
        """The database, for messages: the home, or the PostgreSQL URL without password."""
        if self.database_url is None:
            return f"in {self.home}"
        return postgres.redact(self.database_url)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (internal to the catalog package); on PostgreSQL a
        :class:`postgres.Connection`, which speaks the same dialect."""
        if self._closed:
            raise CatalogError(f"the catalog {self.where} is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            if self.database_url is None:
                conn = sql.connect(self.db_path)
            else:
                try:
                    conn = postgres.connect(self.database_url)
                except sqlite3.Error as exc:
                    raise CatalogError(f"cannot open the catalog: {exc}") from None
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                self._connections.append((os.getpid(), conn))
        return conn

    def close(self) -> None:
        """Close the connections this process opened; the catalog cannot be used afterwards."""
        with self._lock:
            self._closed = True
            mine = [conn for pid, conn in self._connections if pid == os.getpid()]
            self._connections.clear()
        for conn in mine:
            conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Catalog({str(self.home)!r})"

    # --- companies, users, memberships, sign-in ----------------------------------------------

    def create_company(self, name: str) -> Company:
        """A new company, without members. Unchecked, like every method of the catalog itself:
        front ends call :meth:`Session.add_company`, which requires an administrator."""
        name = check_text("company name", check_required("company name", name)).strip()
        company = sql.insert_company(self.connection(), name, _now())
        if company is None:
            raise CatalogError(f"a company named {name!r} already exists")
        return company

    def company(self, handle_or_name: str) -> Company:
        """The company with that handle (``c|<n>``) or name (case-insensitive)."""
        check_text("company handle or name", handle_or_name)
        conn = self.connection()
        company_id = handles.parse_company(handle_or_name)
        found = sql.company_by_id(conn, company_id) if company_id is not None else None
        found = found or sql.company_by_name(conn, handle_or_name.strip())
        if found is None:
            raise NotFoundError(f"no company with handle or name {handle_or_name!r}")
        return found

    # --- what Image Serving reads: public, no sign-in --------------------------------------

    def find_image(self, company: Company, name: str) -> Asset | None:
        """The company's image served as ``/is/image/{company}/{name}``: the newest image
        named ``name`` exactly or ``name`` plus one extension (case-sensitive), else None."""
        return sql.image_by_name(self.connection(), handles.row_id(company.handle), name)

    def find_template(self, company: Company, name: str) -> Template | None:
        """The company's compositing template ``name`` (case-insensitive), else None."""
        row = sql.template_by_name(self.connection(), handles.row_id(company.handle), name)
        return None if row is None else Template(*row)

    def presets(self, company: Company) -> MacroTable:
        """The company's presets as the macro table of its requests."""
        return MacroTable(sql.list_presets(self.connection(), handles.row_id(company.handle)))

    def company_attributes(self, company: str) -> dict[str, str]:
        """The IS attributes set for the company (``engine.catalog.attributes``)."""
        return sql.company_attributes(
            self.connection(), handles.row_id(self.company(company).handle)
        )

    def create_user(
        self, email: str, password: str, *, first_name: str = "", last_name: str = ""
    ) -> User:
        """A new user, member of no company; the password is stored only as a salted scrypt
        hash. Unchecked: front ends call :meth:`Session.add_user`."""
        email = check_text("user e-mail", check_required("user e-mail", email)).strip()
        check_text("first name", first_name)
        check_text("last name", last_name)
        try:
            single_mailbox(email)
        except ValueError as exc:
            raise ApiFault(
                f"invalid e-mail address {email!r}: {exc}", code=ApiFault.INVALID_PARAMETER
            ) from None
        check_required("password", password)
        user = sql.insert_user(
            self.connection(),
            email,
            hash_password(password, n=self.scrypt_n),
            first_name,
            last_name,
            _now(),
        )
        if user is None:
            raise CatalogError(f"a user with e-mail {email!r} already exists")
        return user

    def user(self, handle_or_email: str) -> User:
        """The user with that handle (``u|<n>``) or e-mail (case-insensitive)."""
        check_text("user handle or e-mail", handle_or_email)
        conn = self.connection()
        user_id = handles.parse_user(handle_or_email)
        found = sql.user_by_id(conn, user_id) if user_id is not None else None
        found = found or sql.user_by_email(conn, handle_or_email.strip())
        if found is None:
            raise CatalogError(f"no user with handle or e-mail {handle_or_email!r}")
        return found

    def add_membership(self, user_handle: str, company_handle: str, role: str) -> None:
        """Make the user a member of the company with ``role`` (replacing an earlier role).
        Unchecked: front ends call :meth:`Session.set_membership`."""
        check_choice("user role", role, ROLES)
        user = self.user(user_handle)
        company = self.company(company_handle)
        sql.upsert_membership(
            self.connection(), handles.row_id(user.handle), handles.row_id(company.handle), role
        )

    def companies_of(self, user: str) -> list[Company]:
        """The companies the user (handle or e-mail) belongs to."""
        return sql.companies_of_user(self.connection(), handles.row_id(self.user(user).handle))

    def role(self, user: str, company: str) -> str | None:
        """The user's role in the company, ``None`` if not a member."""
        user_id, company_id = (
            handles.row_id(self.user(user).handle),
            handles.row_id(self.company(company).handle),
        )
        return sql.membership_role(self.connection(), user_id, company_id)

    def initialize(
        self,
        company: str,
        email: str,
        password: str,
        *,
        first_name: str = "",
        last_name: str = "",
    ) -> Session:
        """Bootstrap a catalog that has no users yet: create ``company`` and its first
        administrator (role ``IpsAdmin``), all or nothing, and return their session.

        Refused (CatalogError) once the catalog has a user: from then on administrators add
        companies and users through their sessions (``add_company``, ``add_user``)."""
        from engine.catalog.session import Session

        conn = self.connection()
        with sql.transaction(conn):
            if sql.has_users(conn):
                raise CatalogError(
                    f"the catalog in {self.home} is already initialised; an administrator "
                    "adds companies and users"
                )
            the_company = self.create_company(company)
            user = self.create_user(email, password, first_name=first_name, last_name=last_name)
            sql.upsert_membership(
                conn, handles.row_id(user.handle), handles.row_id(the_company.handle), FIRST_ROLE
            )
        return Session(self, user, the_company, FIRST_ROLE)

    def authenticate(self, email: str, password: str, company: str | None = None) -> Session:
        """Sign in to ``company`` (handle or name; ``None``: the user's only company).

        Faults: 10000 without e-mail or password; 10001 for an unknown e-mail or a wrong
        password (one message for both); 20000 if the user is not a member of that company.
        """
        user = self.sign_in(email, password)
        return self.session_for(user.handle, company)

    def sign_in(self, email: str, password: str) -> User:
        """The user with these credentials, before any company is chosen (faults 10000 and
        10001 as in :meth:`authenticate`)."""
        if not email or not email.strip() or not password:
            raise AuthenticationFault(
                "no credentials: a user e-mail and a password are required",
                code=AuthenticationFault.NO_CREDENTIALS,
            )
        check_text("user e-mail", email)
        conn = self.connection()
        login = sql.user_login(conn, email.strip())
        matches = verify_password(password, login[1] if login else DUMMY_HASH)
        if login is None or not matches:
            raise AuthenticationFault(
                INVALID_CREDENTIALS, code=AuthenticationFault.INVALID_CREDENTIALS
            )
        return login[0]

    def session_for(self, user: str, company: str | None = None) -> Session:
        """A session of ``user`` (handle or e-mail) in ``company`` (``None``: the user's only
        company) without a password: for callers that checked the credentials themselves,
        or act later for a user who did (the job scheduler). Fault 20000 if the user is not
        (or no longer) a member of that company."""
        from engine.catalog.session import Session

        the_user = self.user(user)
        chosen = self._member_company(the_user, company)
        role = sql.membership_role(
            self.connection(), handles.row_id(the_user.handle), handles.row_id(chosen.handle)
        )
        if role is None:
            raise _not_member(the_user, company or chosen.name)
        return Session(self, the_user, chosen, role)

    def _member_company(self, user: User, company: str | None) -> Company:
        if company is None or not company.strip():
            companies = sql.companies_of_user(self.connection(), handles.row_id(user.handle))
            if len(companies) != 1:
                raise AuthorizationFault(
                    f"user {user.email} belongs to {len(companies)} companies; name one",
                    code=AuthorizationFault.INVALID_COMPANY,
                )
            return companies[0]
        try:
            return self.company(company)
        except CatalogError:
            raise _not_member(user, company) from None

    # --- jobs and job logs ---------------------------------------------------------------------

    def create_job(
        self,
        *,
        company: str,
        user: str,
        name: str,
        job_type: str,
        spec: dict[str, Any],
        email_setting: str,
        owner: str,
        lease_expires: datetime | None = None,
    ) -> str:
        """Record a new job in state ``New``; returns its handle ``j|<company>|<name>|<n>``.

        ``spec`` must be JSON-serialisable; ``user`` (handle or e-mail) must belong to
        ``company`` (handle or name).
        """
        check_text("job name", check_required("job name", name))
        check_required("job type", job_type)
        check_choice("email setting", email_setting, EMAIL_SETTINGS)
        if not isinstance(spec, dict):
            raise ApiFault("the job spec must be a dict", code=ApiFault.INVALID_PARAMETER)
        company_id, user_id = self._member_ids(company, user)
        conn = self.connection()
        try:
            job_id = sql.insert_job(
                conn,
                company_id=company_id,
                user_id=user_id,
                name=name,
                job_type=job_type,
                state="New",
                spec=spec,
                email_setting=email_setting,
                owner=owner,
                now=_now(),
                lease_expires=lease_expires,
            )
        except (TypeError, ValueError) as exc:
            raise ApiFault(
                f"the job spec cannot be stored as JSON: {exc}", code=ApiFault.INVALID_PARAMETER
            ) from None
        return handles.job_handle(company_id, name, job_id)

    def _member_ids(self, company: str, user: str) -> tuple[int, int]:
        """``(company_id, user_id)``; fault 20000 unless the user belongs to the company."""
        the_company, the_user = self.company(company), self.user(user)
        company_id, user_id = handles.row_id(the_company.handle), handles.row_id(the_user.handle)
        if sql.membership_role(self.connection(), user_id, company_id) is None:
            raise _not_member(the_user, the_company.name)
        return company_id, user_id

    def _job_id(self, job: str) -> int:
        parsed = handles.parse_job(job)
        if parsed is not None:
            company_id, name, job_id = parsed
            if sql.job_key(self.connection(), job_id) == (company_id, name):
                return job_id
        raise JobError(f"no job with handle {job!r}")

    def get_job(self, job: str) -> JobRecord:
        record = sql.job_by_id(self.connection(), self._job_id(job))
        if record is None:
            raise JobError(f"no job with handle {job!r}")
        return record

    def update_job_progress(self, job: str, progress: float, message: str | None = None) -> None:
        """Record an unfinished job's progress (a fraction 0.0–1.0) and, when given, its
        message. The state is never written, so a pause or stop that another process writes
        at the same moment stands. A finished job cannot change: JobError."""
        check_progress(progress)
        if not sql.update_job_progress(self.connection(), self._job_id(job), progress, message):
            raise JobError(f"job {job!r} has finished; its progress can no longer change")

    def transition_job(
        self,
        job: str,
        from_states: Iterable[str],
        to_state: str,
        *,
        owner: str | None = None,
        message: str | None = None,
    ) -> bool:
        """Atomically move an unfinished job that is in one of ``from_states`` to ``to_state``
        (and set ``owner``/``message`` when given); returns whether it did.

        One compare-and-set statement: of several processes racing for the same job, each
        sees the state the others left. Only the active states (New, Running, Paused,
        Stopping) are allowed: a job ends with :meth:`finish_job`. The start date is set the
        first time the job is ``Running``. A finished job is in none of ``from_states``.
        """
        states = (from_states,) if isinstance(from_states, str) else tuple(from_states)
        if not states:
            raise ApiFault("missing job states to move from", code=ApiFault.MISSING_PARAMETER)
        for state in (*states, to_state):
            check_choice("job state", state, ACTIVE_STATES)
        return sql.transition_job(
            self.connection(),
            self._job_id(job),
            states,
            to_state,
            owner=owner,
            message=message,
            now=_now(),
        )

    def claim_job(self, job: str, owner: str, expected_owner: str | None) -> bool:
        """Atomically make ``owner`` the owner of an unfinished job still owned by
        ``expected_owner``; returns whether it did. Of several processes recovering the same
        job of a dead owner, exactly one succeeds."""
        check_required("job owner", owner)
        return sql.claim_job(self.connection(), self._job_id(job), owner, expected_owner)

    def renew_leases(self, owner: str, until: datetime) -> int:
        """Extend to ``until`` the lease of every unfinished job ``owner`` owns (one
        statement: a coordinator's heartbeat); returns how many jobs it holds."""
        check_required("job owner", owner)
        return sql.renew_leases(self.connection(), owner, until)

    def add_job_log(
        self,
        job: str,
        *,
        log_type: str,
        message: str,
        severity: str,
        asset_name: str | None = None,
        asset_type: str | None = None,
        asset_handle: str | None = None,
    ) -> None:
        """Append one job-log entry (committed at once). ``severity`` decides which count
        (success/error/warning) it adds to; ``info`` entries are not counted."""
        check_required("log type", log_type)
        check_choice("severity", severity, SEVERITIES)
        sql.insert_job_log(
            self.connection(),
            self._job_id(job),
            log_type=log_type,
            message=message,
            severity=severity,
            asset_name=asset_name,
            asset_type=asset_type,
            asset_handle=asset_handle,
            now=_now(),
        )

    def finish_job(
        self,
        job: str,
        *,
        fatal_error: bool = False,
        package: str | None = None,
        state: str = "Done",
    ) -> None:
        """Set the end date and final state (``Done``, or ``Unknown`` for a lost job)."""
        check_choice("final job state", state, FINAL_STATES)
        finished = sql.finish_job(
            self.connection(),
            self._job_id(job),
            state=state,
            fatal_error=fatal_error,
            package=package,
            now=_now(),
        )
        if not finished:
            raise JobError(f"job {job!r} has already finished")

    def list_jobs(
        self,
        company: str,
        *,
        active_only: bool = False,
        user: str | None = None,
        limit: int | None = None,
    ) -> list[JobRecord]:
        """The company's jobs, newest first; ``active_only``: unfinished jobs in an active
        state; ``user``: submitted by that user (handle or e-mail)."""
        if limit is not None and limit < 1:
            raise ApiFault(
                f"invalid limit {limit}; expected 1 or more", code=ApiFault.INVALID_PARAMETER
            )
        return sql.list_jobs(
            self.connection(),
            company_id=handles.row_id(self.company(company).handle),
            active_states=ACTIVE_STATES if active_only else None,
            user_id=handles.row_id(self.user(user).handle) if user is not None else None,
            limit=limit,
        )

    def job_log_details(
        self,
        job: str,
        *,
        log_types: Sequence[str] | None = None,
        page: int = 1,
        per_page: int = 1000,
        sort_by: str = "Date",
        descending: bool = False,
    ) -> list[LogDetail]:
        """One page of the job's log (``getJobLogDetails``: at most 1000 per page, pages from 1,
        sorted by ``Date`` or ``LogType``; empty or ``None`` ``log_types`` keep all)."""
        check_choice("sort field", sort_by, LOG_SORT_FIELDS)
        check_page(page, per_page)
        return sql.job_logs(
            self.connection(),
            self._job_id(job),
            log_types=[log_types] if isinstance(log_types, str) else list(log_types or ()),
            offset=(page - 1) * per_page,
            limit=per_page,
            by_type=sort_by == "LogType",
            descending=descending,
        )

    def active_jobs_all(self) -> list[JobRecord]:
        """Every unfinished job in New/Running/Paused/Stopping of every company, newest first
        (for crash recovery)."""
        return sql.list_jobs(
            self.connection(),
            company_id=None,
            active_states=ACTIVE_STATES,
            user_id=None,
            limit=None,
        )

    # --- scheduled jobs ----------------------------------------------------------------------

    def create_scheduled_job(
        self,
        *,
        company: str,
        user: str,
        name: str,
        job_type: str,
        spec: dict[str, Any],
        description: str,
        exec_schedule: str | None,
        time_zone: str,
        next_fire: datetime,
    ) -> ScheduledJob:
        """Record a job to be submitted at ``next_fire`` (then again by ``exec_schedule``, a
        cron expression, or never when it is ``None``)."""
        check_required("job name", name)
        company_id, user_id = self._member_ids(company, user)
        conn = self.connection()
        scheduled_id = sql.insert_scheduled(
            conn,
            company_id=company_id,
            user_id=user_id,
            name=name,
            job_type=job_type,
            spec=spec,
            description=description,
            exec_schedule=exec_schedule,
            time_zone=time_zone,
            next_fire=next_fire,
            now=_now(),
        )
        return self.scheduled_job(handles.scheduled_handle(company_id, name, scheduled_id))

    def scheduled_job(self, handle: str) -> ScheduledJob:
        """The scheduled job with that ``s|…`` handle; JobError if there is none."""
        parsed = handles.parse_job(handle, "s") if isinstance(handle, str) else None
        found = sql.scheduled_by_id(self.connection(), parsed[2]) if parsed else None
        if found is None or found.handle != handle:
            raise JobError(f"no scheduled job with handle {handle!r}")
        return found

    def list_scheduled_jobs(self, company: str | None = None) -> list[ScheduledJob]:
        """The scheduled jobs of ``company`` (every company's for ``None``), soonest first."""
        company_id = None if company is None else handles.row_id(self.company(company).handle)
        return sql.list_scheduled(self.connection(), company_id)

    def due_scheduled_jobs(self, now: datetime) -> list[ScheduledJob]:
        """Every company's scheduled jobs whose next fire time is ``now`` or earlier."""
        return sql.due_scheduled(self.connection(), now)

    def claim_scheduled_fire(self, job: ScheduledJob, then: datetime | None) -> bool:
        """Atomically move ``job``'s next fire time on to ``then`` (``None``: remove the job)
        if no one else did since ``job`` was read; only the process that did submits it."""
        return sql.claim_scheduled(
            self.connection(), handles.row_id(job.handle), job.next_fire, then
        )

    def delete_scheduled_job(self, handle: str) -> None:
        job = self.scheduled_job(handle)
        if not sql.delete_scheduled(self.connection(), handles.row_id(job.handle)):
            raise JobError(f"no scheduled job with handle {handle!r}")


def _not_member(user: User, company: str) -> AuthorizationFault:
    return AuthorizationFault(
        f"user {user.email} is not a member of company {company!r}",
        code=AuthorizationFault.INVALID_COMPANY,
    )
