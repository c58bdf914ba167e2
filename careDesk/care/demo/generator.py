"""``generate_demo``: fill a vault with realistic, deterministic synthetic patients, fast.

Each patient is drawn from its own random stream, ``Random(f"{seed}:{ordinal}")``, so the same
seed gives the same patients (ids included) whatever the batch size, and a 200-patient demo is
the start of a 50,000-patient one. Patients are drawn outside any transaction, then their rows
go in with SQLAlchemy Core bulk inserts in short transactions (a few hundred patients each,
sized by ``careDesk/ops/chunks.py``), so a save made meanwhile is never held up for long; one
summary audit event records the run (counts only, no patient data), and the risk scores are
computed for everyone at the end. Stopped through its progress, the patients committed stay.
"""

from __future__ import annotations

import random
import time
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
from careDesk.changes import Changes
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.ops import ChunkSizer, Progress
from careDesk.security.roles import Permission

MAX_PATIENTS = 200_000
# Patients per transaction: the first, then sized by time (careDesk/ops/chunks.py) between
# MIN_CHUNK (below it the commit's own cost dominates) and MAX_CHUNK.
FIRST_CHUNK, MIN_CHUNK, MAX_CHUNK = 50, 20, 500
MRN_PREFIX = "DM"
MRN_PATTERN = MRN_PREFIX + "[0-9]" * 7  # SQLite GLOB: DM and seven digits
GENERATION_CACHE_KIB = 256 * 1024  # SQLite page cache while inserting (freed afterwards)
CREATING = "Creating demo patients"


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


def _insert(desk: Desk, out: RowBuffer) -> None:
    """One short transaction: the drawn rows go in with bulk inserts."""
    with desk.writing(Permission.ADMIN) as tx:
        connection = tx.session.connection()
        default_cache = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        # Many indexes grow at once: a larger page cache keeps their pages decrypted in memory
        # instead of reading and decrypting them again once they outgrow the usual cache.
        connection.exec_driver_sql(f"PRAGMA cache_size = -{GENERATION_CACHE_KIB}")
        out.flush(tx.session)
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(default_cache)}")


def _write(
    desk: Desk, clinic: DemoClinic, seed: int, ordinals: range, progress: Progress, out: RowBuffer
) -> None:
    """Draw and insert patients ``ordinals`` a chunk at a time (``out`` counts the rows)."""
    sizer = ChunkSizer(FIRST_CHUNK, low=MIN_CHUNK, high=MAX_CHUNK)
    start = ordinals.start
    while start < ordinals.stop:
        chunk = range(start, min(start + sizer.size, ordinals.stop))
        for ordinal in chunk:  # outside the transaction: drawing is most of the work
            draw_patient(clinic, out, seed, ordinal)
        began = time.perf_counter()
        _insert(desk, out)
        sizer.took(time.perf_counter() - began, len(chunk))
        start = chunk.stop
        progress.update(start - ordinals.start, len(ordinals))


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
    step = progress or Progress()
    step.update(0, patients, CREATING)
    rows = _write_audited(desk, clinic, seed, range(first, first + patients), step)
    seconds = time.perf_counter() - started
    risk_seconds, scored = None, 0
    if refresh_risk:
        scored, risk_seconds = _refresh_risk(desk, now, step)
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


def _write_audited(
    desk: Desk, clinic: DemoClinic, seed: int, ordinals: range, progress: Progress
) -> dict[str, int]:
    """Write the patients, then one audit event and one change notice for the run — also
    for the part written before a stop."""
    out = RowBuffer(desk.user.id, utcnow())
    try:
        _write(desk, clinic, seed, ordinals, progress, out)
    finally:
        made = _made(desk, ordinals)
        if made:
            with desk.writing(Permission.ADMIN) as tx:
                tx.audit(
                    "demo.generate",
                    detail={
                        "patients": made,
                        "seed": seed,
                        "rows": sum(out.counts.values()),
                        "stopped": made < len(ordinals),
                    },
                )
            changes = Changes()  # kinds only: the screens reload what they show
            for kind in out.counts:
                changes.add(kind)
            desk.announce(changes)
    return out.counts


def _made(desk: Desk, ordinals: range) -> int:
    """How many of the run's patients are in the vault (all, unless it was stopped)."""
    low, high = f"{MRN_PREFIX}{ordinals.start + 1:07d}", f"{MRN_PREFIX}{ordinals.stop:07d}"
    with desk.reading() as session:
        found = session.exec(
            select(func.count())
            .select_from(Patient)
            .where(col(Patient.mrn).op("GLOB")(MRN_PATTERN), col(Patient.mrn).between(low, high))
        ).one()
    return int(found)


def _refresh_risk(desk: Desk, now: datetime, progress: Progress) -> tuple[int, float]:
    started = time.perf_counter()
    outcome = desk.risk.refresh_all(now, progress)
    return outcome.value, time.perf_counter() - started
