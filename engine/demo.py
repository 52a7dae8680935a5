"""``isrender demo``: the ExportJob example of Adobe's reference, end to end, on a fresh machine.

In ``--home`` (default ``./isrender-demo``, kept so the packages can be looked at afterwards)
it initialises a catalog (``Catalog.initialize``, as ``isrender init`` does) with the company
``Demo`` and its administrator ``demo@example.com``, or signs in as them, uploads generated
photo-like samples (one named ``fileToExport.jpg``), groups two of them in an ImageSet, sets the
preset ``$test$`` to a TIFF rendition, then runs the reference's example twice over the same
handles — once ``fmt=orig``, once ``fmt=convert`` with ``is_modifier=&fmt=png`` and
``macro=$test$`` (so ``fileToExport.jpg`` becomes ``fileToExport.tiff``) — and prints both job
logs and where the packages are. The ImageSet is refused in both jobs, as ExportJob refuses
sets. Running it again reuses the company, user, samples and set and runs two new jobs; a home
holding another catalog is refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from shlex import quote

from engine.catalog import Catalog, Session
from engine.cli.export import format_detail, print_summary, unpack, wait_with_progress
from engine.errors import CatalogError, IpsFault
from engine.export import Coordinator, ExportJob
from engine.samples import photo_bytes

DEFAULT_HOME = "isrender-demo"
COMPANY = "Demo"
USER = "demo@example.com"
PASSWORD = "demo"
PRESET = ("test", "fmt=tif,,lzw&wid=400")
SET_NAME = "demo-imageset"
#: name, width, height, seed, Pillow format
SAMPLES = (
    ("fileToExport.jpg", 1600, 1067, 1, "JPEG"),
    ("harbour.jpg", 1200, 800, 2, "JPEG"),
    ("meadow.png", 800, 600, 3, "PNG"),
    ("portrait.tif", 600, 900, 4, "TIFF"),
)


def run_demo(*, home: str | os.PathLike[str] | None = None, out: str | None = None) -> int:
    """Run the demo; 0 unless a job failed as a whole."""
    home_path = Path(home or DEFAULT_HOME).resolve()
    with Catalog.open(home_path) as catalog:
        print(f"isrender demo in {home_path}: company {COMPANY}, administrator {USER}")
        session = _sign_in(catalog)
        handles = _samples(session)
        session.set_preset(*PRESET)
        print(f"preset ${PRESET[0]}$ = {PRESET[1]}")
        jobs = (
            ("orig", ExportJob(handles, fmt="orig")),
            ("convert", ExportJob(handles, fmt="convert", is_modifier="&fmt=png", macro="$test$")),
        )
        failed = False
        with Coordinator(catalog) as coordinator:
            for label, job in jobs:
                failed |= _run(coordinator, session, label, job, out)
    env = f"ISRENDER_HOME={quote(str(home_path))} ISRENDER_USER={USER} ISRENDER_PASSWORD={PASSWORD}"
    print(
        "\nTry the commands yourself:\n"
        f"  export {env}\n"
        "  isrender assets list\n"
        f"  isrender export {quote(handles[0])} --fmt convert --is-modifier 'wid=200&fmt=png' "
        "--out out\n"
        "  isrender jobs list"
    )
    return 1 if failed else 0


def _sign_in(catalog: Catalog) -> Session:
    """The demo administrator's session: a new catalog is initialised, a demo home reused."""
    try:
        return catalog.initialize(COMPANY, USER, PASSWORD)
    except CatalogError:  # it has users already: then they must include the demo's
        pass
    try:
        return catalog.authenticate(USER, PASSWORD, COMPANY)
    except IpsFault:
        raise CatalogError(
            f"{catalog.home} holds a catalog that is not the demo's (no user {USER} with the "
            "demo password in company Demo); give the demo a home of its own with --home"
        ) from None


def _samples(session: Session) -> tuple[str, ...]:
    """Handles of the samples and of the ImageSet, uploading what is not there yet."""
    existing = {asset.name: asset for asset in session.list_assets(folder="/demo/")}
    handles = []
    for name, width, height, seed, fmt in SAMPLES:
        asset = existing.get(name)
        if asset is None:
            data = photo_bytes(width, height, seed=seed, fmt=fmt)
            asset = session.upload(data, name=name, folder="/demo/")
        print(f"asset {asset.handle}\t{asset.asset_type}\t{asset.width}×{asset.height}\t{name}")
        handles.append(asset.handle)
    image_set = existing.get(SET_NAME)
    if image_set is None:
        image_set = session.create_set("ImageSet", SET_NAME, handles[:2], folder="/demo/")
    print(f"asset {image_set.handle}\t{image_set.asset_type}\t{SET_NAME} (refused by ExportJob)")
    return (*handles, image_set.handle)


def _run(
    coordinator: Coordinator, session: Session, label: str, job: ExportJob, out: str | None
) -> bool:
    request = f", is_modifier={job.is_modifier}, macro={job.macro}" if job.fmt == "convert" else ""
    print(f"\n== ExportJob fmt={job.fmt}{request}")
    handle = coordinator.submit_job(session, job, name=f"demo-{label}")
    print(f"job {handle}")
    record, _ = wait_with_progress(coordinator, session, handle)
    for detail in coordinator.get_job_log_details(session, handle):
        print("  " + format_detail(detail))
    print_summary(record)
    if out and record.package:
        files = unpack(record.package, Path(out) / label)
        print(f"unpacked {len(files)} file(s) into {Path(out) / label}")
    return record.fatal_error
