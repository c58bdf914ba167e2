"""Sync budgets (issue 10) against a throwaway PostgreSQL 15 server.

* first sync of a whole clinic to a new, empty workstation (budget ≤ 60 s for 50,000 patients):
  the server is loaded straight from the cached demo clinic (``bench_care`` builds it in
  ``bench-data/``; its unencrypted copy is read here), then a new vault takes its snapshot;
* steady state: 100 edits on one workstation, pushed, and pulled by another (≤ 500 ms).

``CAREDESK_BENCH_SYNC_PATIENTS`` limits the clinic to its first N patients (default 50,000).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.model.base import new_id
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault
from careDesk.sync import setup
from careDesk.sync.tables import synced_tables
from tests.careDesk.sync import server

Report = Callable[..., None]
ROOT = Path(__file__).resolve().parent.parent
PATIENTS = int(os.environ.get("CAREDESK_BENCH_SYNC_PATIENTS", "50000"))
CLINIC = "bench-clinic"
UPLOAD_PATIENTS = 2_000
PASSWORD = "quiet lantern river 42"  # synthetic data only


def _plain_clinic() -> Path:
    """The demo clinic's unencrypted copy: bench_care's 50,000 patients when it built them,
    else a clinic of PATIENTS patients built here once (a reduced run needs no bench_care)."""
    found = sorted(ROOT.glob("bench-data/care-50000-*/plain/vault.db"))
    if found:
        return found[-1]
    from benchmarks import bench_care

    folder = ROOT / "bench-data" / f"sync-{PATIENTS}-seed{bench_care.SEED}-{bench_care._code_version()}"
    plain = folder / "plain" / "vault.db"
    if plain.exists():
        return plain
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"   generating {PATIENTS:,} demo patients (cached afterwards in {folder.name})")
    desk, _ = create_vault(VaultPaths(folder / "vault"), "bench", PASSWORD)
    with desk:
        generate_demo(desk, patients=PATIENTS, seed=bench_care.SEED, refresh_risk=False)
        bench_care._plain_copy(folder, desk.key)
    return plain


def _load_server(admin: psycopg.Connection[Any], source: Path) -> int:
    """Copy the first PATIENTS patients' rows into the server (triggers off: a restore)."""
    db = sqlite3.connect(source)
    db.execute(
        "CREATE TEMP TABLE chosen AS SELECT id FROM patient ORDER BY mrn LIMIT ?", (PATIENTS,)
    )
    total = 0
    admin.execute("SET timezone = 'UTC'")
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in synced_tables():
        if table.name not in present:
            continue  # a table newer than the cached clinic
        names = [c.name for c in table.columns]
        where = ""
        if table.name == "patient":
            where = " WHERE id IN (SELECT id FROM chosen)"
        elif "patient_id" in names:
            where = " WHERE patient_id IN (SELECT id FROM chosen)"
        quoted = ", ".join(f'"{n}"' for n in names)
        admin.execute(f"ALTER TABLE sync.{table.name} DISABLE TRIGGER USER")
        with admin.cursor().copy(f"COPY sync.{table.name} (clinic_id, {quoted}) FROM STDIN") as cp:
            for row in db.execute(f"SELECT {quoted} FROM {table.name}{where}"):
                cp.write_row((CLINIC, *row))
                total += 1
        admin.execute(f"ALTER TABLE sync.{table.name} ENABLE TRIGGER USER")
    admin.execute("ANALYZE")  # as after any restore
    admin.commit()
    db.close()
    return total


def _workstation(cluster: server.Cluster, folder: Path, name: str, clinic: str = CLINIC) -> Desk:
    login = f"bench_{name}"
    with psycopg.connect(cluster.admin_url()) as conn:
        setup.add_login(conn, login, PASSWORD, clinic)
    desk, _ = create_vault(VaultPaths(folder / name), "admin", PASSWORD)
    desk.settings.set("sync.url", cluster.url())
    desk.settings.set("sync.user", login)
    desk.settings.set("sync.password", PASSWORD)
    return desk


def run(report: Report) -> None:
    """First sync of the clinic, then a 100-edit round trip."""
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    cluster = server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="caredesk-bench-sync-") as tmp:
            with psycopg.connect(cluster.admin_url()) as admin:
                setup.install(admin)
                rows = _load_server(admin, _plain_clinic())
            a = _workstation(cluster, Path(tmp), "a")
            copied: list[float] = []

            def progress(stage: str, done: int, total: int) -> None:
                if stage == "snapshot" and done == total:
                    copied.append(time.perf_counter())

            start = time.perf_counter()
            first = a.sync.run(progress)
            seconds = time.perf_counter() - start
            copy = (copied[-1] - start) if copied else float("nan")
            print(
                f"   first sync: {first.snapshot_rows:,} of {rows:,} rows, {PATIENTS:,} patients;"
                f" copy {copy:.1f} s ({first.snapshot_rows / copy:,.0f} rows/s),"
                f" then risk scores and pull {seconds - copy:.1f} s"
            )
            report(f"sync: first sync, {PATIENTS:,} patients", seconds, 60.0)
            b = _workstation(cluster, Path(tmp), "b")
            b.sync.run()
            _round_trip(report, a, b)
            a.close()
            b.close()
            _first_upload(cluster, Path(tmp))
    finally:
        cluster.stop()


def _first_upload(cluster: server.Cluster, folder: Path) -> None:
    """The first workstation of a clinic sends its records (shown; no budget in
    docs/architecture.md#performance-budgets)."""
    from datetime import date


    desk = _workstation(cluster, folder, "first", clinic="bench-new-clinic")
    generate_demo(desk, patients=UPLOAD_PATIENTS, seed=9, today=date(2026, 3, 10))
    start = time.perf_counter()
    sent = desk.sync.run().pushed
    seconds = time.perf_counter() - start
    desk.close()
    print(
        f"   first upload of a {UPLOAD_PATIENTS:,}-patient clinic: {sent:,} rows in"
        f" {seconds:.1f} s ({sent / seconds:,.0f} rows/s, its own copy back included)"
    )


def _round_trip(report: Report, a: Desk, b: Desk) -> None:
    with a.reading() as session:
        ids = [str(i) for i in session.execute(text("SELECT id FROM patient LIMIT 100")).scalars()]
    timings = []
    for round_no in range(3):
        for pid in ids:
            a.patients.update(pid, city=f"Town {round_no}-{new_id()[-4:]}")
        start = time.perf_counter()
        pushed = a.sync.run().pushed
        pulled = b.sync.run().pulled
        timings.append(time.perf_counter() - start)
        assert pushed == len(ids) and pulled >= len(ids), (pushed, pulled)
    report(f"sync: push+pull of {len(ids)} edits (median of 3)", sorted(timings)[1], 0.5)
