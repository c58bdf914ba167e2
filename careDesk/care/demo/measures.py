"""Measurement series for the demo: visits over the last months, trends toward (or away from)
each goal, daily weights for heart failure, and the flags real rules find in them.

Each patient with high blood pressure, diabetes, kidney disease, heart failure or high
cholesterol gets readings at a plausible cadence (clinic visits every 4–8 weeks for blood
pressure, A1c every 3 months, eGFR every 6 months, daily home weights for the last two weeks in
heart failure); other patients a blood pressure and weight at two visits. A trajectory is drawn
per patient (improving, flat, worsening), so the registry and goal progress have every state
to show. Flags on the generated values come from the real rules (``careDesk.care.measures.
flags.evaluate``); recent ones become the same alerts and same-day calls the app raises.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from careDesk.care.demo.context import Draft
from careDesk.care.measures.catalog import catalog
from careDesk.care.measures.flags import Flag, evaluate, flag_ids
from careDesk.care.measures.series import Reading, build_series
from careDesk.model.assessment import Alert
from careDesk.model.clinical import Observation
from careDesk.model.schedule import FollowUp

BP_PANEL = "85354-9"
# LOINC code, name and unit of each demo value (the series careDesk names in measures.json).
CODES = {
    "systolic": ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "diastolic": ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "weight": ("29463-7", "Body weight", "kg"),
    "a1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%"),
    "egfr": ("33914-3", "Glomerular filtration rate/1.73 sq M.predicted", "mL/min/{1.73_m2}"),
    "ldl": ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma", "mg/dL"),
    "potassium": ("6298-4", "Potassium [Moles/volume] in Blood", "mmol/L"),
}
HEART_FAILURE = "chf"


class _Series:
    """The readings drawn for one patient (kept to run the flag rules on them)."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.readings: list[Reading] = []

    def add(self, kind: str, value: float, at: datetime, panel: str | None = None) -> None:
        loinc, display, unit = CODES[kind]
        row_id = self.draft.new_id()
        self.draft.out.add(
            Observation,
            id=row_id,
            patient_id=self.draft.id,
            loinc=loinc,
            display=display,
            value=value,
            unit=unit,
            effective=at,
            panel=panel,
        )
        self.readings.append(Reading(row_id, loinc, display, value, unit, at, panel))


def _trend(draft: Draft) -> float:
    """How the values move per month: improving (−), flat, or worsening (+)."""
    return float(draft.pick((-1.0, -1.0, -0.6, 0.0, 0.0, 0.5)))


def _visits(draft: Draft, count: int, every: int) -> list[datetime]:
    clinic = draft.clinic
    first = 5 + int(draft.rng.random() * 20)
    days = [first + i * every + int(draft.rng.uniform(-6, 6)) for i in range(count)]
    return sorted(clinic.at(clinic.day(-max(1, d)), 9 + int(draft.rng.random() * 7)) for d in days)


def _blood_pressure(draft: Draft, s: _Series, high: bool, weight: float) -> None:
    """Visits every ~5 weeks (high blood pressure) or twice a year; the latest level is drawn,
    older readings lie on the patient's trend back from it."""
    visits = _visits(draft, 7 if high else 2, 38 if high else 120)
    trend, gauss = _trend(draft), draft.rng.gauss
    last_s = gauss(133, 11) if high else gauss(122, 8)
    last_d = gauss(80, 7) if high else gauss(75, 6)
    n = len(visits)
    for i, at in enumerate(visits):
        months_back = (n - 1 - i) * 1.25
        systolic = round(last_s - trend * 3 * months_back + gauss(0, 4))
        if high and i == n - 1 and draft.chance(0.03):
            systolic = 182 + int(draft.rng.random() * 14)  # a crisis reading now and then
        diastolic = round(min(systolic - 25, last_d - trend * months_back + gauss(0, 3)))
        s.add("systolic", systolic, at, BP_PANEL)
        s.add("diastolic", diastolic, at, BP_PANEL)
        s.add("weight", round(weight + gauss(0, 0.8), 1), at)


def _a1c(draft: Draft, s: _Series) -> None:
    """Every 3 months; the latest level is drawn, older values lie on the trend back from it."""
    latest, trend = draft.rng.gauss(7.9, 1.1), _trend(draft)
    for i, at in enumerate(_visits(draft, 4, 91)):
        quarters_back = 3 - i
        value = latest - trend * 0.35 * quarters_back + draft.rng.gauss(0, 0.15)
        s.add("a1c", round(max(5.2, value), 1), at)


def _kidney(draft: Draft, s: _Series, heart: bool) -> None:
    base = draft.rng.gauss(46, 8)
    falls = draft.chance(0.12)  # now and then a drop KDIGO calls certain
    visits = _visits(draft, 3, 170)
    for i, at in enumerate(visits):
        value = base - (0 if not falls or i < len(visits) - 1 else base * 0.3)
        s.add("egfr", round(max(12.0, value + draft.rng.gauss(0, 2))), at)
        high = draft.chance(0.08 if heart else 0.04)
        s.add(
            "potassium",
            round(draft.rng.uniform(5.5, 5.9) if high else draft.rng.gauss(4.4, 0.3), 1),
            at,
        )


def _daily_weights(draft: Draft, s: _Series, weight: float) -> None:
    """Heart failure: a home weight each morning for two weeks; some gain fluid at the end."""
    clinic = draft.clinic
    gaining = draft.chance(0.15)
    for day in range(14, 0, -1):
        extra = 1.6 * (3 - day) if gaining and day <= 2 else 0.0  # about 3.5 lb a day
        at = clinic.at(clinic.day(-day), 7, int(draft.rng.random() * 40))
        s.add("weight", round(weight + extra + draft.rng.gauss(0, 0.25), 1), at)


def _ldl(draft: Draft, s: _Series) -> None:
    base = draft.rng.gauss(118, 25)
    for i, at in enumerate(_visits(draft, 2, 200)):
        s.add("ldl", round(max(40.0, base - i * draft.rng.uniform(0, 25))), at)


def observations(draft: Draft) -> None:
    """Queue the patient's measurement series and the alerts for recent flags in them."""
    keys = {c.key for c in draft.conditions}
    wanted = {o for c in draft.conditions for o in c.observations}
    s = _Series(draft)
    weight = (72.0 if draft.sex == "female" else 86.0) + (24.0 if "obesity" in keys else 0.0)
    weight += draft.rng.gauss(0, 9)
    _blood_pressure(draft, s, "htn" in keys, weight)
    if "a1c" in wanted:
        _a1c(draft, s)
    elif "prediabetes" in keys:
        s.add("a1c", round(draft.rng.gauss(6.0, 0.2), 1), _visits(draft, 1, 1)[0])
    if "egfr" in wanted or HEART_FAILURE in keys:
        _kidney(draft, s, HEART_FAILURE in keys)
    if HEART_FAILURE in keys:
        _daily_weights(draft, s, weight)
    if "hld" in keys or "a1c" in wanted:
        _ldl(draft, s)
    _flags(draft, s, HEART_FAILURE in keys)


def _flags(draft: Draft, s: _Series, heart_failure: bool) -> None:
    recent = {r.key: r.recent_days for r in catalog().flags}
    for flag in evaluate(build_series(s.readings), heart_failure=heart_failure):
        if draft.clinic.now - flag.at <= timedelta(days=recent[flag.key]):
            _alert(draft, flag)


def _alert(draft: Draft, flag: Flag) -> None:
    """The alert (and same-day call) ``flags.raise_new_flags`` raises, shown handled when old."""
    alert_id, call_id = flag_ids(flag)
    handled = draft.clinic.now - flag.at > timedelta(days=2)
    done_at = flag.at + timedelta(hours=4) if handled else None
    who = draft.coordinator.id if draft.coordinator else None
    fields: dict[str, Any] = {"created_at": flag.at}
    draft.out.add(
        Alert,
        id=alert_id,
        patient_id=draft.id,
        kind=f"measure_flag:{flag.key}"[:40],
        severity=flag.severity,
        message=flag.reason[:300],
        raised_at=flag.at,
        resolved_at=done_at,
        resolved_by=who if handled else None,
        **fields,
    )
    if flag.severity == "urgent":
        draft.out.add(
            FollowUp,
            id=call_id,
            patient_id=draft.id,
            kind="call",
            title=f"Same-day call: {flag.title} on {flag.at:%Y-%m-%d}"[:200],
            due_at=flag.at,
            timezone=draft.clinic.catalog.clinic["timezone"],
            assignee_id=who,
            urgent=True,
            status="done" if handled else "open",
            completed_at=done_at,
            result="Reached; rechecked and reviewed with the clinician" if handled else None,
            origin="measure_flag",
            **fields,
        )
