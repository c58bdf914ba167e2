"""The risk engine: keeps one ``RiskScore`` row per patient current, so the worklist is a query.

Scores are refreshed inside the very transaction that changed a patient's record (a
``Desk.before_commit`` hook over ``tx.changes.patient_ids``), and in bulk with
:meth:`RiskEngine.refresh_all` after imports, demo data or at night (the clock's nightly job, see
docs/architecture.md#scheduling-the-reminder-clock). The bulk refresh commits in short chunks
(``careDesk/ops/chunks.py``), so a save made meanwhile waits for one chunk, not for everyone.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, union
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from careDesk.care.measures.registry import store_entries
from careDesk.care.risk.gather import CHUNK, facts, facts_between
from careDesk.care.risk.priority import Facts, prioritise
from careDesk.care.risk.weights import Weights, default_weights
from careDesk.changes import Changes, Outcome
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.model.risk import RiskScore
from careDesk.ops import ChunkSizer, Progress, settled
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from careDesk.desk import Desk, Tx
    from careDesk.ops import WriteLane

RISK_KIND = "risk_score"
# The version of the scoring rules (weights, Charlson coding, LACE window). Bump it whenever a
# change would alter stored scores: rows from older rules are recomputed when the reminder clock
# starts (refresh_outdated), not left standing until the nightly refresh.
# 1: LACE for the latest discharge, counting only in the 30 days after it; Charlson history and
#    SNOMED CT stages (issue 15).
# 2: measurements (uncontrolled A1c and BP, PHQ-9/GAD-7 not improving, no score in 30 days) and
#    the treat-to-target registry rows (issue 17).
RULES_VERSION = 2
# Patients per bulk-refresh transaction: the first, then sized by the time it held the write
# lane (careDesk/ops/chunks.py), never under MIN_CHUNK, where its fixed cost (a commit) dominates.
FIRST_CHUNK, MIN_CHUNK = 200, 100
OPTIMISTIC_TRIES = 3  # reads outside the lane before a chunk is read inside its write
REFRESHING = "Updating risk scores"
# The risk refresh's own tables: it reads which patients have a score, and stores scores and
# the treat-to-target registry rows.
OWN = frozenset({RISK_KIND, "registry_entry"})
# Every table a score is read from, as SQLite's authorizer reports them
# (tests/careDesk/care/test_risk_reads.py). A write that declares it touched none of them
# (a first sync copying the others, careDesk/sync/snapshot.py) leaves computed scores standing,
# so a new rule that reads another table must name it here (hazard H-06).
READS = OWN | frozenset(
    {
        "patient",
        "condition",
        "encounter",
        "medication",
        "observation",
        "screener_result",
        "alert",
        "follow_up",
        "care_plan",
        "goal",
    }
)


def _row(f: Facts, w: Weights, now: datetime) -> dict[str, Any]:
    p = prioritise(f, w)
    return {
        "patient_id": f.patient_id,
        "priority": p.points,
        "band": p.band,
        "charlson_quan2011": f.charlson.quan2011,
        "charlson_1987": f.charlson.charlson1987,
        "charlson_age_adjusted": f.charlson.age_adjusted,
        "lace": f.lace.total if f.lace else None,
        "lace_discharged": f.lace_discharged,
        "admissions_6m": f.admissions_6m,
        "admissions_12m": f.admissions_12m,
        "ed_visits_6m": f.ed_visits_6m,
        "ed_visits_12m": f.ed_visits_12m,
        "active_medications": f.active_medications,
        "phq9": f.phq9[0] if f.phq9 else None,
        "phq9_band": f.phq9[1] if f.phq9 else None,
        "gad7": f.gad7[0] if f.gad7 else None,
        "gad7_band": f.gad7[1] if f.gad7 else None,
        "social_needs": json.dumps(f.social_needs),
        "overdue": f.overdue,
        "urgent_alerts": f.urgent_alerts,
        "reasons": json.dumps(p.reasons),
        "computed_at": now,
        "rules_version": RULES_VERSION,
    }


@cache
def _upsert() -> Any:
    """INSERT … ON CONFLICT (patient_id) DO UPDATE of every column, built once: building its
    ``excluded`` columns took a few milliseconds of each write's refresh (issue 17, the
    per-write hook's 20 ms budget)."""
    table = RiskScore.__table__  # type: ignore[attr-defined]
    stmt = insert(table)
    keep = {c.name: stmt.excluded[c.name] for c in table.columns if c.name != "patient_id"}
    return stmt.on_conflict_do_update(index_elements=["patient_id"], set_=keep)


def _store(session: Session, rows: list[dict[str, Any]], gone: set[str]) -> None:
    if rows:
        session.execute(_upsert(), rows)
    ordered = sorted(gone)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        session.execute(delete(RiskScore).where(col(RiskScore.patient_id).in_(chunk)))


def refresh(
    session: Session,
    patient_ids: Sequence[str] | None,
    now: datetime | None = None,
    weights: Weights | None = None,
) -> int:
    """Recompute the scores of ``patient_ids`` (every patient when None) in ``session``."""
    when = now or utcnow()
    w = weights or default_weights()
    found, gone = facts(session, when, w, patient_ids)
    _store(session, [_row(f, w, when) for f in found.values()], gone)
    store_entries(session, None if patient_ids is None else [*found, *gone], _entries(found))
    return len(found)


def _entries(found: dict[str, Facts]) -> list[dict[str, Any]]:
    """The treat-to-target registry rows of the patients scored (issue 17)."""
    return [e for f in found.values() if f.measures for e in f.measures.entries]


def scored_between(session: Session, low: str, high: str) -> set[str]:
    """Patients from ``low`` to ``high`` (by id) with a stored score."""
    query = select(col(RiskScore.patient_id)).where(col(RiskScore.patient_id).between(low, high))
    return set(session.exec(query))


@dataclass(frozen=True)
class Scored:
    """One range's new scores, read and computed outside the write lane (perhaps in another
    process: plain data), stored by :func:`store_scored`."""

    rows: list[dict[str, Any]]  # RiskScore rows
    entries: list[dict[str, Any]]  # treat-to-target registry rows
    found: list[str]  # the live patients scored
    gone: list[str]  # patients with a score who are no longer patients


def score_between(session: Session, low: str, high: str, now: datetime) -> Scored:
    """Read and score the patients whose id sorts from ``low`` to ``high``, storing nothing."""
    w = default_weights()
    found = facts_between(session, now, w, low, high)
    gone = scored_between(session, low, high) - set(found)
    return Scored([_row(f, w, now) for f in found.values()], _entries(found), [*found], [*gone])


def store_scored(session: Session, scored: Scored) -> int:
    """Store what :func:`score_between` computed; returns how many patients were scored."""
    _store(session, scored.rows, set(scored.gone))
    store_entries(session, [*scored.found, *scored.gone], scored.entries)
    return len(scored.found)


def refresh_between(session: Session, low: str, high: str, now: datetime) -> int:
    """Recompute the scores of the patients whose id sorts from ``low`` to ``high`` (one chunk
    of the bulk refresh); a score whose patient is gone goes too. Returns how many."""
    return store_scored(session, score_between(session, low, high, now))


def untouched(lane: WriteLane, since: int, low: str, high: str) -> bool:
    """Whether no write ended since the lane's generation ``since`` changed the records of a
    patient whose id sorts from ``low`` to ``high`` (as each write declared it; a write that
    could not say counts as changing everyone's, unless it declared it wrote none of the tables
    a score is read from, :data:`READS`), so scores read before still stand."""
    changed = lane.patients_changed_since(since, READS)
    return changed is not None and not any(low <= pid <= high for pid in changed)


def refresh_all(session: Session, now: datetime | None = None) -> int:
    """Recompute every patient's score in ``session``, one transaction (tests and benchmarks
    only: on a real vault use :meth:`RiskEngine.refresh_all`, which commits in chunks)."""
    return refresh(session, None, now)


def everyone(session: Session) -> list[str]:
    """Every live patient, and every patient with a stored score (a deleted one's goes)."""
    live = select(col(Patient.id)).where(col(Patient.deleted_at).is_(None))
    scored = select(col(RiskScore.patient_id))
    return sorted(str(pid) for pid in session.execute(union(live, scored)).scalars())


def outdated(session: Session) -> list[str]:
    """Patients whose stored score was computed by older rules than these, or who have none
    (a demo or first sync stopped before its final refresh)."""
    old = select(col(RiskScore.patient_id)).where(col(RiskScore.rules_version) < RULES_VERSION)
    unscored = select(col(Patient.id)).where(
        col(Patient.deleted_at).is_(None),
        col(Patient.id).not_in(select(col(RiskScore.patient_id))),
    )
    return sorted(str(pid) for pid in session.execute(union(old, unscored)).scalars())


def refresh_changed(tx: Tx) -> None:
    """``Desk.before_commit`` hook: refresh the patients this transaction touched.

    Not while a new workstation's first sync copies the clinic and no patient here has a
    score yet (:meth:`RiskEngine.copying`): the tables being loaded are without their
    patient indexes, so one patient's refresh would read them whole (0.7–1.5 s for 941,000
    observations) inside the save, and score a chart half copied. Every patient is scored
    together once the copy is in (or, should it stop, by the next sync or the clock's
    ``refresh_outdated``, which takes the unscored): until then no patient has a score, the
    saved one included, as before the save.
    """
    if not tx.changes.patient_ids:
        return
    if tx.desk.risk.copying_clinic and _nobody_scored(tx.session):
        return
    refresh(tx.session, sorted(tx.changes.patient_ids), tx.now)


def _nobody_scored(session: Session) -> bool:
    return session.execute(select(col(RiskScore.patient_id)).limit(1)).first() is None


@dataclass(frozen=True)
class RiskView:
    """A patient's current score as plain data."""

    patient_id: str
    priority: float
    band: str
    scores: dict[str, int | None]
    reasons: list[str]
    computed_at: datetime
    lace_discharged: date | None = None  # the discharge ``scores["lace"]`` belongs to


def view(row: RiskScore) -> RiskView:
    """Plain data for a stored score."""
    return RiskView(
        patient_id=row.patient_id,
        priority=row.priority,
        band=row.band,
        scores=scores_by_name(row),
        reasons=list(json.loads(row.reasons or "[]")),
        computed_at=row.computed_at,
        lace_discharged=row.lace_discharged,
    )


def scores_by_name(row: Any) -> dict[str, int | None]:
    """The component scores by name, as the worklist and ``caredesk worklist --json`` show them."""
    return {
        "charlson_quan2011": row.charlson_quan2011,
        "charlson_1987": row.charlson_1987,
        "charlson_age_adjusted": row.charlson_age_adjusted,
        "lace": row.lace,
        "phq9": row.phq9,
        "gad7": row.gad7,
        "admissions_6m": row.admissions_6m,
        "admissions_12m": row.admissions_12m,
        "ed_visits_6m": row.ed_visits_6m,
        "ed_visits_12m": row.ed_visits_12m,
        "active_medications": row.active_medications,
        "overdue": row.overdue,
        "urgent_alerts": row.urgent_alerts,
    }


class RiskEngine:
    """``desk.risk``: read a patient's score; refresh one, some or all."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._copying = 0  # first syncs copying the clinic now (careDesk/sync/service.py)
        # Workers started for the next refresh of everyone: (how many, their pool).
        self._ahead: tuple[int, ProcessPoolExecutor] | None = None
        self._ahead_lock = threading.Lock()

    @property
    def copying_clinic(self) -> bool:
        """Whether a first sync is copying the clinic into this vault (see
        :func:`refresh_changed`)."""
        return self._copying > 0

    @contextmanager
    def copying(self) -> Iterator[None]:
        """Mark a first sync's copy of the clinic, which the refresh of everyone follows."""
        self._copying += 1
        try:
            yield
        finally:
            self._copying -= 1

    def score(self, patient_id: str) -> RiskView | None:
        """The patient's current score, or None when it was never computed."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = session.get(RiskScore, patient_id)
            return view(row) if row is not None else None

    def refresh(self, patient_ids: Sequence[str], now: datetime | None = None) -> Outcome[int]:
        """Recompute some patients' scores now (derived data: needs no edit permission)."""
        with self.desk.writing(None) as tx:
            tx.derived = True
            count = refresh(tx.session, patient_ids, now or tx.now)
            tx.changes.add(RISK_KIND)
        return Outcome(count, tx.changes)

    def start_ahead(self, patients: int) -> None:
        """Start the worker processes the next refresh of everyone will use for ``patients``
        patients, if it will use any (a first sync, once it knows the clinic's size): their
        start-up is done by the time the refresh begins. :meth:`drop_ahead` ends them unused."""
        from careDesk.care.risk import parallel  # it builds on this module

        workers = parallel.workers_for(patients)
        with self._ahead_lock:
            if workers > 1 and self._ahead is None:
                pool = parallel.start_workers(self.desk, workers)
                self._ahead = None if pool is None else (workers, pool)

    def drop_ahead(self) -> None:
        """End workers :meth:`start_ahead` started that no refresh took."""
        self._take_ahead(None)

    def _take_ahead(self, workers: int | None) -> ProcessPoolExecutor | None:
        """The workers started ahead, if they are ``workers`` many; any others end."""
        with self._ahead_lock:
            ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        count, pool = ahead
        if count == workers:
            return pool
        pool.shutdown(wait=False, cancel_futures=True)
        return None

    def refresh_outdated(
        self, now: datetime | None = None, progress: Progress | None = None
    ) -> Outcome[int]:
        """Recompute the scores older rules computed (after an update), and any missing;
        usually none."""
        with self.desk.reading() as session:
            stale = outdated(session)
        return self._refresh_chunked(stale, now, progress, everyone=False)

    def refresh_all(
        self, now: datetime | None = None, progress: Progress | None = None
    ) -> Outcome[int]:
        """Recompute every patient's score (after imports, demo data, or nightly), committing
        in chunks; stopped through ``progress``, the chunks committed stay."""
        with settled():  # careDesk/ops/heap.py
            with self.desk.reading() as session:
                ids = everyone(session)
            return self._refresh_chunked(ids, now, progress, everyone=True)

    def _refresh_chunked(
        self, ids: list[str], now: datetime | None, progress: Progress | None, *, everyone: bool
    ) -> Outcome[int]:
        """Refresh ``ids`` (sorted) a chunk per transaction, each well inside the write budget
        (only the time a chunk holds the write lane sizes the next). The screens hear once at
        the end, not after every chunk."""
        from careDesk.care.risk import parallel  # it builds on this module

        when, step = now or utcnow(), progress or Progress()
        sizer, done, count = ChunkSizer(FIRST_CHUNK, low=MIN_CHUNK, high=CHUNK), 0, 0
        changes = Changes()
        try:
            step.update(0, len(ids), REFRESHING)
            if everyone and (workers := parallel.workers_for(len(ids))) > 1:
                changes.add(RISK_KIND)  # a large clinic: on every core
                ahead = self._take_ahead(workers)
                count, done = parallel.refresh_in_workers(
                    self.desk, ids, when, step, workers, ahead
                )
            while done < len(ids):
                chunk = ids[done : done + sizer.size]
                if everyone:
                    scored, held, _holds = self.refresh_range(chunk[0], chunk[-1], when)
                else:
                    scored, held = self._refresh_some(chunk, when)
                sizer.took(held, len(chunk))
                count += scored
                done += len(chunk)
                changes.add(RISK_KIND)
                step.update(done, len(ids))
        finally:
            self.desk.announce(changes)
        return Outcome(count, changes)

    def _refresh_some(self, chunk: list[str], when: datetime) -> tuple[int, float]:
        started = time.perf_counter()
        with self.desk.writing(None) as tx:
            count = refresh(tx.session, chunk, when)
        return count, time.perf_counter() - started

    def refresh_range(self, low: str, high: str, when: datetime) -> tuple[int, float, int]:
        """The patients from ``low`` to ``high``: their facts are read and scored outside the
        write lane, then stored in a short write if no write in between changed one of these
        patients' records (:func:`untouched`); otherwise read again, and after a few tries read
        inside the write. Returns (patients scored, seconds the storing write held the lane, write
        transactions it took)."""
        lane = self.desk.write_lane
        for tries in range(1, OPTIMISTIC_TRIES + 1):
            seen = lane.generation
            with self.desk.reading() as session:
                scored = score_between(session, low, high, when)
            started = time.perf_counter()
            with self.desk.writing(None) as tx:
                tx.derived = True
                tx.session.connection()  # BEGIN IMMEDIATE: the lane is ours from here
                if untouched(lane, seen, low, high):
                    return store_scored(tx.session, scored), time.perf_counter() - started, tries
        started = time.perf_counter()
        with self.desk.writing(None) as tx:  # saves keep landing in between: read in the write
            tx.derived = True
            count = refresh_between(tx.session, low, high, when)
        return count, time.perf_counter() - started, OPTIMISTIC_TRIES + 1
