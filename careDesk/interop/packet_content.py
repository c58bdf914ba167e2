"""What goes into a referral packet, gathered as plain rows of text (rendering is separate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from careDesk.handouts.phrases import phrasebook
from careDesk.handouts.safe_words import Context
from careDesk.handouts.wording import plain
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import Record, utcnow
from careDesk.model.clinical import Allergy, Condition, Medication, Observation
from careDesk.model.patient import Patient
from careDesk.model.plan import CarePlan, Goal
from careDesk.model.referral import Referral
from careDesk.model.team import CareTeamMember

R = TypeVar("R", bound=Record)
RECENT_RESULTS = 15
Section = tuple[str, list[str], list[list[str]]]


@dataclass
class PacketContent:
    """The heading lines and the titled tables of a packet."""

    clinic: str
    heading: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def schedule_words(m: Medication) -> str:
    """The schedule in plain words (no Latin abbreviations: Joint Commission "Do Not Use")."""
    if m.every_hours:
        words = f"every {m.every_hours} hours"
    elif m.slots:
        words = ", ".join(m.slots.split(","))
    elif m.times_per_day:
        words = f"{m.times_per_day} times a day"
    else:
        words = ""
    if m.as_needed:
        need = f"only when needed for {m.as_needed_for}" if m.as_needed_for else "only when needed"
        words = f"{words}; {need}" if words else need
    return words


def _medicine_row(m: Medication) -> list[str]:
    """Name, dose and when, in safe words: no Joint Commission "Do Not Use" or ISMP error-prone
    form reaches the packet (careDesk.handouts.safe_words; refused with the field named)."""
    book = phrasebook("en")
    context = Context(medicine=True, ingredient=m.ingredient or "")
    name = plain(book, m.name, field="medicine name", context=context)
    return [name, plain(book, m.dose, field="medicine dose", context=context), schedule_words(m)]


def _rows(
    session: Session, model: type[R], patient_id: str, *where: Any, order: Any = None
) -> list[R]:
    query = select(model).where(
        col(model.patient_id) == patient_id,  # type: ignore[attr-defined]
        col(model.deleted_at).is_(None),
        *where,
    )
    if order is not None:
        query = query.order_by(order)
    return list(session.exec(query).all())


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _reason(session: Session, pid: str) -> Section:
    open_refs = _rows(
        session,
        Referral,
        pid,
        col(Referral.state) != "closed",
        order=col(Referral.created_at).desc(),
    )
    rows = [[r.to_name, r.specialty or "", r.urgency, r.reason] for r in open_refs]
    return ("Reason for referral", ["To", "Specialty", "Urgency", "Reason"], rows)


def _results(session: Session, pid: str) -> Section:
    latest: dict[str, Observation] = {}
    for o in _rows(session, Observation, pid, order=col(Observation.effective).desc()):
        key = o.loinc or o.display
        if key not in latest and len(latest) < RECENT_RESULTS:
            latest[key] = o
    rows = []
    for o in latest.values():
        value = (
            f"{o.value:g} {o.unit or ''}".strip() if o.value is not None else (o.value_text or "")
        )
        rows.append([o.display, value, _day(o.effective)])
    for s in _rows(session, ScreenerResult, pid, order=col(ScreenerResult.taken_at).desc())[:4]:
        rows.append(
            [
                s.instrument.upper().replace("_", "-"),
                f"{s.total if s.total is not None else ''} {s.band or ''}".strip(),
                _day(s.taken_at),
            ]
        )
    return ("Recent results", ["Test", "Result", "Date"], rows)


def _plan(session: Session, pid: str) -> Section:
    plans = _rows(session, CarePlan, pid, col(CarePlan.status) == "active")
    plan_ids = {p.id for p in plans}
    rows = []
    for g in _rows(session, Goal, pid, col(Goal.status) == "active", order=col(Goal.position)):
        if g.plan_id in plan_ids:
            target = " ".join(x for x in (g.measure, g.target) if x)
            rows.append([g.description, target, _day(g.due_date)])
    return ("Care plan goals", ["Goal", "Target", "Due"], rows)


def _codes(c: Condition) -> str:
    return " ".join(x for x in (c.icd10, f"SNOMED {c.snomed}" if c.snomed else None) if x)


def gather(session: Session, patient: Patient, *, clinic: str = "") -> PacketContent:
    """Everything a partner needs, newest first where order matters."""
    pid = patient.id
    content = PacketContent(clinic=clinic)
    content.heading = [
        f"Patient: {patient.given_name} {patient.family_name}",
        f"Born: {_day(patient.birth_date)}   MRN: {patient.mrn}   Language: {patient.language}",
        f"Phone: {patient.phone or 'not recorded'}",
        f"Prepared {_day(utcnow())}" + (f" by {clinic}" if clinic else ""),
    ]
    conditions = _rows(
        session, Condition, pid, col(Condition.status) == "active", order=col(Condition.onset)
    )
    meds = _rows(
        session, Medication, pid, col(Medication.status) == "active", order=col(Medication.name)
    )
    allergies = _rows(session, Allergy, pid, col(Allergy.status) == "active")
    team = _rows(session, CareTeamMember, pid, order=col(CareTeamMember.lead).desc())
    problems = [[c.display, _codes(c), _day(c.onset)] for c in conditions]
    medicines = [_medicine_row(m) for m in meds]
    allergy_rows = [[a.substance, a.reaction or "", a.severity or ""] for a in allergies]
    contacts = [
        [t.name + (" (lead)" if t.lead else ""), t.role, t.phone or "", t.email or ""] for t in team
    ]
    content.sections = [
        _reason(session, pid),
        ("Problems", ["Condition", "Codes", "Since"], problems),
        ("Medicines", ["Medicine", "Dose", "When"], medicines),
        ("Allergies", ["Substance", "Reaction", "Severity"], allergy_rows),
        _results(session, pid),
        _plan(session, pid),
        ("Care team", ["Name", "Role", "Phone", "E-mail"], contacts),
    ]
    return content
