"""Chronic care management billing per patient and calendar month (``desk.ccm``).

Gathers, for each patient-month with logged care-management minutes, what the rules in
:mod:`careDesk.care.ccm_rules` need, and returns a :class:`CcmMonth` per patient-month.

Where each fact comes from (careDesk's assumptions, stated here and in the report):

- **Whose time.** The role of the person the minutes were logged for (``TimeEntry.user_id``),
  as it stands now on this workstation (roles in ``careDesk.security.roles``): ``clinician``
  is taken as a physician or other qualified health care professional (QHP: NP, PA, CNS,
  CNM), ``coordinator`` as clinical staff. ``admin`` and ``read-only`` accounts are not
  clinical staff, so their minutes are not counted (CMS MLN909188: non-clinical staff time is
  not counted). Sign-in accounts do not sync, so minutes of a person unknown on this
  workstation are counted as clinical staff time, with a note. A clinic whose ``clinician``
  accounts include pharmacists or social workers should log their time under a coordinator
  account: careDesk cannot tell them from physicians.
- **Chronic conditions.** Conditions flagged chronic (expected to last 12 months or more) that
  were active at some point of the month: onset on or before its last day, and abated on or
  after its first day (without an abatement date: status active). The same code counted once.
  Whether a condition places the patient "at significant risk" is the clinician's judgement
  when flagging it chronic; careDesk cannot check it.
- **Consent.** Program consent on file (``consent_program``), given on or before the month's
  last day when the date is known.
- **Complex CCM.** Medical decision making recorded by a clinician for the month
  (:meth:`Ccm.record_decision_making`, a timeline entry); the latest entry of the month
  counts. "Plan set up or substantially revised": a plan version saved that month.
- Months are calendar months of the workstation's local time, as time entries are.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from careDesk.care.billing_codes import CCM_POOL
from careDesk.care.ccm_rules import CcmMonth, MonthFacts, ccm_codes
from careDesk.care.forms.timeline import TimelineRead
from careDesk.care.verb_kit import add_audited, require_patient
from careDesk.changes import Outcome
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.base import aware
from careDesk.model.clinical import Condition
from careDesk.model.patient import Patient
from careDesk.model.plan import PlanVersion
from careDesk.model.security import User
from careDesk.model.timeline import TimeEntry, TimelineEntry
from careDesk.security.roles import Permission, Role

if TYPE_CHECKING:
    from careDesk.desk import Desk

MDM_KIND = "mdm"  # timeline entry kind: medical decision making recorded for CCM
CHUNK = 900  # ids per IN (…) list, under SQLite's bound-parameter limit


class DecisionMaking(StrEnum):
    """Levels of medical decision making (AMA CPT E/M guidelines, 2021 and later)."""

    STRAIGHTFORWARD = "straightforward"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


COMPLEX_LEVELS = frozenset({DecisionMaking.MODERATE, DecisionMaking.HIGH})  # CPT 99487
_SIDE = {Role.CLINICIAN: "practitioner", Role.COORDINATOR: "staff"}


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_span(start: date, end: date) -> tuple[date, date]:
    """The first day of ``start``'s month and the last day of ``end``'s month."""
    if end < start:
        raise ValidationFailed("end", "must not be before the start of the period")
    return start.replace(day=1), end.replace(day=monthrange(end.year, end.month)[1])


def _local_day(moment: datetime) -> date:
    return aware(moment).astimezone().date()


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


class _Minutes:
    """Minutes per (patient, month), split by whose time they are."""

    def __init__(self) -> None:
        self.by_side: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: {"staff": 0, "practitioner": 0, "uncounted": 0, "unknown": 0}
        )

    def add(self, key: tuple[str, str], role: str | None, minutes: int) -> None:
        sides = self.by_side[key]
        if role is None:
            sides["staff"] += minutes
            sides["unknown"] += minutes
            return
        side = _SIDE.get(Role(role), "uncounted") if role in set(Role) else "uncounted"
        sides[side] += minutes


def _minutes(session: Session, first: date, last: date, patients: Sequence[str] | None) -> _Minutes:
    roles = {uid: role for uid, role in session.exec(select(User.id, User.role))}
    month = func.substr(col(TimeEntry.on_date), 1, 7)
    query = (
        select(TimeEntry.patient_id, month, TimeEntry.user_id, func.sum(TimeEntry.minutes))
        .where(col(TimeEntry.deleted_at).is_(None))
        .where(col(TimeEntry.on_date) >= first, col(TimeEntry.on_date) <= last)
        .where(col(TimeEntry.category).in_(CCM_POOL))  # PCM, BHI… minutes are not CCM time
        .group_by(col(TimeEntry.patient_id), month, col(TimeEntry.user_id))
    )
    found = _Minutes()
    batches = (
        [query]
        if patients is None
        else [query.where(col(TimeEntry.patient_id).in_(ids)) for ids in _chunks(patients)]
    )
    for batch in batches:
        for pid, key, user_id, total in session.exec(batch):
            found.add((pid, str(key)), roles.get(user_id), int(total or 0))
    return found


def _consent(session: Session, ids: Sequence[str]) -> dict[str, date | None]:
    """Patients with program consent on file → the day it was given (None when unknown)."""
    given: dict[str, date | None] = {}
    for batch in _chunks(ids):
        rows = session.exec(
            select(Patient.id, Patient.consent_program, col(Patient.consent_program_on)).where(
                col(Patient.id).in_(batch), col(Patient.deleted_at).is_(None)
            )
        )
        given.update({pid: on for pid, consent, on in rows if consent})
    return given


def _live_patients(session: Session, ids: Sequence[str]) -> set[str]:
    alive: set[str] = set()
    for batch in _chunks(ids):
        alive.update(
            session.exec(
                select(Patient.id).where(
                    col(Patient.id).in_(batch), col(Patient.deleted_at).is_(None)
                )
            )
        )
    return alive


class _Chronic(NamedTuple):
    """The columns of a chronic condition the month count needs (not the whole row)."""

    icd10: str | None
    snomed: str | None
    display: str
    onset: date | None
    abated: date | None
    status: str


def _active_in(c: _Chronic, first: date, last: date) -> bool:
    """Active at some point of ``first``–``last`` (see the module docstring)."""
    if c.onset is not None and c.onset > last:
        return False
    if c.abated is not None:
        return c.abated >= first
    return c.status == "active"


def _condition_key(c: _Chronic) -> str:
    code = (c.icd10 or "").replace(".", "").upper() or (c.snomed or "")
    return code or c.display.strip().lower()


def _conditions(session: Session, ids: Sequence[str]) -> dict[str, list[_Chronic]]:
    found: dict[str, list[_Chronic]] = defaultdict(list)
    columns = (
        col(Condition.patient_id),
        col(Condition.icd10),
        col(Condition.snomed),
        col(Condition.display),
        col(Condition.onset),
        col(Condition.abated),
        col(Condition.status),
    )
    for batch in _chunks(ids):
        rows = session.execute(
            sa_select(*columns).where(
                col(Condition.patient_id).in_(batch),
                col(Condition.deleted_at).is_(None),
                col(Condition.chronic).is_(True),
            )
        )
        for pid, *rest in rows:
            found[pid].append(_Chronic(*rest))
    return found


def chronic_count(conditions: Iterable[_Chronic], first: date, last: date) -> int:
    """Distinct chronic conditions active at some point of the month ``first``–``last``."""
    return len({_condition_key(c) for c in conditions if _active_in(c, first, last)})


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds wide enough for any local time zone around ``first``–``last``."""
    low = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    return low, datetime.combine(last + timedelta(days=2), time(), tzinfo=UTC)


def _decisions(
    session: Session, ids: Sequence[str], first: date, last: date
) -> dict[tuple[str, str], bool]:
    """(patient, month) → the month's latest recorded decision making is moderate or high."""
    low, high = _window(first, last)
    latest: dict[tuple[str, str], tuple[datetime, str]] = {}
    for batch in _chunks(ids):
        rows = session.exec(
            select(TimelineEntry.patient_id, TimelineEntry.at, TimelineEntry.outcome).where(
                col(TimelineEntry.patient_id).in_(batch),
                TimelineEntry.kind == MDM_KIND,
                col(TimelineEntry.deleted_at).is_(None),
                col(TimelineEntry.at) >= low,
                col(TimelineEntry.at) < high,
            )
        )
        for pid, at, level in rows:
            key = (pid, month_key(_local_day(at)))
            if key not in latest or at > latest[key][0]:
                latest[key] = (at, level or "")
    return {key: level in COMPLEX_LEVELS for key, (_, level) in latest.items()}


def _plan_months(
    session: Session, ids: Sequence[str], first: date, last: date
) -> set[tuple[str, str]]:
    """(patient, month) pairs in which a plan version was saved."""
    low, high = _window(first, last)
    found: set[tuple[str, str]] = set()
    for batch in _chunks(ids):
        rows = session.exec(
            select(PlanVersion.patient_id, PlanVersion.created_at).where(
                col(PlanVersion.patient_id).in_(batch),
                col(PlanVersion.deleted_at).is_(None),
                col(PlanVersion.created_at) >= low,
                col(PlanVersion.created_at) < high,
            )
        )
        found.update((pid, month_key(_local_day(at))) for pid, at in rows)
    return found


def _bounds(month: str) -> tuple[date, date]:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


def ccm_months(
    session: Session,
    start: date,
    end: date,
    patient_ids: Sequence[str] | None = None,
    *,
    include_empty: bool = False,
) -> list[CcmMonth]:
    """Every patient-month with logged minutes in the calendar months ``start``–``end`` touch
    (all of ``patient_ids``' months when ``include_empty``), by month then patient id."""
    first, last = month_span(start, end)
    minutes = _minutes(session, first, last, patient_ids)
    keys = set(minutes.by_side)
    if include_empty and patient_ids is not None:
        months = _month_keys(first, last)
        keys |= {(pid, m) for pid in patient_ids for m in months}
    ids = sorted({pid for pid, _ in keys} & _live_patients(session, sorted({p for p, _ in keys})))
    consent = _consent(session, ids)
    conditions = _conditions(session, ids)
    decisions = _decisions(session, ids, first, last)
    plans = _plan_months(session, ids, first, last)
    results, alive = [], set(ids)
    for pid, month in sorted(keys, key=lambda k: (k[1], k[0])):
        if pid not in alive:
            continue
        low, high = _bounds(month)
        sides = minutes.by_side.get((pid, month), {})
        on = consent.get(pid, date.max)
        facts = MonthFacts(
            patient_id=pid,
            month=month,
            staff_minutes=sides.get("staff", 0),
            practitioner_minutes=sides.get("practitioner", 0),
            uncounted_minutes=sides.get("uncounted", 0),
            unknown_people_minutes=sides.get("unknown", 0),
            chronic_conditions=chronic_count(conditions.get(pid, ()), low, high),
            consent=pid in consent and (on is None or on <= high),
            complex_decision_making=decisions.get((pid, month), False),
            plan_revised=(pid, month) in plans,
        )
        results.append(ccm_codes(facts))
    return results


def _month_keys(first: date, last: date) -> list[str]:
    keys, day = [], first
    while day <= last:
        keys.append(month_key(day))
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return keys


def _noon_utc(day: date) -> datetime:
    local = datetime.combine(day, time(12)).astimezone()
    return local.astimezone(UTC)


class Ccm:
    """CCM codes per patient-month, and the decision making complex CCM needs (``desk.ccm``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def months(self, start: date, end: date, patient_id: str | None = None) -> list[CcmMonth]:
        """Every patient-month with logged minutes in the calendar months ``start``–``end``
        touch (whole months: CCM is counted per calendar month), by month then patient."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            if patient_id is not None:
                require_patient(session, patient_id)
            ids = None if patient_id is None else [patient_id]
            return ccm_months(session, start, end, ids)

    def month(self, patient_id: str, year: int, month: int) -> CcmMonth:
        """One patient's calendar month, also when no minutes are logged in it."""
        self.desk.require(Permission.READ)
        if not 1 <= month <= 12:
            raise ValidationFailed("month", "give a month from 1 to 12")
        day = date(year, month, 1)
        with self.desk.reading() as session:
            require_patient(session, patient_id)
            [found] = ccm_months(session, day, day, [patient_id], include_empty=True)
            return found

    def record_decision_making(
        self, patient_id: str, level: str, on: date | None = None, note: str | None = None
    ) -> Outcome[TimelineRead]:
        """Record the level of medical decision making for the month of ``on`` (default:
        today); moderate or high is what complex CCM (CPT 99487) needs. Clinician role only:
        careDesk takes it as the physician or qualified health professional."""
        self.desk.require(Permission.EDIT)
        if self.desk.user.role != Role.CLINICIAN:
            raise PermissionDenied(
                self.desk.user.role,
                "record medical decision making (the clinician role: physician or QHP)",
            )
        if level not in set(DecisionMaking):
            raise ValidationFailed("level", "choose straightforward, low, moderate or high")
        if note is not None and len(note) > 2000:
            raise ValidationFailed("note", "keep it under 2,000 characters")
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            if on is not None and on > _local_day(tx.now):
                raise ValidationFailed("on", "cannot be in the future")
            entry = TimelineEntry(
                patient_id=patient_id,
                kind=MDM_KIND,
                at=tx.now if on is None else _noon_utc(on),
                author_id=self.desk.user.id,
                summary=f"Medical decision making for chronic care management: {level}",
                body=note,
                outcome=level,
            )
            add_audited(
                tx,
                "timeline.mdm",
                entry,
                kind="timeline",
                patient_id=patient_id,
                fields={"outcome", "at"},
            )
            return Outcome(TimelineRead.model_validate(entry), tx.changes)
