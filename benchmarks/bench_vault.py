"""Vault benchmarks (issue 2, docs/architecture.md#performance-budgets): unlock time,
encrypted ÷ plain workload, crash loop.

- unlock: Argon2id key-slot unwrap + open + schema check (+ the sign-in audit event), at the
  production Argon2id parameters, median of several; budget 300 ms.
- workload: insert 10,000 patients (100 per transaction), 1,000 indexed lookups by MRN, one
  full scan; the same code on an encrypted vault engine and on an unencrypted SQLite file
  (``build_engine(path, None)``), each stage reported with its enc÷plain ratio (budget ≤ 1.3).
- crash loop: 100 rounds of SIGKILL on a writer process (see ``tests/reliability``), every
  reported commit present afterwards; reports the recovery time (unlock + full check).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store import migrate
from careDesk.store.engine import build_engine
from careDesk.store.vault import create_vault, unlock

LOGIN = "bench"
PASSWORD = "quiet lantern river 42"
UNLOCK_RUNS = 9
WORKLOAD_RUNS = 3
RECORDS = 10_000
PER_TX = 100
LOOKUPS = 1_000
CRASH_ROUNDS = int(os.environ.get("CAREDESK_BENCH_CRASH_ROUNDS", "100"))
RATIO_BUDGET = 1.3

Report = Callable[..., None]


def _median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_unlock(report: Report) -> None:
    """Unlock at production Argon2id cost, write and read-only."""
    with tempfile.TemporaryDirectory() as folder:
        paths = VaultPaths(Path(folder) / "data")
        desk, _ = create_vault(paths, LOGIN, PASSWORD)
        desk.close()
        report(
            "unlock (Argon2id + open + schema check + sign-in event), median",
            _median_time(lambda: unlock(paths, LOGIN, PASSWORD).close(), UNLOCK_RUNS),
            0.300,
        )
        report(
            "unlock read-only (caredesk check, list), median",
            _median_time(
                lambda: unlock(paths, LOGIN, PASSWORD, readonly=True).close(), UNLOCK_RUNS
            ),
            0.300,
        )


def _patient(i: int) -> Patient:
    return Patient(
        mrn=f"MRN{i:07d}",
        given_name=f"Given{i % 977}",
        family_name=f"Family{i % 3331}",
        birth_date=date(1930 + i % 70, 1 + i % 12, 1 + i % 28),
        phone=f"555-{i % 10000:04d}",
        phone_digits=f"555{i % 10000:04d}",
        address_line=f"{i} Long Road, Apartment {i % 50}",
        city="Springfield",
        what_matters="Walking to the market with my grandchildren every morning",
    )


def _insert(engine: Engine) -> None:
    for start in range(0, RECORDS, PER_TX):
        with Session(engine) as session:
            session.add_all(_patient(i) for i in range(start, start + PER_TX))
            session.commit()


def _lookups(engine: Engine) -> None:
    rng = random.Random(7)
    wanted = [f"MRN{rng.randrange(RECORDS):07d}" for _ in range(LOOKUPS)]
    with Session(engine) as session:
        for mrn in wanted:
            found = session.exec(select(Patient.id).where(Patient.mrn == mrn)).first()
            assert found is not None


def _scan(engine: Engine) -> None:
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).where(col(Patient.address_line).like("%Apartment 7%"))
        ).one()
        assert count > 0


def _workload_once(folder: Path, key: bytes | None) -> dict[str, float]:
    engine = build_engine(folder / ("enc.db" if key else "plain.db"), key)
    try:
        migrate.upgrade(engine)
        engine.dispose()  # start the measured work with a cold page cache
        times: dict[str, float] = {}
        for stage, fn in (("insert", _insert), ("lookups", _lookups), ("scan", _scan)):
            started = time.perf_counter()
            fn(engine)
            times[stage] = time.perf_counter() - started
            engine.dispose()
        return times
    finally:
        engine.dispose()


def bench_workload(report: Report) -> None:
    """The standard workload on an encrypted and a plain file, alternating, medians."""
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for _ in range(WORKLOAD_RUNS):
        for encrypted in (True, False):
            with tempfile.TemporaryDirectory() as folder:
                key = os.urandom(32) if encrypted else None
                runs[encrypted].append(_workload_once(Path(folder), key))
    labels = {
        "insert": f"workload: insert {RECORDS:,} patients ({PER_TX} per transaction)",
        "lookups": f"workload: {LOOKUPS:,} indexed lookups by MRN",
        "scan": "workload: full scan of the patient table",
    }
    total_enc = total_plain = 0.0
    for stage, label in labels.items():
        enc = statistics.median(r[stage] for r in runs[True])
        plain = statistics.median(r[stage] for r in runs[False])
        total_enc, total_plain = total_enc + enc, total_plain + plain
        report(label, enc, plain * RATIO_BUDGET, plain)
    report(
        "workload: total (budget = 1.3 × unencrypted)", total_enc, total_plain * 1.3, total_plain
    )


def bench_crash_loop(report: Report) -> None:
    """SIGKILL a writer at random moments; every reported commit must survive."""
    from tests.reliability.crash_writer import crash_round

    if CRASH_ROUNDS <= 0:
        print("crash loop: skipped (CAREDESK_BENCH_CRASH_ROUNDS=0)")
        return
    rng = random.Random(int(time.time()))
    with tempfile.TemporaryDirectory() as folder:
        paths = VaultPaths(Path(folder) / "data")
        desk, _ = create_vault(paths, LOGIN, PASSWORD)
        desk.close()
        results = [
            crash_round(paths.root, LOGIN, PASSWORD, str(i), rng) for i in range(CRASH_ROUNDS)
        ]
    commits = sum(r.reported for r in results)
    print(f"crash loop: {len(results)} kills, {commits} reported commits, none lost or torn")
    recovery = [r.recovery_seconds for r in results]
    report(
        "crash loop: recovery after SIGKILL (unlock + full check), median",
        statistics.median(recovery),
        1.0,
    )
    report("crash loop: recovery after SIGKILL, worst", max(recovery), 2.0)


def run(report: Report) -> None:
    """Entry point for ``python -m benchmarks``."""
    bench_unlock(report)
    bench_workload(report)
    bench_crash_loop(report)
