"""A patient's care at a glance (``desk.summaries``): what the chart's Summary tab shows first.

Problems, medicines (with the count), allergies, the latest measures and screener scores, open
follow-ups, the care plan's goals, the risk reasons explained (``care/risk/explain.py``) and the
care team, as plain lines. Read in one short transaction; the transition summary for the next
provider (``care/transition_summary.py``) is built beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from careDesk.care.instruments.catalog import short_name
from careDesk.care.risk.engine import scores_by_name
from careDesk.care.risk.explain import explain
from careDesk.care.verb_kit import live
from careDesk.model.assessment import ScreenerResult
from careDesk.model.clinical import Allergy, Condition, Medication, Observation
from careDesk.model.patient import Patient
from careDesk.model.plan import CarePlan, Goal
from careDesk.model.referral import Referral
from careDesk.model.risk import RiskScore
from careDesk.model.schedule import FollowUp
from careDesk.model.team import CareTeamMember
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

ACTIVE_CONDITIONS = ("active", "recurrence", "relapse")
RECENT_MEASURES = 8


@dataclass(frozen=True)
class CareSummary:
    """A chart's summary as plain lines, one list per part (empty = nothing recorded)."""

    patient_id: str
    problems: list[str]
    medicines: list[str]
    allergies: list[str]
    measures: list[str]
    follow_ups: list[str]
    goals: list[str]
    referrals: list[str]
    reasons: list[str]
    care_team: list[str]

    @property
    def medicine_count(self) -> int:
        return len(self.medicines)


def _day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone():%Y-%m-%d}"
    return f"{value:%Y-%m-%d}" if value else ""


def live_rows(
    session: Session, table: Any, patient_id: str, *where: Any, order: Any = None
) -> list[Any]:
    """A patient's rows of ``table`` that are not removed, filtered and ordered."""
    query = select(table).where(
        table.patient_id == patient_id, col(table.deleted_at).is_(None), *where
    )
    return list(session.exec(query.order_by(order) if order is not None else query))


def medicine_line(m: Medication) -> str:
    """ "Metformin 500 mg — morning, evening — for blood sugar" (as recorded)."""
    when = ", ".join(s for s in m.slots.split(",") if s) or (
        f"every {m.every_hours} hours" if m.every_hours else ""
    )
    if m.as_needed:
        when = f"{when}; only when needed" if when else "only when needed"
    parts = [" ".join(x for x in (m.name, m.dose) if x), when, m.purpose or ""]
    return " — ".join(p for p in parts if p)


def allergy_line(a: Allergy) -> str:
    """ "Penicillin — hives (severe)"."""
    reaction = " ".join(x for x in (a.reaction, f"({a.severity})" if a.severity else None) if x)
    return f"{a.substance} — {reaction}" if reaction else a.substance


def _measures(session: Session, pid: str) -> list[str]:
    latest: dict[str, Observation] = {}
    order = col(Observation.effective).desc()
    for o in live_rows(session, Observation, pid, order=order):
        if len(latest) >= RECENT_MEASURES:
            break
        latest.setdefault(o.loinc or o.display, o)
    lines = []
    for o in latest.values():
        value = f"{o.value:g} {o.unit or ''}".strip() if o.value is not None else o.value_text
        lines.append(f"{o.display} {value or ''} on {_day(o.effective)}".replace("  ", " "))
    seen: set[str] = set()
    for s in live_rows(session, ScreenerResult, pid, order=col(ScreenerResult.taken_at).desc()):
        if s.instrument in seen or s.total is None:
            continue
        seen.add(s.instrument)
        band = f" ({s.band})" if s.band else ""
        lines.append(f"{short_name(s.instrument)} {s.total}{band} on {_day(s.taken_at)}")
    return lines


def latest_plan_goals(session: Session, pid: str) -> list[Goal]:
    """The goals of the active care plan, or of the latest completed one (after a hand-over the
    plan is completed, and its goals are what the next provider needs)."""
    plans = live_rows(session, CarePlan, pid, col(CarePlan.status).in_(("active", "completed")))
    if not plans:
        return []
    plan = max(plans, key=lambda p: (p.status == "active", p.updated_at))
    return live_rows(session, Goal, pid, col(Goal.plan_id) == plan.id, order=col(Goal.position))


def goal_line(g: Goal) -> str:
    target = " ".join(x for x in (g.measure, g.target) if x)
    due = f" by {_day(g.due_date)}" if g.due_date else ""
    state = "" if g.status == "active" else f" [{g.status.replace('_', ' ')}]"
    return f"{g.description}{' — ' + target if target else ''}{due}{state}"


def referral_line(r: Referral) -> str:
    to = " ".join(x for x in (r.to_name, f"({r.specialty})" if r.specialty else None) if x)
    return f"{to}: {r.reason} — {r.state.replace('_', ' ')}, {r.urgency}"


def team_line(t: CareTeamMember) -> str:
    contact = " · ".join(x for x in (t.phone, t.email) if x)
    lead = " (lead)" if t.lead else ""
    return f"{t.name}{lead}, {t.role}" + (f" — {contact}" if contact else "")


def _reasons(session: Session, pid: str) -> list[str]:
    risk = session.get(RiskScore, pid)
    if risk is None:
        return []
    words = [e.text() for e in explain(scores_by_name(risk), risk.lace_discharged)]
    return words + [str(r) for r in json.loads(risk.reasons or "[]")]


def care_summary(session: Session, patient: Patient) -> CareSummary:
    """Everything the Summary tab shows, read in ``session``."""
    pid = patient.id
    conditions = live_rows(
        session, Condition, pid, col(Condition.status).in_(ACTIVE_CONDITIONS),
        order=col(Condition.display),
    )  # fmt: skip
    medicines = live_rows(
        session, Medication, pid, col(Medication.status) == "active", order=col(Medication.name)
    )
    allergies = live_rows(
        session, Allergy, pid, col(Allergy.status) == "active", order=col(Allergy.substance)
    )
    follow_ups = live_rows(
        session, FollowUp, pid, col(FollowUp.status) == "open", order=col(FollowUp.due_at)
    )
    referrals = live_rows(
        session, Referral, pid, col(Referral.state) != "closed", order=col(Referral.created_at)
    )
    team = live_rows(session, CareTeamMember, pid, order=col(CareTeamMember.lead).desc())
    return CareSummary(
        patient_id=pid,
        problems=[c.display + (f" ({c.icd10})" if c.icd10 else "") for c in conditions],
        medicines=[medicine_line(m) for m in medicines],
        allergies=[allergy_line(a) for a in allergies],
        measures=_measures(session, pid),
        follow_ups=[f"{_day(f.due_at)}: {f.title}" for f in follow_ups],
        goals=[goal_line(g) for g in latest_plan_goals(session, pid)],
        referrals=[referral_line(r) for r in referrals],
        reasons=_reasons(session, pid),
        care_team=[team_line(t) for t in team],
    )


class Summaries:
    """The chart summary and the transition summary (``desk.summaries``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def for_patient(self, patient_id: str) -> CareSummary:
        """The patient's care at a glance (read; the chart open itself is what is audited)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return care_summary(session, live(session, Patient, patient_id, "patient"))

    def save_transition_summary(self, patient_id: str, out: Path) -> Path:
        """Write the printable transition summary for the next provider to ``out`` (a PDF;
        audited as ``export.transition_summary``)."""
        from careDesk.care.transition_summary import save_transition_summary

        return save_transition_summary(self.desk, patient_id, out)
