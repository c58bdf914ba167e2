"""Measurement-based care on the 50,000-patient demo clinic (issue 17; budgets in
docs/architecture.md#performance-budgets).

- a chart with 2,000 measurements opens its Measures tab: from creating the tab until its plots
  and table are shown (the overview read on the database worker included), budget 150 ms; the
  core read alone (``desk.measures.overview``) is reported too;
- the treat-to-target registry lists its first page (50 rows): the largest registry of the
  clinic (high blood pressure) and the depression registry, budget 300 ms;
- each again on the unencrypted copy, reported as encrypted ÷ unencrypted.

The clinic is the one ``bench_care`` builds and caches in ``bench-data/``; the patient with
2,000 measurements is added to both copies the first time (MRN ``BENCH-M2000``).
``CAREDESK_BENCH_PATIENTS`` sets a smaller clinic for a quick try.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from benchmarks import bench_care
from careDesk.desk import Desk
from careDesk.model.base import new_id, utcnow
from careDesk.model.clinical import Observation
from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import unlock
from ui.chart.measures import MeasuresTab
from ui.worker import DbWorker
from ui.workspace import Workspace

Report = Callable[..., None]
MRN = "BENCH-M2000"
MEASUREMENTS = 2000
RUNS = 11


def _rows(pid: str, user: str) -> list[Observation]:
    """2,000 rows: 600 blood pressures (1,200 rows), 500 weights, 100 A1c, 200 glucose."""
    now = utcnow()
    rows: list[Observation] = []

    def add(
        loinc: str, name: str, value: float, unit: str, hours: int, panel: str | None = None
    ) -> None:
        rows.append(
            Observation(
                id=new_id(),
                patient_id=pid,
                loinc=loinc,
                display=name,
                value=value,
                unit=unit,
                effective=now - timedelta(hours=hours),
                panel=panel,
                created_at=now,
                updated_at=now,
                changed_by=user,
            )
        )

    for i in range(600):
        add("8480-6", "Systolic blood pressure", 120 + i % 25, "mm[Hg]", 12 * i + 1, "85354-9")
        add("8462-4", "Diastolic blood pressure", 70 + i % 15, "mm[Hg]", 12 * i + 1, "85354-9")
    for i in range(500):
        add("29463-7", "Body weight", 80 + (i % 10) / 10, "kg", 24 * i + 2)
    for i in range(100):
        add("4548-4", "Hemoglobin A1c", 7 + (i % 20) / 10, "%", 24 * 30 * i + 3)
    for i in range(200):
        add("2339-0", "Glucose", 110 + i % 40, "mg/dL", 24 * i + 4)
    assert len(rows) == MEASUREMENTS
    return rows


def _measured_patient(desk: Desk) -> str:
    """The patient with 2,000 measurements (made once per copy of the clinic)."""
    with desk.reading() as session:
        found = session.execute(text("SELECT id FROM patient WHERE mrn = :m"), {"m": MRN}).first()
    if found is not None:
        return str(found[0])
    with desk.writing(None) as tx:
        p = Patient(mrn=MRN, given_name="Bench", family_name="Measures", status="active",
                    birth_date=utcnow().date() - timedelta(days=365 * 70))  # fmt: skip
        tx.add(p, kind="patient", patient_id=p.id)
        tx.session.flush()
        tx.session.add_all(_rows(p.id, desk.user.id))
        return p.id


def _median(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _open_tab(ws: Workspace, pid: str) -> float:
    """From creating the tab until its plots and table are shown."""
    loop = QEventLoop()
    started = time.perf_counter()
    tab = MeasuresTab(ws, pid)
    tab.shown.connect(loop.quit)
    tab.resize(1366, 768)
    tab.show()
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    seconds = time.perf_counter() - started
    assert tab.view is not None, "the Measures tab did not load in 30 s"
    tab.close()
    tab.deleteLater()
    return seconds


def _workloads(desk: Desk) -> dict[str, float]:
    pid = _measured_patient(desk)
    measures = desk.measures
    worker = DbWorker()
    ws = Workspace(desk, worker)
    try:
        _open_tab(ws, pid)  # first paint of pyqtgraph and the code paths
        tab = statistics.median(_open_tab(ws, pid) for _ in range(5))
    finally:
        worker.stop()
    return {
        "tab": tab,
        "overview": _median(lambda: measures.overview(pid)),
        "hypertension": _median(lambda: measures.registry("hypertension", 50)),
        "depression": _median(lambda: measures.registry("depression", 50)),
        "members": float(measures.registry_count("hypertension")),
    }


def run(report: Report) -> None:
    """Time the Measures tab and the registry, encrypted and plain."""
    app = QApplication.instance() or QApplication([])
    production = keyslots.ARGON2_DEFAULTS
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    try:
        folder, _info, _cached = bench_care._prepared()
        encrypted = unlock(VaultPaths(folder / "vault"), bench_care.LOGIN, bench_care.PASSWORD)
        plain = bench_care._plain_desk(folder, encrypted)
        with encrypted, plain:
            enc = _workloads(encrypted)
            clear = _workloads(plain)
    finally:
        keyslots.ARGON2_DEFAULTS = production
    del app
    n = bench_care.PATIENTS
    report(f"Measures tab opened ({MEASUREMENTS:,} measurements)", enc["tab"], 0.150, clear["tab"])
    report(f"measures overview read ({MEASUREMENTS:,} measurements)", enc["overview"], 0.150,
           clear["overview"])  # fmt: skip
    report(f"registry first page, high blood pressure ({int(enc['members']):,} of {n:,} patients)",
           enc["hypertension"], 0.300, clear["hypertension"])  # fmt: skip
    report(f"registry first page, depression ({n:,} patients)", enc["depression"], 0.300,
           clear["depression"])  # fmt: skip
