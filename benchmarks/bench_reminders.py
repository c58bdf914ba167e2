"""Reminder budgets (issue 5): 100,000 scheduled follow-ups.

- "what is due now": the reminders panel's query (budget 20 ms, median of repeated runs),
  beside the same query on an unencrypted copy;
- reminder clock start-up: recover interrupted sends, announce what is due, start APScheduler
  with its job store on the encrypted engine (budget 1 s).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from careDesk.model.base import new_id, utcnow
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.paths import VaultPaths
from careDesk.schedule.clock import ReminderClock
from careDesk.store.vault import create_vault

FOLLOW_UPS = 100_000
PATIENTS = 5_000
PASSWORD = "benchmark horse battery staple"


def _fill(desk: Any, rng: random.Random) -> None:
    now = utcnow()
    patients = [
        {
            "id": new_id(),
            "mrn": f"B{i:07d}",
            "given_name": "Ana",
            "family_name": f"Pérez{i}",
            "birth_date": date(1950, 1, 1),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "sex": "female",
            "language": "es",
            "preferred_channel": "phone",
            "consent_program": True,
            "consent_sms": False,
            "consent_email": False,
            "consent_letter": True,
            "consent_phone": True,
            "status": "active",
            "interpreter_needed": False,
        }
        for i in range(PATIENTS)
    ]
    rows = [
        {
            "id": new_id(),
            "patient_id": patients[rng.randrange(PATIENTS)]["id"],
            "kind": "call",
            "title": "Check in",
            "due_at": now + timedelta(minutes=rng.randint(-2 * 1440, 90 * 1440)),
            "urgent": rng.random() < 0.01,
            "status": "open" if rng.random() < 0.7 else "done",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for _ in range(FOLLOW_UPS)
    ]
    with desk.writing() as tx:
        tx.session.execute(insert(Patient), patients)
        tx.session.execute(insert(FollowUp), rows)
        tx.changes.add("follow_up")


def _median_ms(fn: Any, rounds: int = 30) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(report: Any) -> None:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as folder:
        desk, _ = create_vault(VaultPaths(Path(folder) / "enc"), "admin", PASSWORD)
        _fill(desk, rng)
        desk.settings.set("clinic.name", "Bench Clinic")
        desk.reminders.announce()  # the first start announces the backlog once
        enc = _median_ms(lambda: desk.reminders.due(limit=200))
        start = time.perf_counter()
        clock = ReminderClock(desk)
        clock.start()
        startup = time.perf_counter() - start
        clock.stop()
        plain = _plain_due(desk, folder)
        report("due-now query, 100,000 follow-ups", enc, 0.020, plain)
        report("reminder clock start-up", startup, 1.0)
        desk.close()


def _plain_due(desk: Any, folder: str) -> float:
    """The same query on an unencrypted copy made with sqlcipher_export."""
    from sqlalchemy import text

    from careDesk.desk import Desk
    from careDesk.store.engine import build_engine, raw_connect

    plain_path = Path(folder) / "plain.db"
    conn = raw_connect(desk.paths.database, desk.key)
    conn.execute(f"ATTACH DATABASE '{plain_path}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    engine = build_engine(plain_path, None)
    with engine.connect() as c:
        c.execute(text("SELECT count(*) FROM follow_up")).scalar()
    plain_desk = Desk(
        paths=desk.paths,
        engine=engine,
        key=b"\0" * 32,
        vault_id=desk.vault_id,
        user=desk.user,
        lock=None,
    )
    try:
        return _median_ms(lambda: plain_desk.reminders.due(limit=200))
    finally:
        engine.dispose()
