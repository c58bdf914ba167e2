"""Risk engine benchmarks (issue 3): bulk ``refresh_all`` and the per-write hook.

A synthetic clinic is bulk-inserted straight into a fresh encrypted vault (conditions with
ICD-10 and SNOMED codes, admissions and ED visits, medications, PHQ-9 results, follow-ups), then:

- ``refresh_all`` over every patient (budget: well under a minute for 50,000 → 30 s);
- the write lane during it (careDesk/ops/lane.py): the longest and the 95th-percentile time one
  of its chunks held the database (budget 100 ms each: a save waits at most that long);
- a save made while it runs, from asking to committed, the longest of those made between its
  chunks (budget 150 ms: waiting for one chunk, 100 ms, plus the save with its one-patient
  refresh; the refresh's scoring, pure Python on its own thread, also competes for the GIL);
- one patient's refresh inside a normal write (what every clinical edit pays; budget 20 ms);
- the worklist first page after the refresh (budget 300 ms,
  docs/architecture.md#performance-budgets).

``CAREDESK_BENCH_PATIENTS`` sets a smaller clinic for a quick try.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from careDesk.care.risk import refresh
from careDesk.desk import Desk
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import new_id, utcnow
from careDesk.model.clinical import Condition, Encounter, Medication
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.ops import HOLD_BUDGET, HoldLog, Progress, job
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault

PATIENTS = int(os.environ.get("CAREDESK_BENCH_PATIENTS", "50000"))
PASSWORD = "quiet lantern river 42"  # synthetic data only
ICD10 = ["I50.9", "E11.9", "E11.22", "J44.9", "N18.4", "I10", "C50.9", "I21.9", "B20"]
SNOMED = ["88805009", "44054006", "195967001", "38341003", "433144002"]


def _stamp(row: dict[str, Any], now: Any) -> dict[str, Any]:
    row.update(created_at=now, updated_at=now, version=1)
    return row


def _patient_rows(rng: random.Random, i: int, now: Any) -> dict[str, list[dict[str, Any]]]:
    pid = new_id()
    rows: dict[str, list[dict[str, Any]]] = {"patient": [], "condition": [], "encounter": []}
    rows |= {"medication": [], "screener": [], "follow_up": []}
    status = rng.choice(["candidate", "enrolled", "active", "active", "discharged"])
    rows["patient"].append(
        _stamp(
            dict(
                id=pid,
                mrn=f"B{i:07d}",
                given_name="Bench",
                family_name=f"Patient{i % 997}",
                birth_date=date(1930 + i % 70, 1 + i % 12, 1),
                status=status,
            ),
            now,
        )
    )
    for _ in range(rng.randint(0, 4)):
        code = rng.choice([*ICD10, None])
        rows["condition"].append(
            _stamp(
                dict(
                    id=new_id(),
                    patient_id=pid,
                    display="condition",
                    icd10=code,
                    snomed=None if code else rng.choice(SNOMED),
                ),
                now,
            )
        )
    for _ in range(rng.randint(0, 3)):
        start = now - timedelta(days=rng.randint(0, 500))
        rows["encounter"].append(
            _stamp(
                dict(
                    id=new_id(),
                    patient_id=pid,
                    kind=rng.choice(["admission", "emergency"]),
                    start=start,
                    end=start + timedelta(days=rng.randint(0, 9)),
                    acute=True,
                ),
                now,
            )
        )
    rows["medication"] += [
        _stamp(dict(id=new_id(), patient_id=pid, name="medicine"), now)
        for _ in range(rng.randint(0, 8))
    ]
    if rng.random() < 0.5:
        rows["screener"].append(
            _stamp(
                dict(
                    id=new_id(),
                    patient_id=pid,
                    instrument="phq9",
                    loinc="44249-1",
                    total=12,
                    band="moderate",
                    positive=True,
                    taken_at=now - timedelta(days=20),
                ),
                now,
            )
        )
    if rng.random() < 0.3:
        rows["follow_up"].append(
            _stamp(
                dict(
                    id=new_id(),
                    patient_id=pid,
                    kind="call",
                    title="Call",
                    due_at=now + timedelta(days=rng.randint(-10, 10)),
                ),
                now,
            )
        )
    return rows


TABLES = {
    "patient": Patient,
    "condition": Condition,
    "encounter": Encounter,
    "medication": Medication,
    "screener": ScreenerResult,
    "follow_up": FollowUp,
}


def _fill(desk: Desk, count: int) -> list[str]:
    rng, now = random.Random(2026), utcnow()
    batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    ids: list[str] = []
    for i in range(count):
        for name, rows in _patient_rows(rng, i, now).items():
            batch[name] += rows
        ids.append(batch["patient"][-1]["id"])
        if (i + 1) % 5000 == 0 or i + 1 == count:
            with desk.engine.begin() as conn:
                for name, model in TABLES.items():
                    if batch[name]:
                        conn.execute(insert(model.__table__), batch[name])  # type: ignore[attr-defined]
            batch = {name: [] for name in TABLES}
    return ids


def _median(fn: Callable[[], object], runs: int = 9) -> float:
    fn()  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


SAVES = 20  # saves made during the second refresh, one after each of its first chunks


def _saves_during_refresh(desk: Desk, ids: list[str]) -> list[float]:
    """Refresh everyone on the runner's background thread; after each chunk commits, a save
    (a timeline note, with its one-patient risk refresh) from this thread. Seconds per save."""
    progress, chunk_done, times = Progress(), threading.Semaphore(0), []
    progress.listen(lambda _p: chunk_done.release())
    desk.timeline.add_note(ids[-1], summary="bench")  # first use: imports, compiled queries
    refresh = desk.ops.submit(
        job("risk.refresh_all", lambda: desk.risk.refresh_all(None, progress))
    )
    for i in range(SAVES):
        chunk_done.acquire(timeout=60)
        if refresh.done():
            break
        start = time.perf_counter()
        desk.timeline.add_note(ids[i * 97 % len(ids)], summary="bench")
        times.append(time.perf_counter() - start)
    refresh.result()
    return times


def _report_holds(report: Any, log: HoldLog) -> None:
    chunks = [h.seconds for h in log.holds]
    print(f"   refresh_all committed in {len(chunks)} transactions")
    report("longest write-lock hold during refresh_all", max(chunks), HOLD_BUDGET)
    report("write-lock hold during refresh_all, p95", log.percentile(0.95), HOLD_BUDGET)


def run(report: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        desk, _ = create_vault(VaultPaths(Path(folder) / "enc"), "admin", PASSWORD)
        ids = _fill(desk, PATIENTS)
        with desk.write_lane.recording() as log:
            start = time.perf_counter()
            desk.risk.refresh_all()
            report(f"risk refresh_all, {PATIENTS:,} patients", time.perf_counter() - start, 30.0)
        _report_holds(report, log)
        saves = _saves_during_refresh(desk, ids)
        report(f"a save during refresh_all, longest of {len(saves)}", max(saves), 0.150)

        def one_patient() -> None:
            with desk.writing(None) as tx:
                refresh(tx.session, [ids[len(ids) // 2]], tx.now)

        report("risk refresh of one patient in a write (hook cost)", _median(one_patient), 0.020)
        report(
            "worklist first page (50 rows)", _median(lambda: desk.worklist.rows(limit=50)), 0.300
        )
        desk.close()
