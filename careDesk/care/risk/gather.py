"""Batch reads for the risk engine: a handful of queries per refresh, never one per patient.

``facts(session, now, ids)`` reads conditions, utilization, medications, screeners, overdue work
and alerts for the given patients (or every patient when ``ids`` is None) and windows them to
``now`` — which tests inject, so "6 months ago" is reproducible. ``facts_between`` does the same
for the patients whose ids fall in a range: the bulk refresh's chunks, where one range reads
through each patient_id index with a statement SQLite prepares once, not one IN list per chunk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from careDesk.care.measures.gather import MeasureFacts, Person, measure_facts
from careDesk.care.risk.charlson import RecordedCondition, charlson_from_conditions
from careDesk.care.risk.lace import LaceResult, lace
from careDesk.care.risk.priority import Facts
from careDesk.care.risk.weights import Weights
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.base import aware
from careDesk.model.clinical import Condition, Encounter, Medication
from careDesk.model.patient import Patient
from careDesk.model.plan import CarePlan
from careDesk.model.schedule import FollowUp
from careDesk.store.reads import column_rows

CHUNK = 900  # stays under SQLite's bound-parameter limit


@dataclass
class _Raw:
    birth: date | None = None
    person: Person = field(default_factory=Person)
    conditions: list[RecordedCondition] = field(default_factory=list)
    admissions: list[tuple[datetime, datetime | None, bool]] = field(default_factory=list)
    ed: list[datetime] = field(default_factory=list)
    meds: int = 0
    screens: dict[str, tuple[int | None, str | None, str]] = field(default_factory=dict)
    overdue: int = 0
    urgent: int = 0


@dataclass(frozen=True)
class IdRange:
    """Patients whose id sorts from ``low`` to ``high`` (both included)."""

    low: str
    high: str


Chunk = list[str] | IdRange | None  # some patients, a range of them, or everyone


def _chunks(ids: Sequence[str] | None) -> Iterator[list[str] | None]:
    if ids is None:
        yield None
        return
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


def unindexed(column: Any) -> Any:
    """``+table.column``: SQLite's unary plus keeps the planner off this column's index.

    Without ANALYZE statistics SQLite prefers e.g. the open-follow-ups index over the
    patient_id index, scanning thousands of rows to refresh one patient; a ``+`` on the other
    filters leaves ``patient_id IN (...)`` as the only usable index, as intended.
    """
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def _only(query: Q, column: Any, chunk: Chunk) -> Q:
    if chunk is None:
        return query
    if isinstance(chunk, IdRange):
        return query.where(column.between(chunk.low, chunk.high))
    return query.where(column.in_(chunk))


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _read(session: Session, now: datetime, w: Weights, chunk: Chunk) -> dict[str, _Raw]:
    raw: dict[str, _Raw] = defaultdict(_Raw)
    q: Any = select(
        col(Patient.id), col(Patient.birth_date), col(Patient.status), col(Patient.enrolled_on)
    )
    for pid, birth, status, enrolled_on in column_rows(
        session, _only(q.where(col(Patient.deleted_at).is_(None)), col(Patient.id), chunk)
    ):
        raw[pid].birth = birth
        raw[pid].person = Person(status, enrolled_on)
    alive = set(raw)
    _read_conditions(session, chunk, raw)
    _read_encounters(session, now, w, chunk, raw)
    q = select(col(Medication.patient_id), func.count()).where(
        col(Medication.deleted_at).is_(None), col(Medication.status) == "active"
    )
    q = _only(q, col(Medication.patient_id), chunk).group_by(col(Medication.patient_id))
    for pid, n in column_rows(session, q):
        raw[pid].meds = int(n)
    _read_screeners(session, now, w, chunk, raw)
    _read_work(session, now, chunk, raw)
    return {pid: r for pid, r in raw.items() if pid in alive}


def _read_conditions(session: Session, chunk: Chunk, raw: dict[str, _Raw]) -> None:
    """Every coded condition, active or not: Charlson counts a history of some (charlson.py)."""
    q = select(
        col(Condition.patient_id),
        col(Condition.icd10),
        col(Condition.snomed),
        col(Condition.status),
        col(Condition.onset),
        col(Condition.abated),
    ).where(
        col(Condition.deleted_at).is_(None),
        or_(col(Condition.icd10).is_not(None), col(Condition.snomed).is_not(None)),
    )
    for pid, icd10, snomed, status, onset, abated in column_rows(
        session, _only(q, col(Condition.patient_id), chunk)
    ):
        active = status == "active"
        raw[pid].conditions.append(RecordedCondition(icd10, snomed, active, onset, abated))
        if active:
            raw[pid].person.codes.append((icd10, snomed))


def _read_encounters(
    session: Session, now: datetime, w: Weights, chunk: Chunk, raw: dict[str, _Raw]
) -> None:
    # ED visits up to 6 months before the oldest admission LACE may look at.
    since = now - timedelta(days=int(w.section("lace")["lookback_days"])) - relativedelta(months=6)
    q = select(
        col(Encounter.patient_id),
        col(Encounter.kind),
        col(Encounter.start),
        col(Encounter.end),
        col(Encounter.acute),
    ).where(
        col(Encounter.deleted_at).is_(None),
        unindexed(col(Encounter.kind)).in_(("admission", "emergency")),
        unindexed(col(Encounter.start)) >= since,
    )
    for pid, kind, start, end, acute in column_rows(
        session, _only(q, col(Encounter.patient_id), chunk)
    ):
        if kind == "admission":
            raw[pid].admissions.append((aware(start), aware(end) if end else None, bool(acute)))
        else:
            raw[pid].ed.append(aware(start))


def _read_screeners(
    session: Session, now: datetime, w: Weights, chunk: Chunk, raw: dict[str, _Raw]
) -> None:
    since = now - timedelta(days=int(w.number("screener_lookback_days")))
    q = (
        select(
            col(ScreenerResult.patient_id),
            col(ScreenerResult.instrument),
            col(ScreenerResult.total),
            col(ScreenerResult.band),
            col(ScreenerResult.positive_domains),
        )
        .where(
            col(ScreenerResult.deleted_at).is_(None),
            unindexed(col(ScreenerResult.instrument)).in_(("phq9", "gad7", "ahc_hrsn")),
            unindexed(col(ScreenerResult.taken_at)) >= since,
            unindexed(col(ScreenerResult.taken_at)) <= now,
        )
        .order_by(col(ScreenerResult.taken_at), col(ScreenerResult.id))
    )
    for pid, inst, total, band, domains in column_rows(
        session, _only(q, col(ScreenerResult.patient_id), chunk)
    ):
        if total is None and inst != "ahc_hrsn":
            continue  # answers without a total (an imported item 9 alone) leave the last score
        raw[pid].screens[inst] = (total, band, domains)  # ordered by time: the latest wins


def _read_work(session: Session, now: datetime, chunk: Chunk, raw: dict[str, _Raw]) -> None:
    q = select(col(FollowUp.patient_id), func.count()).where(
        unindexed(col(FollowUp.status)) == "open",
        col(FollowUp.deleted_at).is_(None),
        unindexed(col(FollowUp.due_at)) < now,
        or_(col(FollowUp.snoozed_until).is_(None), col(FollowUp.snoozed_until) < now),
    )
    for pid, n in column_rows(
        session, _only(q, col(FollowUp.patient_id), chunk).group_by(col(FollowUp.patient_id))
    ):
        raw[pid].overdue += int(n)
    q = select(col(CarePlan.patient_id), func.count()).where(
        col(CarePlan.deleted_at).is_(None),
        col(CarePlan.status) == "active",
        unindexed(col(CarePlan.review_date)) < now.date(),
    )
    for pid, n in column_rows(
        session, _only(q, col(CarePlan.patient_id), chunk).group_by(col(CarePlan.patient_id))
    ):
        raw[pid].overdue += int(n)
    q = select(col(Alert.patient_id), func.count()).where(
        and_(col(Alert.deleted_at).is_(None), col(Alert.resolved_at).is_(None)),
        col(Alert.severity) == "urgent",
    )
    for pid, n in column_rows(
        session, _only(q, col(Alert.patient_id), chunk).group_by(col(Alert.patient_id))
    ):
        raw[pid].urgent = int(n)


@dataclass(frozen=True)
class _Lace:
    result: LaceResult
    discharged: datetime


def _lace_of(r: _Raw, now: datetime, charlson_1987: int, w: Weights) -> _Lace | None:
    """LACE of the latest discharge within the look-back (van Walraven C et al., CMAJ
    2010;182:551-7: LACE is scored at discharge and predicts death or unplanned readmission in
    the 30 days after it). A stay not yet discharged has no LACE yet."""
    since = now - timedelta(days=int(w.section("lace")["lookback_days"]))
    discharged = [(s, e, a) for s, e, a in r.admissions if e is not None and since <= e <= now]
    if not discharged:
        return None
    start, end, acute = max(discharged, key=lambda a: (a[1], a[0]))
    days = (end.date() - start.date()).days
    # E counts ED visits in the 6 months before this admission; the ED visit that led to it
    # (within the 24 h before it) is the index visit and is not counted.
    window = (start - relativedelta(months=6), start - timedelta(hours=24))
    ed = sum(1 for v in r.ed if window[0] <= v < window[1])
    return _Lace(lace(days, acute, charlson_1987, ed), end)


@lru_cache(maxsize=8)
def _months_before(moment: datetime, months: int) -> datetime:
    """``moment`` less whole calendar months (dateutil's rule: 31 August less 6 months is the
    last day of February). Every patient of a refresh asks for the same two."""
    return moment - relativedelta(months=months)


def _facts(pid: str, r: _Raw, now: datetime, w: Weights, m: MeasureFacts | None) -> Facts:
    six, twelve = _months_before(now, 6), _months_before(now, 12)
    ch = charlson_from_conditions(r.conditions, now.date(), _age(r.birth, now.date()))
    phq9 = r.screens.get("phq9")
    gad7 = r.screens.get("gad7")
    ahc = r.screens.get("ahc_hrsn")
    found = _lace_of(r, now, ch.charlson1987, w)
    window = timedelta(days=int(w.section("lace")["window_days"]))
    return Facts(
        patient_id=pid,
        charlson=ch,
        lace=found.result if found else None,
        lace_discharged=found.discharged.date() if found else None,
        lace_in_window=found is not None and now - found.discharged <= window,
        admissions_6m=sum(1 for a in r.admissions if six <= a[0] <= now),
        admissions_12m=sum(1 for a in r.admissions if twelve <= a[0] <= now),
        ed_visits_6m=sum(1 for v in r.ed if six <= v <= now),
        ed_visits_12m=sum(1 for v in r.ed if twelve <= v <= now),
        active_medications=r.meds,
        phq9=(int(phq9[0] or 0), str(phq9[1])) if phq9 and phq9[1] else None,
        gad7=(int(gad7[0] or 0), str(gad7[1])) if gad7 and gad7[1] else None,
        social_needs=list(json.loads(ahc[2] or "[]")) if ahc else [],
        overdue=r.overdue,
        urgent_alerts=r.urgent,
        measures=m,
    )


def facts(
    session: Session, now: datetime, w: Weights, ids: Sequence[str] | None = None
) -> tuple[dict[str, Facts], set[str]]:
    """Facts for ``ids`` (or everyone), and the requested ids that are no longer patients."""
    found: dict[str, Facts] = {}
    for chunk in _chunks(ids):
        raw = _read(session, now, w, chunk)
        measured = measure_facts(session, {pid: r.person for pid, r in raw.items()}, now)
        for pid, r in raw.items():
            found[pid] = _facts(pid, r, now, w, measured.get(pid))
    missing = set(ids or ()) - set(found)
    return found, missing


def facts_between(
    session: Session, now: datetime, w: Weights, low: str, high: str
) -> dict[str, Facts]:
    """Facts for the live patients whose id sorts from ``low`` to ``high``."""
    raw = _read(session, now, w, IdRange(low, high))
    measured = measure_facts(session, {pid: r.person for pid, r in raw.items()}, now)
    return {pid: _facts(pid, r, now, w, measured.get(pid)) for pid, r in raw.items()}
