"""``isrender export``, ``isrender jobs ...`` and ``isrender demo``.

``export`` submits an ExportJob, prints its handle at once (so ``isrender jobs stop HANDLE`` can
be run from another terminal), shows progress on stderr until the job is done, then prints the
counts and the package location; ``--out`` also unpacks the package there. Ctrl-C (SIGINT) or
SIGTERM stops the job gracefully: the conversions in flight finish (the worker processes do
not receive the terminal's signals), the rest is cancelled and the package of what was done is
still written; a second signal abandons the wait. Exit status: 0 only when every asset was
exported; 1 when the job had errors, failed, or was stopped with assets cancelled; 128 + the
signal number (130 for SIGINT, 143 for SIGTERM) when a signal stopped it; 2 for a refused
command (fault, bad option) or a job whose end could not be recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from engine import storage
from engine.catalog import JobRecord, LogDetail, Session
from engine.cli.catalog import add_auth_options, session_from_args
from engine.cli.output import print_json
from engine.errors import JobError
from engine.export import EMAIL_SETTINGS, FORMATS, Coordinator, ExportJob

BAR_WIDTH = 30
EXPORT_DESCRIPTION = (
    "Submit an ExportJob and wait for it: the job handle is printed at once (isrender jobs "
    "stop HANDLE works from another terminal), progress goes to stderr, then the counts and "
    "the package location. Ctrl-C or SIGTERM stops the job: assets in flight finish, the rest "
    "is cancelled, the package of what was done is still written. Exit status 0: every asset "
    "exported; 1: the job had errors, failed or was stopped; 130/143: stopped by SIGINT/"
    "SIGTERM; 2: the command was refused."
)


class StopSignal(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while ``isrender export`` waited for its job."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export",
        help="export assets as originals or Image Serving conversions (an IPS ExportJob)",
        description=EXPORT_DESCRIPTION,
    )
    export.add_argument(
        "handles",
        nargs="+",
        metavar="HANDLE",
        help="asset handles, quoted: 'a|1|7' ('|' is a pipe)",
    )
    export.add_argument("--fmt", required=True, choices=FORMATS, help="orig or convert")
    export.add_argument("--is-modifier", default="", metavar="S", help="IS modifiers, e.g. fmt=png")
    export.add_argument("--macro", default="", metavar="S", help="a preset, e.g. '$test$'")
    export.add_argument(
        "--email-setting",
        default="None",
        metavar="S",
        help=f"when to e-mail you: {', '.join(EMAIL_SETTINGS)} (default None)",
    )
    export.add_argument("--name", metavar="NAME", help="job name (default: Export_<date>)")
    export.add_argument("--out", metavar="DIR", help="also unpack the package into DIR")
    export.add_argument(
        "--workers", type=_positive, metavar="N", help="worker processes (default: CPUs)"
    )
    export.add_argument(
        "--executor",
        metavar="ADDRESS",
        help="where conversions run: 'local' (worker processes) or a Dask scheduler such as "
        "tcp://scheduler:8786 (needs isrender[dask]; default $ISRENDER_EXECUTOR, else local)",
    )
    add_auth_options(export)
    export.set_defaults(handler=_export)

    jobs = subparsers.add_parser("jobs", help="list, inspect and control jobs")
    jobs.set_defaults(handler=lambda _args: _usage(jobs))
    actions = jobs.add_subparsers(dest="jobs_command", metavar="ACTION")
    listing = actions.add_parser("list", help="the company's jobs, newest first")
    listing.add_argument("--active", action="store_true", help="only unfinished jobs")
    listing.add_argument("--json", action="store_true", help="print JSON")
    add_auth_options(listing)
    listing.set_defaults(handler=_jobs_list)
    log = actions.add_parser("log", help="a job's log entries")
    log.add_argument("job", metavar="JOB")
    log.add_argument("--json", action="store_true", help="print JSON")
    add_auth_options(log)
    log.set_defaults(handler=_jobs_log)
    for verb, description in (
        ("stop", "finish the assets in flight, cancel the rest, write the package"),
        ("pause", "dispatch no further assets until resumed"),
        ("resume", "continue a paused job"),
    ):
        control = actions.add_parser(verb, help=description)
        control.add_argument("job", metavar="JOB")
        add_auth_options(control)
        control.set_defaults(handler=_control, verb=verb)

    demo = subparsers.add_parser(
        "demo", help="create a demo company, upload sample images and run two export jobs"
    )
    demo.add_argument(
        "--home", metavar="DIR", help="demo catalog folder (default: ./isrender-demo)"
    )
    demo.add_argument("--out", metavar="DIR", help="also unpack the packages into DIR")
    demo.set_defaults(handler=_demo)


def _positive(text: str) -> int:
    """A worker count: 1 or more (the coordinator refuses anything else)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, not {value}")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


@contextlib.contextmanager
def _coordinator(args: argparse.Namespace) -> Iterator[tuple[Session, Coordinator]]:
    session = session_from_args(args)
    with contextlib.closing(session.catalog):
        coordinator = Coordinator(
            session.catalog,
            max_workers=getattr(args, "workers", None),
            executor=getattr(args, "executor", None),
        )
        with coordinator:
            yield session, coordinator


def _export(args: argparse.Namespace) -> int:
    job = ExportJob(
        asset_handle_array=tuple(args.handles),
        fmt=args.fmt,
        is_modifier=args.is_modifier,
        macro=args.macro,
        email_setting=args.email_setting,
    )
    with _coordinator(args) as (session, coordinator), _signals_stop():
        handle = coordinator.submit_job(session, job, name=args.name)
        print(f"job {handle}", flush=True)
        record, signum = wait_with_progress(coordinator, session, handle)
        # The catalog itself: the submitter may lack getJobLogDetails (TrialSiteAdmin).
        cancelled = session.catalog.job_log_details(handle, log_types=["FileCancel"], per_page=1)
    print_summary(record)
    if args.out and record.package:
        files = unpack(record.package, Path(args.out))
        print(f"unpacked {len(files)} file(s) into {args.out}")
    if signum is not None:
        return 128 + signum
    exported_all = record.error_count == 0 and not record.fatal_error and not cancelled
    return 0 if exported_all else 1


@contextlib.contextmanager
def _signals_stop() -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM raise :class:`StopSignal` in this thread."""

    def raise_stop(signum: int, _frame: object) -> None:
        raise StopSignal(signum)

    stopping = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals (CLI called from a thread: tests)
        return
    previous = {signum: signal.signal(signum, raise_stop) for signum in stopping}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def wait_with_progress(
    coordinator: Coordinator, session: Session, handle: str
) -> tuple[JobRecord, int | None]:
    """Wait for the job, drawing progress on stderr; the first Ctrl-C (or SIGTERM) stops the
    job and waits for it to end. Returns the record and the signal that stopped it, if any."""
    bar = _ProgressBar()
    try:
        return coordinator.wait(session, handle, progress=bar.draw), None
    except KeyboardInterrupt as interrupt:
        bar.end()
        print("stopping the job: assets in flight finish, the rest is cancelled", file=sys.stderr)
        coordinator.stop_job(session, handle)
        signum = interrupt.signum if isinstance(interrupt, StopSignal) else signal.SIGINT
        return coordinator.wait(session, handle, progress=bar.draw), signum
    finally:
        bar.end()


class _ProgressBar:
    """A bar redrawn in place on a terminal; one line per change otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.drawn = False

    def draw(self, record: JobRecord) -> None:
        fraction = record.progress or 0.0
        filled = round(fraction * BAR_WIDTH)
        line = (
            f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction:4.0%} "
            f"{record.state}: {record.message or ''}"
        )
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            self.drawn = True
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.drawn = False


def print_summary(record: JobRecord) -> None:
    outcome = "failed (fatal error)" if record.fatal_error else record.state
    print(
        f"{record.handle}: {outcome}: {record.success_count} exported, "
        f"{record.error_count} error(s), {record.warning_count} warning(s)"
    )
    print(f"package: {record.package or 'none'}")


def unpack(package: str, out: Path) -> list[Path]:
    """Extract a package; its entry names are plain file names (the coordinator made them).

    Entries are streamed (one may be up to the package limit); a folder that cannot be
    written is a JobError, and the package itself stays where it is."""
    files = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        with storage.open_read(package) as stream, zipfile.ZipFile(stream) as archive:
            for name in archive.namelist():
                if Path(name).name != name or name in ("", ".", ".."):
                    raise JobError(f"package {package} holds an unsafe entry name {name!r}")
                target = out / name
                with archive.open(name) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
                files.append(target)
    except (OSError, zipfile.BadZipFile) as exc:
        raise JobError(
            f"cannot unpack {package} into {out}: {exc}; the package itself is complete"
        ) from None
    return files


def _jobs_list(args: argparse.Namespace) -> int:
    with _coordinator(args) as (session, coordinator):
        records = (
            coordinator.get_active_jobs(session)
            if args.active
            else coordinator.get_job_logs(session)
        )
    if args.json:
        print_json([asdict(record) for record in records])
        return 0
    for record in records:
        progress = f"{record.progress:.0%}" if record.progress is not None else "-"
        fatal = " fatal" if record.fatal_error else ""
        print(
            f"{record.handle}\t{record.state}{fatal}\t{progress}\t"
            f"{record.success_count}/{record.error_count}/{record.warning_count}\t"
            f"{record.package or '-'}"
        )
    return 0


def _jobs_log(args: argparse.Namespace) -> int:
    with _coordinator(args) as (session, coordinator):
        details = all_details(coordinator, session, args.job)
    if args.json:
        print_json([asdict(detail) for detail in details])
        return 0
    for detail in details:
        print(format_detail(detail))
    return 0


def all_details(coordinator: Coordinator, session: Session, job: str) -> list[LogDetail]:
    details: list[LogDetail] = []
    page = 1
    while True:
        batch = coordinator.get_job_log_details(session, job, page=page)
        details.extend(batch)
        if len(batch) < 1000:
            return details
        page += 1


def format_detail(detail: LogDetail) -> str:
    asset = f"{detail.asset_name} ({detail.asset_type}, {detail.asset_handle}): "
    return (
        f"{detail.date:%Y-%m-%d %H:%M:%S} {detail.severity:<7} {detail.log_type:<16} "
        f"{asset if detail.asset_name else ''}{detail.message}"
    )


def _control(args: argparse.Namespace) -> int:
    with _coordinator(args) as (session, coordinator):
        operation = {
            "stop": coordinator.stop_job,
            "pause": coordinator.pause_job,
            "resume": coordinator.resume_job,
        }[args.verb]
        record = operation(session, args.job)
    print(f"{record.handle}\t{record.state}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from engine.demo import run_demo

    return run_demo(home=args.home, out=args.out)
