"""Care-service list benchmarks (issue 3, docs/architecture.md#performance-budgets) on an
encrypted vault.

- timeline page: first page (50) of a patient with 500 timeline entries, among 2,000 patients
  with 20 entries each (budget 150 ms: opening a chart with 500 timeline entries).
- follow-ups due: "what is due for me" over 100,000 follow-ups, one indexed query (budget
  300 ms, the worklist's first-page budget).
- plan tree: a plan with 5 problems × 3 goals × 4 activities as nested data (budget 150 ms).

Rows are bulk-inserted straight into the vault (the services are timed, not the filling).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from careDesk.desk import Desk
from careDesk.model.base import new_id
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.model.timeline import TimelineEntry
from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.vault import create_vault

Report = Callable[..., None]
PATIENTS = 2_000
FOLLOW_UPS = 100_000
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _median(fn: Callable[[], object], runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _fill(desk: Desk) -> tuple[str, str]:
    """Patients, timeline entries and follow-ups; returns (busy patient id, a user id)."""
    rng = random.Random(7)
    patients = [
        Patient(
            mrn=f"B{i:06d}",
            given_name="Pat",
            family_name=f"Bench{i}",
            birth_date=date(1940 + i % 50, 1 + i % 12, 1 + i % 28),
        )
        for i in range(PATIENTS)
    ]
    users = [desk.user.id, "user-b", "user-c", "user-d"]
    stamp = {"created_at": NOW, "updated_at": NOW, "version": 1, "deleted_at": None}
    entries = [
        {
            **stamp,
            "id": new_id(),
            "patient_id": p.id,
            "kind": "note",
            "summary": "Checked in",
            "at": NOW - timedelta(hours=h * 7),
            "author_id": desk.user.id,
        }
        for i, p in enumerate(patients)
        for h in range(500 if i == 0 else 20)
    ]
    tasks = [
        {
            **stamp,
            "id": new_id(),
            "patient_id": patients[rng.randrange(PATIENTS)].id,
            "kind": "call",
            "title": "Call",
            "urgent": False,
            "due_at": NOW + timedelta(hours=rng.randint(-24 * 60, 24 * 120)),
            "assignee_id": rng.choice(users),
            "status": rng.choice(["open", "open", "done", "cancelled"]),
        }
        for _ in range(FOLLOW_UPS)
    ]
    with Session(desk.engine, expire_on_commit=False) as session:
        session.add_all(patients)
        session.flush()
        session.execute(insert(TimelineEntry), entries)
        session.execute(insert(FollowUp), tasks)
        session.commit()
    return patients[0].id, desk.user.id


def _plan(desk: Desk, patient_id: str) -> None:
    plan = desk.plans.ensure_active(patient_id).value
    for p in range(5):
        problem = desk.plans.add_problem(plan.id, description=f"Problem {p}").value
        for g in range(3):
            goal = desk.plans.add_goal(problem.id, description=f"Goal {g}").value
            for a in range(4):
                desk.plans.add_activity(goal.id, kind="lifestyle", description=f"Step {a}")


def run(report: Report) -> None:
    """Fill one encrypted vault, then time the three reads."""
    production = keyslots.ARGON2_DEFAULTS
    keyslots.ARGON2_DEFAULTS = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    try:
        _run(report)
    finally:
        keyslots.ARGON2_DEFAULTS = production


def _run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as folder:
        desk, _ = create_vault(VaultPaths(Path(folder) / "data"), "bench", "quiet lantern river 42")
        with desk:
            busy, me = _fill(desk)
            _plan(desk, busy)
            page = _median(lambda: desk.timeline.page(busy, limit=50))
            report("timeline first page (500 entries)", page, 0.150)
            due = _median(lambda: desk.followups.due(me, now=NOW))
            report(f"follow-ups due for one user ({FOLLOW_UPS:,} rows)", due, 0.300)
            tree = _median(lambda: desk.plans.plan_tree(busy))
            report("plan tree (5 problems, 15 goals, 60 activities)", tree, 0.150)
