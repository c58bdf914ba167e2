"""Repeated visits: a planned visit that repeats one done within its usual interval."""

from __future__ import annotations

from datetime import datetime

from careDesk.care.coordination.findings import CoordinationWarning, Source
from careDesk.care.coordination.repeat_tests import planned_day
from careDesk.care.coordination.tables import VisitInterval, intervals
from careDesk.model.base import aware
from careDesk.model.plan import Activity
from careDesk.model.schedule import Appointment


def _visit_rule(text: str) -> VisitInterval | None:
    lowered = text.lower()
    return next((v for v in intervals().visits if v.match in lowered), None)


def _appointment_label(a: Appointment) -> str:
    return " - ".join(x for x in (a.purpose, a.with_whom) if x) or "appointment"


def repeat_visits(
    acts: list[Activity], visits: list[Appointment], now: datetime
) -> list[CoordinationWarning]:
    """Planned visits (appointment activities) repeating a past visit of the same kind."""
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
        if (planned_day(act, now.date()) - when).days < rule.days:
            out.append(
                CoordinationWarning(
                    "repeat_visit",
                    f'{rule.name} planned in "{act.description}" repeats the visit on '
                    f'{when.isoformat()} ("{_appointment_label(last)}"), within its usual '
                    f"{rule.days}-day interval.",
                    Source("activity", act.id, act.description),
                    Source("appointment", last.id, _appointment_label(last)),
                )
            )
    return out
