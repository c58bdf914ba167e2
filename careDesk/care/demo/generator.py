"""``generate_demo``: fill a vault with realistic, deterministic synthetic patients, fast.

Each patient is drawn from its own random stream, ``Random(f"{seed}:{ordinal}")``, so the same
seed gives the same patients (ids included) whatever the batch size, and a 200-patient demo is
the start of a 50,000-patient one. Rows go in with SQLAlchemy Core bulk inserts, a few
thousand patients per transaction; one summary audit event records the run (counts only, no
patient data), and the risk scores are computed once for everyone at the end.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from careDesk.care.demo import clinical, coordination, measures, people, planning, screening
from careDesk.care.demo.catalog import catalog
from careDesk.care.demo.context import DemoClinic, Draft
from careDesk.care.demo.rows import IdMaker, RowBuffer
from careDesk.care.demo.setup import prepare_clinic
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.security.roles import Permission

MAX_PATIENTS = 200_000
FLUSH_EVERY = 500  # patients per bulk insert
PATIENTS_PER_TRANSACTION = 10_000
MRN_PREFIX = "DM"
MRN_PATTERN = MRN_PREFIX + "[0-9]" * 7  # SQLite GLOB: DM and seven digits
GENERATION_CACHE_KIB = 256 * 1024  # SQLite page cache while generating (freed afterwards)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """What a demo run made (counts only)."""

    patients: int
    seed: int
    first_mrn: str
    last_mrn: str
    rows: dict[str, int]
    coordinators: list[str]
    created_users: list[str]
    seconds: float
    risk_seconds: float | None = None
    risk_scored: int = 0


def clinic_clock(today: date | None) -> tuple[date, datetime]:
    """The run's "today" and "now": the real clock, or noon of an injected day (clinic time)."""
    zone = ZoneInfo(catalog().clinic["timezone"])
    if today is None:
        now = utcnow()
        return now.astimezone(zone).date(), now
    return today, datetime.combine(today, clock(12, 0), tzinfo=zone).astimezone(UTC)


def draw_patient(clinic: DemoClinic, out: RowBuffer, seed: int, ordinal: int) -> None:
    """Queue every record of patient number ``ordinal`` of ``seed``."""
    rng = random.Random(f"{seed}:{ordinal}")
    midnight = datetime.combine(clinic.today, clock(0), tzinfo=UTC)
    new_id = IdMaker(rng, int(midnight.timestamp() * 1000) + ordinal)
    draft = Draft(rng=rng, new_id=new_id, out=out, clinic=clinic, id=new_id())
    people.demographics(draft, ordinal)
    draft.pcp = draft.pick(clinic.providers["Primary care"])
    people.family(draft)
    clinical.conditions(draft)
    clinical.medications(draft)
    clinical.allergies(draft)
    clinical.encounters(draft)
    measures.observations(draft)
    screening.screeners(draft)
    planning.care_plan(draft)
    coordination.care_team(draft)
    coordination.follow_ups(draft)
    coordination.appointments(draft)
    coordination.timeline(draft)
    coordination.referrals(draft)
    coordination.resource_referrals(draft)
    coordination.transition(draft)
    people.reply(draft, ordinal)  # last: draws nothing from the random stream before it


def _first_ordinal(desk: Desk) -> int:
    """New demo patients continue after the highest demo MRN already in the vault."""
    with desk.reading() as session:
        found = session.exec(
            select(func.max(Patient.mrn)).where(col(Patient.mrn).op("GLOB")(MRN_PATTERN))
        ).one()
    return int(found[len(MRN_PREFIX) :]) if found else 0


def _write(
    desk: Desk,
    clinic: DemoClinic,
    seed: int,
    ordinals: range,
    progress: Progress | None,
    total: int,
    done: int,
) -> dict[str, int]:
    out = RowBuffer(desk.user.id, utcnow())
    with desk.writing(Permission.ADMIN) as tx:
        connection = tx.session.connection()
        default_cache = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        # Many indexes grow at once: a larger page cache keeps their pages decrypted in memory
        # instead of reading and decrypting them again once they outgrow the default 2 MB.
        connection.exec_driver_sql(f"PRAGMA cache_size = -{GENERATION_CACHE_KIB}")
        for index, ordinal in enumerate(ordinals, start=1):
            draw_patient(clinic, out, seed, ordinal)
            if index % FLUSH_EVERY == 0:
                out.flush(tx.session)
                if progress:
                    progress(done + index, total)
        out.flush(tx.session)
        # Kinds only: per-patient ids would make the risk hook recompute inside this write.
        for kind in out.counts:
            tx.changes.add(kind)
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(default_cache)}")
    return out.counts


def generate_demo(
    desk: Desk,
    *,
    patients: int,
    seed: int = 1,
    today: date | None = None,
    coordinator_password: str | None = None,
    progress: Progress | None = None,
    refresh_risk: bool = True,
) -> DemoSummary:
    """Add ``patients`` synthetic patients (admins only); see the module docstring."""
    desk.require(Permission.ADMIN)
    if not 1 <= patients <= MAX_PATIENTS:
        raise ValidationFailed("patients", f"must be between 1 and {MAX_PATIENTS:,}")
    started = time.perf_counter()
    day, now = clinic_clock(today)
    clinic, created = prepare_clinic(desk, catalog(), day, now, coordinator_password)
    first = _first_ordinal(desk)
    rows: dict[str, int] = {}
    for start in range(first, first + patients, PATIENTS_PER_TRANSACTION):
        stop = min(start + PATIENTS_PER_TRANSACTION, first + patients)
        counts = _write(desk, clinic, seed, range(start, stop), progress, patients, start - first)
        for name, count in counts.items():
            rows[name] = rows.get(name, 0) + count
    with desk.writing(Permission.ADMIN) as tx:
        detail = {"patients": patients, "seed": seed, "rows": sum(rows.values())}
        tx.audit("demo.generate", detail=detail)
    seconds = time.perf_counter() - started
    risk_seconds, scored = None, 0
    if refresh_risk:
        scored, risk_seconds = _refresh_risk(desk, now)
    return DemoSummary(
        patients=patients,
        seed=seed,
        first_mrn=f"{MRN_PREFIX}{first + 1:07d}",
        last_mrn=f"{MRN_PREFIX}{first + patients:07d}",
        rows=rows,
        coordinators=[c.name for c in clinic.coordinators],
        created_users=created,
        seconds=seconds,
        risk_seconds=risk_seconds,
        risk_scored=scored,
    )


def _refresh_risk(desk: Desk, now: datetime) -> tuple[int, float]:
    started = time.perf_counter()
    outcome = desk.risk.refresh_all(now)
    return outcome.value, time.perf_counter() - started
