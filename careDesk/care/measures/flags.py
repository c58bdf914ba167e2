"""Flags raised from measurements, each with its reason and source (``measures.json`` ``flags``).

- Blood pressure 180 or more systolic, or 120 or more diastolic (AHA hypertensive crisis): urgent.
- Heart failure: a gain of 3 lb in a day or 5 lb in a week (the heart-failure template's rule,
  AHA "Warning signs of heart failure"): urgent. "In a day" compares with the lowest weight of
  the same or the previous calendar day, "in a week" of the 7 calendar days before.
- Potassium 6.5 mmol/L or more (severe, UK Kidney Association 2023): urgent; 5.5–6.4: warning.
- eGFR down 25 % or more from the baseline (the earliest eGFR of the 12 months before) into a
  worse GFR category (KDIGO 2012, recommendation 2.1.3): warning.
- A1c up 1 point or more over the previous A1c of the 12 months before (careDesk's choice):
  warning.

:func:`evaluate` finds every flag in a patient's series (the Measures tab shows the history).
A measurement added or changed in a write raises its flag as a chart alert — and, when urgent,
a same-day call — in the same transaction (:func:`raise_new_flags`, a ``Desk.before_commit``
hook that runs before the risk refresh), but only when it was taken within the flag's
``recent_days`` (an old value imported today is history, not news). The alert and call ids
derive from the flag and the measurement (RFC 9562 §5.5 name-based), so a re-import or a sync
never raises them twice; their fields derive from the measurement, so two workstations raising
the same flag make the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from careDesk.care.measures.catalog import FlagRule, catalog
from careDesk.care.measures.series import CHUNK, Point, Series, patient_series
from careDesk.care.measures.units import convert
from careDesk.model.assessment import Alert
from careDesk.model.base import aware, stable_id
from careDesk.model.clinical import Condition, Observation
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp

if TYPE_CHECKING:
    from careDesk.desk import Tx

ORIGIN = "measure_flag"
# KDIGO 2012 GFR categories (lower bound of each, mL/min/1.73 m²): G1, G2, G3a, G3b, G4, G5.
GFR_CATEGORIES = ((90, "G1"), (60, "G2"), (45, "G3a"), (30, "G3b"), (15, "G4"), (0, "G5"))


@dataclass(frozen=True)
class Flag:
    """A flag on one measurement: why, how urgent, and the published source."""

    key: str
    title: str
    severity: str
    at: datetime
    record_ids: tuple[str, ...]
    reason: str
    source: str


def gfr_category(egfr: float) -> str:
    """The KDIGO 2012 GFR category of an eGFR value."""
    return next(name for low, name in GFR_CATEGORIES if egfr >= low)


def _checked(points: Sequence[Point]) -> list[Point]:
    """Points with a number in the series' unit (a BP with one of two numbers still counts)."""
    return [p for p in points if p.value is not None or p.value2 is not None]


def _flag(rule: FlagRule, series: Series, p: Point, **facts: object) -> Flag:
    words = rule.reason.format(
        value=series.format(p) if p.value is not None else p.raw, date=f"{p.at:%Y-%m-%d}", **facts
    )
    return Flag(rule.key, rule.title, rule.severity, p.at, p.record_ids, words, rule.source)


def _at_or_above(rule: FlagRule, series: Series) -> list[Flag]:
    found = []
    for p in _checked(series.points):
        first = p.value is not None and rule.value is not None and p.value >= rule.value
        second = p.value2 is not None and rule.value2 is not None and p.value2 >= rule.value2
        under = rule.below is None or (p.value is not None and p.value < rule.below)
        if (first or second) and under:
            found.append(_flag(rule, series, p))
    return found


def _gain(rule: FlagRule, series: Series) -> list[Flag]:
    assert series.measure is not None and rule.day_lb is not None and rule.week_lb is not None
    points = series.usable()
    found = []
    for i, p in enumerate(points):
        assert p.value is not None
        for days, limit, span in ((1, rule.day_lb, "in a day"), (7, rule.week_lb, "in a week")):
            before = [q.value for q in points[:i] if 0 <= (p.at.date() - q.at.date()).days <= days]
            if not before:
                continue
            gain_kg = p.value - min(v for v in before if v is not None)
            gain_lb = convert(series.measure, gain_kg, "kg", "lb")
            if gain_lb >= limit - 1e-9:
                found.append(_flag(rule, series, p, gain=f"{gain_lb:.1f}", span=span))
                break
    return found


def _earlier(points: list[Point], i: int, days: int | None) -> list[Point]:
    p = points[i]
    window = timedelta(days=days or 365)
    return [q for q in points[:i] if p.at - window <= q.at < p.at]


def _drop_percent(rule: FlagRule, series: Series) -> list[Flag]:
    points, found = series.usable(), []
    for i, p in enumerate(points):
        before = _earlier(points, i, rule.baseline_days)
        if not before or p.value is None or before[0].value is None or before[0].value <= 0:
            continue
        base = before[0]
        assert base.value is not None and rule.value is not None
        drop = (base.value - p.value) / base.value * 100
        worse = gfr_category(p.value) != gfr_category(base.value) and p.value < base.value
        if drop >= rule.value and worse:
            found.append(
                _flag(
                    rule,
                    series,
                    p,
                    drop=f"{drop:.0f}",
                    baseline=series.format(base),
                    baseline_date=f"{base.at:%Y-%m-%d}",
                )
            )
    return found


def _rise(rule: FlagRule, series: Series) -> list[Flag]:
    points, found = series.usable(), []
    for i, p in enumerate(points):
        before = _earlier(points, i, rule.baseline_days)
        if not before or p.value is None or before[-1].value is None or rule.value is None:
            continue
        prev = before[-1]
        assert prev.value is not None
        rise = p.value - prev.value
        if rise >= rule.value - 1e-9:
            found.append(
                _flag(
                    rule,
                    series,
                    p,
                    rise=f"{rise:.1f}",
                    baseline=series.format(prev),
                    baseline_date=f"{prev.at:%Y-%m-%d}",
                )
            )
    return found


_RULES = {"at_or_above": _at_or_above, "gain": _gain, "drop_percent": _drop_percent, "rise": _rise}


def evaluate(found: Sequence[Series], *, heart_failure: bool) -> list[Flag]:
    """Every flag in a patient's series, oldest first."""
    by_key = {s.measure.key: s for s in found if s.measure is not None}
    flags: list[Flag] = []
    for rule in catalog().flags:
        series = by_key.get(rule.measure)
        if series is None or (rule.condition_template and not heart_failure):
            continue
        flags += _RULES[rule.rule](rule, series)
    flags.sort(key=lambda f: (f.at, f.key))
    return flags


def has_heart_failure(codes: Sequence[tuple[str | None, str | None]]) -> bool:
    """Whether any active condition is one the heart-failure template is for (one home for the
    codes: ``careDesk/care/templates/data/heart_failure.json``)."""
    from careDesk.care.templates.loader import shipped

    spec = shipped()["heart_failure"].conditions
    prefixes = tuple(c.replace(".", "").upper() for c in spec.icd10)
    for icd10, snomed in codes:
        code = (icd10 or "").replace(".", "").upper()
        if (code and code.startswith(prefixes)) or (snomed or "") in spec.snomed:
            return True
    return False


# ----- raising alerts in the transaction that stored the measurement --------------------------
def flag_ids(flag: Flag) -> tuple[str, str]:
    """The alert and follow-up ids of a flag (the same on every workstation)."""
    anchor = "|".join(sorted(flag.record_ids))
    return stable_id(ORIGIN, flag.key, "alert", anchor), stable_id(ORIGIN, flag.key, "call", anchor)


def _changed_observations(tx: Tx) -> dict[str, set[str]]:
    """Observation ids this transaction added or changed, by patient."""
    ids = sorted(tx.changes.record_ids)
    found: dict[str, set[str]] = {}
    for start in range(0, len(ids), CHUNK):
        q = select(col(Observation.id), col(Observation.patient_id)).where(
            col(Observation.id).in_(ids[start : start + CHUNK]),
            col(Observation.deleted_at).is_(None),
        )
        for oid, pid in tx.session.execute(q):
            found.setdefault(pid, set()).add(oid)
    return found


def _codes(tx: Tx, patient_id: str) -> list[tuple[str | None, str | None]]:
    q = select(col(Condition.icd10), col(Condition.snomed)).where(
        col(Condition.patient_id) == patient_id,
        col(Condition.deleted_at).is_(None),
        col(Condition.status) == "active",
    )
    return [(i, s) for i, s in tx.session.execute(q)]


def raise_new_flags(tx: Tx) -> int:
    """``Desk.before_commit`` hook: alerts (and same-day calls) for flags on the measurements
    this transaction stored; returns how many alerts it raised."""
    if "observation" not in tx.changes.kinds:
        return 0
    raised = 0
    for pid, new in _changed_observations(tx).items():
        patient = tx.session.get(Patient, pid)
        if patient is None or patient.deleted_at is not None:
            continue
        flags = evaluate(
            patient_series(tx.session, pid), heart_failure=has_heart_failure(_codes(tx, pid))
        )
        for flag in flags:
            rule = next(r for r in catalog().flags if r.key == flag.key)
            recent = tx.now - aware(flag.at) <= timedelta(days=rule.recent_days)
            if recent and new & set(flag.record_ids):
                raised += _raise(tx, patient, flag)
    return raised


def _raise(tx: Tx, patient: Patient, flag: Flag) -> int:
    alert_id, call_id = flag_ids(flag)
    if tx.session.get(Alert, alert_id) is not None:
        return 0
    rows = [o for o in (tx.session.get(Observation, i) for i in flag.record_ids) if o]
    created = max((aware(o.created_at) for o in rows), default=tx.now)
    recorder = next((o.changed_by for o in rows if o.changed_by), None)
    alert = Alert(
        id=alert_id,
        patient_id=patient.id,
        kind=f"{ORIGIN}:{flag.key}"[:40],
        severity=flag.severity,
        message=flag.reason[:300],
        raised_at=created,
    )
    tx.add(alert, kind="alert", patient_id=patient.id)
    alert.created_at = created
    if flag.severity == "urgent" and tx.session.get(FollowUp, call_id) is None:
        call = FollowUp(
            id=call_id,
            patient_id=patient.id,
            kind="call",
            title=f"Same-day call: {flag.title} on {flag.at:%Y-%m-%d}"[:200],
            due_at=created,
            assignee_id=patient.coordinator_id or recorder or tx.desk.user.id,
            urgent=True,
            origin=ORIGIN,
        )
        tx.add(call, kind="follow_up", patient_id=patient.id)
        call.created_at = created
    tx.audit(
        "measure.flag",
        entity="alert",
        entity_id=alert_id,
        patient_id=patient.id,
        detail={"flag": flag.key, "severity": flag.severity},
    )
    return 1
