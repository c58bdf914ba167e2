"""Coordination checks (``desk.coordination``): duplicate work and conflicting medicines.

Warnings users asked for (docs/clinical-sources.md#coordination-safeguards): a planned test or
visit that repeats one done within its
usual interval (``coordination_intervals.json``); two active medications sharing an ingredient
from different prescribers; two active instructions giving different doses of the same
medicine. Each warning names both of its sources so the coordinator can act on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from itertools import combinations
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from careDesk.care.risk.priority import aware
from careDesk.model.base import utcnow
from careDesk.model.clinical import Medication, Observation
from careDesk.model.plan import Activity
from careDesk.model.schedule import Appointment
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

OPEN_ACTIVITY = ("planned", "in_progress")
DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*(mcg|mg|g|ml|units?|iu)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """One side of a warning: what record it is and how a person would recognise it."""

    kind: str  # activity, observation, appointment, medication
    id: str
    label: str


@dataclass(frozen=True)
class CoordinationWarning:
    """A coordination problem, naming both records involved."""

    kind: str  # repeat_test, repeat_visit, same_ingredient, dose_conflict
    message: str
    first: Source
    second: Source


@cache
def intervals() -> dict[str, Any]:
    """Usual intervals by LOINC (tests) and by phrase (visits), loaded once."""
    text = resources.files("careDesk.care").joinpath("coordination_intervals.json")
    data: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return data


def _planned_day(activity: Activity, today: date) -> date:
    return activity.due_date or today


def _repeat_tests(
    acts: list[Activity], obs: list[Observation], today: date
) -> list[CoordinationWarning]:
    usual = {t["loinc"]: t for t in intervals()["tests"]}
    out: list[CoordinationWarning] = []
    for act in acts:
        rule = usual.get(act.test_code or "")
        if act.kind != "test" or rule is None:
            continue
        done = [o for o in obs if o.loinc == act.test_code]
        if not done:
            continue
        last = max(done, key=lambda o: aware(o.effective))
        gap = (_planned_day(act, today) - aware(last.effective).date()).days
        if gap < rule["days"]:
            out.append(
                CoordinationWarning(
                    "repeat_test",
                    f'{rule["name"]} planned in "{act.description}" was already done on '
                    f'{aware(last.effective).date().isoformat()} ("{last.display}"), '
                    f"within its usual {rule['days']}-day interval.",
                    Source("activity", act.id, act.description),
                    Source("observation", last.id, last.display),
                )
            )
    return out


def _visit_rule(text: str) -> dict[str, Any] | None:
    lowered = text.lower()
    return next((v for v in intervals()["visits"] if v["match"] in lowered), None)


def _appointment_label(a: Appointment) -> str:
    return " - ".join(x for x in (a.purpose, a.with_whom) if x) or "appointment"


def _repeat_visits(
    acts: list[Activity], visits: list[Appointment], now: datetime
) -> list[CoordinationWarning]:
    out: list[CoordinationWarning] = []
    for act in acts:
        rule = _visit_rule(f"{act.description} {act.patient_words or ''}")
        if act.kind != "appointment" or rule is None:
            continue
        same = [
            v
            for v in visits
            if _visit_rule(_appointment_label(v)) == rule and aware(v.starts_at) <= now
        ]
        if not same:
            continue
        last = max(same, key=lambda v: aware(v.starts_at))
        when = aware(last.starts_at).date()
        if (_planned_day(act, now.date()) - when).days < rule["days"]:
            out.append(
                CoordinationWarning(
                    "repeat_visit",
                    f'{rule["name"]} planned in "{act.description}" repeats the visit on '
                    f'{when.isoformat()} ("{_appointment_label(last)}"), within its usual '
                    f"{rule['days']}-day interval.",
                    Source("activity", act.id, act.description),
                    Source("appointment", last.id, _appointment_label(last)),
                )
            )
    return out


def _ingredient(med: Medication) -> str:
    return (med.ingredient or med.name).strip().lower()


def _med_label(med: Medication) -> str:
    dose = f" {med.dose}" if med.dose else ""
    who = f" (prescribed by {med.prescriber})" if med.prescriber else ""
    return f"{med.name}{dose}{who}"


def _dose_of(med: Medication) -> tuple[float, str] | None:
    if med.dose_amount is not None and med.dose_unit:
        return (float(med.dose_amount), med.dose_unit.strip().lower())
    return _parse_dose(med.dose or "")


def _parse_dose(text: str) -> tuple[float, str] | None:
    found = DOSE.search(text)
    if found is None:
        return None
    unit = found.group(2).lower()
    return (float(found.group(1)), "unit" if unit.startswith("unit") else unit)


def _medicine_pairs(meds: list[Medication]) -> list[CoordinationWarning]:
    out: list[CoordinationWarning] = []
    for a, b in combinations(meds, 2):
        if _ingredient(a) != _ingredient(b):
            continue
        first, second = (
            Source("medication", a.id, _med_label(a)),
            Source("medication", b.id, _med_label(b)),
        )
        pa, pb = (a.prescriber or "").strip().lower(), (b.prescriber or "").strip().lower()
        if pa and pb and pa != pb:
            out.append(
                CoordinationWarning(
                    "same_ingredient",
                    f"{first.label} and {second.label} both contain {_ingredient(a)}, "
                    "from different prescribers.",
                    first,
                    second,
                )
            )
        da, db = _dose_of(a), _dose_of(b)
        if da and db and da != db:
            out.append(
                CoordinationWarning(
                    "dose_conflict",
                    f"Two active instructions give different doses of {_ingredient(a)}: "
                    f"{first.label} and {second.label}.",
                    first,
                    second,
                )
            )
    return out


def _plan_doses(acts: list[Activity], meds: list[Medication]) -> list[CoordinationWarning]:
    by_id = {m.id: m for m in meds}
    out: list[CoordinationWarning] = []
    for act in acts:
        med = by_id.get(act.medication_id or "")
        if act.kind != "medication" or med is None:
            continue
        planned = _parse_dose(f"{act.description} {act.patient_words or ''}")
        current = _dose_of(med)
        if planned and current and planned != current:
            out.append(
                CoordinationWarning(
                    "dose_conflict",
                    f'The plan says "{act.description}" but the medication list has '
                    f"{_med_label(med)}: different doses of {_ingredient(med)}.",
                    Source("activity", act.id, act.description),
                    Source("medication", med.id, _med_label(med)),
                )
            )
    return out


def check(session: Session, patient_id: str, now: datetime) -> list[CoordinationWarning]:
    """Every coordination warning for one patient, as of ``now``."""

    def rows(model: Any, *where: Any) -> list[Any]:
        query = select(model).where(
            model.patient_id == patient_id, col(model.deleted_at).is_(None), *where
        )
        return list(session.exec(query))

    acts = rows(Activity, col(Activity.status).in_(OPEN_ACTIVITY))
    meds = rows(Medication, Medication.status == "active")
    obs = rows(Observation, col(Observation.loinc).is_not(None))
    visits = rows(Appointment, col(Appointment.status).in_(("completed", "scheduled")))
    return [
        *_repeat_tests(acts, obs, now.date()),
        *_repeat_visits(acts, visits, now),
        *_medicine_pairs(meds),
        *_plan_doses(acts, meds),
    ]


class Coordination:
    """Coordination safeguards on the desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def warnings(
        self, patient_id: str, *, now: datetime | None = None
    ) -> list[CoordinationWarning]:
        """The patient's coordination warnings (duplicate work, conflicting medicines)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return check(session, patient_id, now or utcnow())
