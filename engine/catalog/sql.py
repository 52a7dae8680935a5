"""Every SQL statement of isrender: the SQLite schema, its migrations and all queries.

Another database would get a sibling module with the same functions. Functions take an open
connection and return the catalog's models (or plain values); they never decide policy.

Connections run in autocommit mode: a single statement commits at once, and multi-statement
writes use :func:`transaction` (``BEGIN IMMEDIATE``, so writers queue on the busy timeout
instead of failing half-way). Dates are stored as ISO-8601 UTC text with microseconds, which
sorts chronologically.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.catalog import handles
from engine.catalog.models import Asset, Company, JobRecord, LogDetail, ScheduledJob, User
from engine.errors import CatalogError

BUSY_TIMEOUT_S = 30.0

# Migrations by version: MIGRATIONS[v] brings a database from version v to v + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE companies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created TEXT NOT NULL
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL
    );
    CREATE TABLE memberships (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        PRIMARY KEY (user_id, company_id)
    );
    CREATE TABLE assets (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id),
        name TEXT NOT NULL,
        asset_type TEXT NOT NULL,
        folder TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        checksum TEXT,
        uploaded TEXT NOT NULL,
        uploaded_by INTEGER REFERENCES users(id)
    );
    CREATE INDEX assets_by_folder ON assets (company_id, folder);
    CREATE INDEX assets_by_checksum ON assets (checksum);
    CREATE TABLE set_members (
        set_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        member_id INTEGER NOT NULL REFERENCES assets(id),
        PRIMARY KEY (set_id, position)
    );
    CREATE TABLE presets (
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        definition TEXT NOT NULL,
        PRIMARY KEY (company_id, name)
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        name TEXT NOT NULL,
        job_type TEXT NOT NULL,
        state TEXT NOT NULL,
        spec TEXT NOT NULL,
        email_setting TEXT NOT NULL,
        progress REAL,
        message TEXT,
        owner TEXT,
        submit_date TEXT NOT NULL,
        start_date TEXT,
        end_date TEXT,
        package TEXT,
        fatal_error INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_by_company ON jobs (company_id, submit_date);
    CREATE INDEX jobs_unfinished ON jobs (end_date) WHERE end_date IS NULL;
    CREATE TABLE job_logs (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        log_type TEXT NOT NULL,
        message TEXT NOT NULL,
        severity TEXT NOT NULL,
        asset_name TEXT,
        asset_type TEXT,
        asset_handle TEXT,
        date TEXT NOT NULL
    );
    CREATE INDEX job_logs_by_job ON job_logs (job_id, date);
    """,
    # 2: per-asset URL modifiers (IS catalog::Modifier / catalog::PostModifier, IPS
    # setUrlModifier), the date they changed, lookup by name for /is/image/{company}/{name},
    # and per-company IS attributes (attribute::ErrorImage, ...).
    """
    ALTER TABLE assets ADD COLUMN url_modifier TEXT NOT NULL DEFAULT '';
    ALTER TABLE assets ADD COLUMN url_post_modifier TEXT NOT NULL DEFAULT '';
    ALTER TABLE assets ADD COLUMN modified TEXT;
    CREATE INDEX assets_by_name ON assets (company_id, name);
    CREATE TABLE company_attributes (
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        value TEXT NOT NULL,
        PRIMARY KEY (company_id, name)
    );
    """,
    # 3: jobs submitted with execTime/execSchedule, waiting for their time.
    """
    CREATE TABLE scheduled_jobs (
        id INTEGER PRIMARY KEY,
        company_id INTEGER NOT NULL REFERENCES companies(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        name TEXT NOT NULL,
        job_type TEXT NOT NULL,
        spec TEXT NOT NULL,
        description TEXT NOT NULL,
        exec_schedule TEXT,
        time_zone TEXT NOT NULL,
        next_fire TEXT,
        created TEXT NOT NULL
    );
    CREATE INDEX scheduled_jobs_due ON scheduled_jobs (next_fire);
    """,
    # 4: compositing templates (IPS createTemplate: a modifier and a post-modifier)
    """
    CREATE TABLE templates (
        company_id INTEGER NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE,
        modifier TEXT NOT NULL,
        post_modifier TEXT NOT NULL,
        PRIMARY KEY (company_id, name)
    );
    """,
    # 5: the lease of a running job: until when its owner (a coordinator, maybe on another
    # host) counts as alive without renewing it (see engine.export.owner).
    """
    ALTER TABLE jobs ADD COLUMN lease_expires TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


# --- connections, transactions, schema ------------------------------------------------------


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL, foreign keys and a busy timeout.

    ``check_same_thread`` is off only so the owner may close it from another thread; each
    thread must still use its own connection.
    """
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back if the block raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the missing migrations, each in its own transaction; returns the new version.

    Raises CatalogError for a database written by a newer isrender.
    """
    with transaction(conn):
        version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise CatalogError(
            f"catalog schema version {version} is newer than this isrender ({SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        with transaction(conn):
            # Another process may have migrated meanwhile; re-read under the write lock.
            version = schema_version(conn)
            if version >= SCHEMA_VERSION:
                break
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            version += 1
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    return version


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _text(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat(timespec="microseconds")


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe_date(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# --- companies, users, memberships -----------------------------------------------------------


def _company(row: sqlite3.Row) -> Company:
    return Company(handles.company_handle(row["id"]), row["name"])


def insert_company(conn: sqlite3.Connection, name: str, now: datetime) -> Company | None:
    """The new company, or ``None`` if the name is taken."""
    try:
        cursor = conn.execute(
            "INSERT INTO companies (name, created) VALUES (?, ?)", (name, _text(now))
        )
    except sqlite3.IntegrityError:
        return None
    return Company(handles.company_handle(cursor.lastrowid or 0), name)


def company_by_id(conn: sqlite3.Connection, company_id: int) -> Company | None:
    row = conn.execute("SELECT id, name FROM companies WHERE id = ?", (company_id,)).fetchone()
    return None if row is None else _company(row)


def company_by_name(conn: sqlite3.Connection, name: str) -> Company | None:
    row = conn.execute("SELECT id, name FROM companies WHERE name = ?", (name,)).fetchone()
    return None if row is None else _company(row)


def _user(row: sqlite3.Row) -> User:
    return User(handles.user_handle(row["id"]), row["email"], row["first_name"], row["last_name"])


def insert_user(
    conn: sqlite3.Connection,
    email: str,
    password_hash: str,
    first_name: str,
    last_name: str,
    now: datetime,
) -> User | None:
    """The new user, or ``None`` if the e-mail is taken."""
    try:
        cursor = conn.execute(
            "INSERT INTO users (email, password_hash, first_name, last_name, created)"
            " VALUES (?, ?, ?, ?, ?)",
            (email, password_hash, first_name, last_name, _text(now)),
        )
    except sqlite3.IntegrityError:
        return None
    return User(handles.user_handle(cursor.lastrowid or 0), email, first_name, last_name)


def user_by_id(conn: sqlite3.Connection, user_id: int) -> User | None:
    row = conn.execute(
        "SELECT id, email, first_name, last_name FROM users WHERE id = ?", (user_id,)
    ).fetchone()
    return None if row is None else _user(row)


def has_users(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1


def user_login(conn: sqlite3.Connection, email: str) -> tuple[User, str] | None:
    """The user with that e-mail (case-insensitive) and their password hash."""
    row = conn.execute(
        "SELECT id, email, first_name, last_name, password_hash FROM users WHERE email = ?",
        (email,),
    ).fetchone()
    return None if row is None else (_user(row), row["password_hash"])


def user_by_email(conn: sqlite3.Connection, email: str) -> User | None:
    found = user_login(conn, email)
    return None if found is None else found[0]


def upsert_membership(conn: sqlite3.Connection, user_id: int, company_id: int, role: str) -> None:
    conn.execute(
        "INSERT INTO memberships (user_id, company_id, role) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id, company_id) DO UPDATE SET role = excluded.role",
        (user_id, company_id, role),
    )


def membership_role(conn: sqlite3.Connection, user_id: int, company_id: int) -> str | None:
    row = conn.execute(
        "SELECT role FROM memberships WHERE user_id = ? AND company_id = ?",
        (user_id, company_id),
    ).fetchone()
    return None if row is None else row["role"]


def companies_of_user(conn: sqlite3.Connection, user_id: int) -> list[Company]:
    rows = conn.execute(
        "SELECT c.id, c.name FROM companies c JOIN memberships m ON m.company_id = c.id"
        " WHERE m.user_id = ? ORDER BY c.id",
        (user_id,),
    ).fetchall()
    return [_company(row) for row in rows]


# --- assets ------------------------------------------------------------------------------------

_ASSET_COLUMNS = (
    "id, company_id, name, asset_type, folder, size, width, height, checksum, uploaded,"
    " url_modifier, url_post_modifier, modified"
)


def insert_asset(
    conn: sqlite3.Connection,
    *,
    company_id: int,
    user_id: int,
    name: str,
    asset_type: str,
    folder: str,
    size: int,
    width: int | None,
    height: int | None,
    checksum: str | None,
    now: datetime,
) -> int:
    cursor = conn.execute(
        "INSERT INTO assets (company_id, uploaded_by, name, asset_type, folder, size, width,"
        " height, checksum, uploaded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            company_id,
            user_id,
            name,
            asset_type,
            folder,
            size,
            width,
            height,
            checksum,
            _text(now),
        ),
    )
    return cursor.lastrowid or 0


def insert_set_members(conn: sqlite3.Connection, set_id: int, member_ids: Sequence[int]) -> None:
    conn.executemany(
        "INSERT INTO set_members (set_id, position, member_id) VALUES (?, ?, ?)",
        [(set_id, position, member) for position, member in enumerate(member_ids)],
    )


def _asset(conn: sqlite3.Connection, row: sqlite3.Row) -> Asset:
    members: tuple[str, ...] = ()
    if row["checksum"] is None:
        member_rows = conn.execute(
            "SELECT member_id FROM set_members WHERE set_id = ? ORDER BY position", (row["id"],)
        ).fetchall()
        members = tuple(handles.asset_handle(row["company_id"], m[0]) for m in member_rows)
    return Asset(
        handle=handles.asset_handle(row["company_id"], row["id"]),
        name=row["name"],
        asset_type=row["asset_type"],
        company=handles.company_handle(row["company_id"]),
        folder=row["folder"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        checksum=row["checksum"],
        uploaded=_date(row["uploaded"]),
        members=members,
        blob=row["checksum"],
        url_modifier=row["url_modifier"],
        url_post_modifier=row["url_post_modifier"],
        modified=_date(row["modified"] or row["uploaded"]),
    )


def asset_by_id(conn: sqlite3.Connection, company_id: int, asset_id: int) -> Asset | None:
    row = conn.execute(
        f"SELECT {_ASSET_COLUMNS} FROM assets WHERE company_id = ? AND id = ?",
        (company_id, asset_id),
    ).fetchone()
    return None if row is None else _asset(conn, row)


def list_assets(conn: sqlite3.Connection, company_id: int, folder: str | None) -> list[Asset]:
    if folder is None:
        rows = conn.execute(
            f"SELECT {_ASSET_COLUMNS} FROM assets WHERE company_id = ? ORDER BY folder, name, id",
            (company_id,),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {_ASSET_COLUMNS} FROM assets WHERE company_id = ? AND folder = ?"
            " ORDER BY name, id",
            (company_id, folder),
        ).fetchall()
    return [_asset(conn, row) for row in rows]


def image_by_name(conn: sqlite3.Connection, company_id: int, name: str) -> Asset | None:
    """The newest image of the company named exactly ``name`` or ``name`` plus one extension
    (``photo`` finds ``photo.jpg``, not ``photo.large.jpg``); names compare case-sensitively.
    The name range lets the (company_id, name) index narrow the search."""
    row = conn.execute(
        f"SELECT {_ASSET_COLUMNS} FROM assets WHERE company_id = ?1 AND asset_type = 'Image'"
        " AND name >= ?2 AND name < ?2 || char(1114111)"
        " AND (name = ?2 OR (substr(name, 1, length(?2) + 1) = ?2 || '.'"
        " AND instr(substr(name, length(?2) + 2), '.') = 0))"
        " ORDER BY uploaded DESC, id DESC LIMIT 1",
        (company_id, name),
    ).fetchone()
    return None if row is None else _asset(conn, row)


def update_url_modifiers(
    conn: sqlite3.Connection,
    company_id: int,
    asset_id: int,
    modifier: str,
    post_modifier: str,
    now: datetime,
) -> bool:
    cursor = conn.execute(
        "UPDATE assets SET url_modifier = ?, url_post_modifier = ?, modified = ?"
        " WHERE company_id = ? AND id = ?",
        (modifier, post_modifier, _text(now), company_id, asset_id),
    )
    return cursor.rowcount > 0


# --- company attributes ------------------------------------------------------------------------


def set_company_attribute(conn: sqlite3.Connection, company_id: int, name: str, value: str) -> None:
    """Set an attribute; an empty value removes it (the default applies again)."""
    if not value:
        conn.execute(
            "DELETE FROM company_attributes WHERE company_id = ? AND name = ?", (company_id, name)
        )
        return
    conn.execute(
        "INSERT INTO company_attributes (company_id, name, value) VALUES (?, ?, ?)"
        " ON CONFLICT (company_id, name) DO UPDATE SET value = excluded.value",
        (company_id, name, value),
    )


def company_attributes(conn: sqlite3.Connection, company_id: int) -> dict[str, str]:
    rows = conn.execute(
        "SELECT name, value FROM company_attributes WHERE company_id = ? ORDER BY name",
        (company_id,),
    ).fetchall()
    return {row["name"]: row["value"] for row in rows}


# --- presets -----------------------------------------------------------------------------------


def upsert_preset(conn: sqlite3.Connection, company_id: int, name: str, definition: str) -> None:
    conn.execute(
        "INSERT INTO presets (company_id, name, definition) VALUES (?, ?, ?)"
        " ON CONFLICT (company_id, name) DO UPDATE"
        " SET name = excluded.name, definition = excluded.definition",
        (company_id, name, definition),
    )


def list_presets(conn: sqlite3.Connection, company_id: int) -> dict[str, str]:
    rows = conn.execute(
        "SELECT name, definition FROM presets WHERE company_id = ? ORDER BY name",
        (company_id,),
    ).fetchall()
    return {row["name"]: row["definition"] for row in rows}


def delete_preset(conn: sqlite3.Connection, company_id: int, name: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM presets WHERE company_id = ? AND name = ?", (company_id, name)
    )
    return cursor.rowcount > 0


def upsert_template(
    conn: sqlite3.Connection, company_id: int, name: str, modifier: str, post_modifier: str
) -> None:
    conn.execute(
        "INSERT INTO templates (company_id, name, modifier, post_modifier) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (company_id, name) DO UPDATE SET name = excluded.name,"
        " modifier = excluded.modifier, post_modifier = excluded.post_modifier",
        (company_id, name, modifier, post_modifier),
    )


def list_templates(conn: sqlite3.Connection, company_id: int) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        "SELECT name, modifier, post_modifier FROM templates WHERE company_id = ? ORDER BY name",
        (company_id,),
    ).fetchall()
    return {row["name"]: (row["modifier"], row["post_modifier"]) for row in rows}


def template_by_name(
    conn: sqlite3.Connection, company_id: int, name: str
) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT modifier, post_modifier FROM templates WHERE company_id = ? AND name = ?",
        (company_id, name),
    ).fetchone()
    return None if row is None else (row["modifier"], row["post_modifier"])


def delete_template(conn: sqlite3.Connection, company_id: int, name: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM templates WHERE company_id = ? AND name = ?", (company_id, name)
    )
    return cursor.rowcount > 0


# --- jobs and job logs ------------------------------------------------------------------------

_JOB_SELECT = """
    SELECT j.*, u.email AS user_email,
        (SELECT COUNT(*) FROM job_logs l WHERE l.job_id = j.id AND l.severity = 'success')
            AS success_count,
        (SELECT COUNT(*) FROM job_logs l WHERE l.job_id = j.id AND l.severity = 'error')
            AS error_count,
        (SELECT COUNT(*) FROM job_logs l WHERE l.job_id = j.id AND l.severity = 'warning')
            AS warning_count
    FROM jobs j JOIN users u ON u.id = j.user_id
"""


def _job(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        handle=handles.job_handle(row["company_id"], row["name"], row["id"]),
        company=handles.company_handle(row["company_id"]),
        user=handles.user_handle(row["user_id"]),
        user_email=row["user_email"],
        name=row["name"],
        job_type=row["job_type"],
        state=row["state"],
        spec=json.loads(row["spec"]),
        email_setting=row["email_setting"],
        progress=row["progress"],
        message=row["message"],
        owner=row["owner"],
        submit_date=_date(row["submit_date"]),
        start_date=_maybe_date(row["start_date"]),
        end_date=_maybe_date(row["end_date"]),
        package=row["package"],
        fatal_error=bool(row["fatal_error"]),
        success_count=row["success_count"],
        error_count=row["error_count"],
        warning_count=row["warning_count"],
        lease_expires=_maybe_date(row["lease_expires"]),
    )


def insert_job(
    conn: sqlite3.Connection,
    *,
    company_id: int,
    user_id: int,
    name: str,
    job_type: str,
    state: str,
    spec: dict[str, Any],
    email_setting: str,
    owner: str,
    now: datetime,
    lease_expires: datetime | None = None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO jobs (company_id, user_id, name, job_type, state, spec, email_setting,"
        " owner, submit_date, lease_expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            company_id,
            user_id,
            name,
            job_type,
            state,
            json.dumps(spec),
            email_setting,
            owner,
            _text(now),
            _text(lease_expires),
        ),
    )
    return cursor.lastrowid or 0


def job_by_id(conn: sqlite3.Connection, job_id: int) -> JobRecord | None:
    row = conn.execute(f"{_JOB_SELECT} WHERE j.id = ?", (job_id,)).fetchone()
    return None if row is None else _job(row)


def update_job_progress(
    conn: sqlite3.Connection, job_id: int, progress: float, message: str | None
) -> bool:
    """Set the progress (and the message if given) of an unfinished job, never its state;
    ``False`` if it is finished."""
    cursor = conn.execute(
        "UPDATE jobs SET progress = ?, message = COALESCE(?, message)"
        " WHERE id = ? AND end_date IS NULL",
        (progress, message, job_id),
    )
    return cursor.rowcount > 0


def transition_job(
    conn: sqlite3.Connection,
    job_id: int,
    from_states: Sequence[str],
    to_state: str,
    *,
    owner: str | None,
    message: str | None,
    now: datetime,
) -> bool:
    """Compare-and-set in one statement: move an unfinished job in one of ``from_states`` to
    ``to_state`` (with ``owner``/``message`` if given); ``False`` if it was in none of them.

    The start date is set the first time the job is ``Running``.
    """
    marks = ", ".join("?" for _ in from_states)
    cursor = conn.execute(
        "UPDATE jobs SET state = ?, owner = COALESCE(?, owner), message = COALESCE(?, message),"
        " start_date = CASE WHEN ? = 'Running' AND start_date IS NULL THEN ? ELSE start_date END"
        f" WHERE id = ? AND end_date IS NULL AND state IN ({marks})",
        (to_state, owner, message, to_state, _text(now), job_id, *from_states),
    )
    return cursor.rowcount > 0


def claim_job(
    conn: sqlite3.Connection, job_id: int, owner: str, expected_owner: str | None
) -> bool:
    """Compare-and-set on the owner of an unfinished job; ``False`` if the owner was not
    ``expected_owner`` (``None``: no owner) or the job is finished."""
    cursor = conn.execute(
        "UPDATE jobs SET owner = ? WHERE id = ? AND end_date IS NULL AND owner IS ?",
        (owner, job_id, expected_owner),
    )
    return cursor.rowcount > 0


def renew_leases(conn: sqlite3.Connection, owner: str, until: datetime) -> int:
    """Extend the lease of every unfinished job of ``owner``; returns how many."""
    cursor = conn.execute(
        "UPDATE jobs SET lease_expires = ? WHERE owner = ? AND end_date IS NULL",
        (_text(until), owner),
    )
    return cursor.rowcount


def finish_job(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    state: str,
    fatal_error: bool,
    package: str | None,
    now: datetime,
) -> bool:
    """Record the end of an unfinished job; ``False`` if it was already finished."""
    cursor = conn.execute(
        "UPDATE jobs SET state = ?, fatal_error = ?, package = COALESCE(?, package),"
        " end_date = ?, start_date = COALESCE(start_date, ?)"
        " WHERE id = ? AND end_date IS NULL",
        (state, int(fatal_error), package, _text(now), _text(now), job_id),
    )
    return cursor.rowcount > 0


def list_jobs(
    conn: sqlite3.Connection,
    *,
    company_id: int | None,
    active_states: Sequence[str] | None,
    user_id: int | None,
    limit: int | None,
) -> list[JobRecord]:
    """Newest first. ``active_states`` keeps unfinished jobs in those states."""
    where: list[str] = []
    params: list[Any] = []
    if company_id is not None:
        where.append("j.company_id = ?")
        params.append(company_id)
    if active_states is not None:
        marks = ", ".join("?" for _ in active_states)
        where.append(f"j.end_date IS NULL AND j.state IN ({marks})")
        params.extend(active_states)
    if user_id is not None:
        where.append("j.user_id = ?")
        params.append(user_id)
    sql = _JOB_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY j.submit_date DESC, j.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_job(row) for row in conn.execute(sql, params).fetchall()]


def insert_job_log(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    log_type: str,
    message: str,
    severity: str,
    asset_name: str | None,
    asset_type: str | None,
    asset_handle: str | None,
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO job_logs (job_id, log_type, message, severity, asset_name, asset_type,"
        " asset_handle, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (job_id, log_type, message, severity, asset_name, asset_type, asset_handle, _text(now)),
    )


def job_logs(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    log_types: Sequence[str] | None,
    offset: int,
    limit: int,
    by_type: bool,
    descending: bool,
) -> list[LogDetail]:
    """One page of a job's log; ties in the sort key keep insertion order."""
    direction = "DESC" if descending else "ASC"
    keys = ["log_type", "date", "id"] if by_type else ["date", "id"]
    order = ", ".join(f"{key} {direction}" for key in keys)
    params: list[Any] = [job_id]
    sql = (
        "SELECT log_type, message, severity, asset_name, asset_type, asset_handle, date"
        " FROM job_logs WHERE job_id = ?"
    )
    if log_types:
        sql += f" AND log_type IN ({', '.join('?' for _ in log_types)})"
        params.extend(log_types)
    sql += f" ORDER BY {order} LIMIT ? OFFSET ?"
    params.extend([limit, offset])
    return [
        LogDetail(
            log_type=row["log_type"],
            message=row["message"],
            severity=row["severity"],
            asset_name=row["asset_name"],
            asset_type=row["asset_type"],
            asset_handle=row["asset_handle"],
            date=_date(row["date"]),
        )
        for row in conn.execute(sql, params).fetchall()
    ]


def job_key(conn: sqlite3.Connection, job_id: int) -> tuple[int, str] | None:
    """``(company_id, name)`` of a job, to check a handle without loading the job."""
    row = conn.execute("SELECT company_id, name FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else (row["company_id"], row["name"])


# --- scheduled jobs ------------------------------------------------------------------------------

_SCHEDULED_SELECT = """
    SELECT s.id, s.company_id, s.user_id, u.email, s.name, s.job_type, s.spec, s.description,
           s.exec_schedule, s.time_zone, s.next_fire, s.created
    FROM scheduled_jobs s JOIN users u ON u.id = s.user_id
"""


def _scheduled(row: sqlite3.Row) -> ScheduledJob:
    return ScheduledJob(
        handle=handles.scheduled_handle(row["company_id"], row["name"], row["id"]),
        company=handles.company_handle(row["company_id"]),
        user=handles.user_handle(row["user_id"]),
        user_email=row["email"],
        name=row["name"],
        job_type=row["job_type"],
        spec=json.loads(row["spec"]),
        description=row["description"],
        exec_schedule=row["exec_schedule"],
        time_zone=row["time_zone"],
        next_fire=_maybe_date(row["next_fire"]),
        created=_date(row["created"]),
    )


def insert_scheduled(
    conn: sqlite3.Connection,
    *,
    company_id: int,
    user_id: int,
    name: str,
    job_type: str,
    spec: dict[str, Any],
    description: str,
    exec_schedule: str | None,
    time_zone: str,
    next_fire: datetime,
    now: datetime,
) -> int:
    cursor = conn.execute(
        "INSERT INTO scheduled_jobs (company_id, user_id, name, job_type, spec, description,"
        " exec_schedule, time_zone, next_fire, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            company_id,
            user_id,
            name,
            job_type,
            json.dumps(spec),
            description,
            exec_schedule,
            time_zone,
            _text(next_fire),
            _text(now),
        ),
    )
    return int(cursor.lastrowid or 0)


def scheduled_by_id(conn: sqlite3.Connection, scheduled_id: int) -> ScheduledJob | None:
    row = conn.execute(_SCHEDULED_SELECT + " WHERE s.id = ?", (scheduled_id,)).fetchone()
    return None if row is None else _scheduled(row)


def list_scheduled(conn: sqlite3.Connection, company_id: int | None) -> list[ScheduledJob]:
    """A company's scheduled jobs (every company's for ``None``), soonest first."""
    where, args = ("WHERE s.company_id = ?", (company_id,)) if company_id is not None else ("", ())
    rows = conn.execute(f"{_SCHEDULED_SELECT} {where} ORDER BY s.next_fire, s.id", args)
    return [_scheduled(row) for row in rows.fetchall()]


def due_scheduled(conn: sqlite3.Connection, now: datetime) -> list[ScheduledJob]:
    rows = conn.execute(
        _SCHEDULED_SELECT + " WHERE s.next_fire <= ? ORDER BY s.next_fire, s.id", (_text(now),)
    )
    return [_scheduled(row) for row in rows.fetchall()]


def claim_scheduled(
    conn: sqlite3.Connection, scheduled_id: int, seen: datetime | None, then: datetime | None
) -> bool:
    """Compare-and-set: move the next fire time from ``seen`` to ``then`` (``None``: delete
    the job, it will not fire again). Of several processes, exactly one wins each fire."""
    if then is None:
        cursor = conn.execute(
            "DELETE FROM scheduled_jobs WHERE id = ? AND next_fire IS ?",
            (scheduled_id, _text(seen)),
        )
    else:
        cursor = conn.execute(
            "UPDATE scheduled_jobs SET next_fire = ? WHERE id = ? AND next_fire IS ?",
            (_text(then), scheduled_id, _text(seen)),
        )
    return cursor.rowcount == 1


def delete_scheduled(conn: sqlite3.Connection, scheduled_id: int) -> bool:
    cursor = conn.execute("DELETE FROM scheduled_jobs WHERE id = ?", (scheduled_id,))
    return cursor.rowcount == 1
