"""From a patient's facts to an explainable priority: points per component, reasons in words.

Each component's points come from ``risk_weights.json``; every component that adds points also
adds a reason, so the number on the worklist is always explained ("3 ED visits in 6 months;
LACE 12; PHQ-9 moderate; food insecurity").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from careDesk.care.risk.charlson import CharlsonResult
from careDesk.care.risk.lace import LaceResult
from careDesk.care.risk.weights import Weights

if TYPE_CHECKING:
    from careDesk.care.measures.gather import MeasureFacts

SOCIAL_LABELS = {
    "housing": "housing instability",
    "food": "food insecurity",
    "transportation": "transportation needs",
    "utilities": "utility needs",
    "safety": "interpersonal safety concern",
}


@dataclass
class Facts:
    """What the engine knows about one patient, already windowed to ``now``."""

    patient_id: str
    charlson: CharlsonResult
    lace: LaceResult | None = None  # of the latest discharge in the look-back
    lace_discharged: date | None = None
    lace_in_window: bool = False  # within the 30 days after that discharge LACE predicts
    admissions_6m: int = 0
    admissions_12m: int = 0
    ed_visits_6m: int = 0
    ed_visits_12m: int = 0
    active_medications: int = 0
    phq9: tuple[int, str] | None = None
    gad7: tuple[int, str] | None = None
    social_needs: list[str] = field(default_factory=list)
    overdue: int = 0
    urgent_alerts: int = 0
    measures: MeasureFacts | None = None  # latest A1c and BP, registry episodes (issue 17)


@dataclass(frozen=True)
class Priority:
    """The result: priority points, band and reasons (most pressing first)."""

    points: float
    band: str
    reasons: list[str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _utilization(f: Facts, w: Weights, reasons: list[str]) -> float:
    u = w.section("utilization")
    points = (
        f.admissions_6m * u["admission_6m"]
        + (f.admissions_12m - f.admissions_6m) * u["admission_7_12m"]
        + f.ed_visits_6m * u["ed_visit_6m"]
        + (f.ed_visits_12m - f.ed_visits_6m) * u["ed_visit_7_12m"]
    )
    for n6, n12, word in (
        (f.admissions_6m, f.admissions_12m, "admission"),
        (f.ed_visits_6m, f.ed_visits_12m, "ED visit"),
    ):
        if n6:
            reasons.append(f"{_plural(n6, word)} in 6 months")
        elif n12:
            reasons.append(f"{_plural(n12, word)} in 12 months")
    return float(min(points, u["max_points"]))


def _lace(f: Facts, w: Weights, reasons: list[str]) -> float:
    """LACE predicts death or unplanned readmission within 30 days of a discharge (van Walraven
    2010, CMAJ 182:551), so it adds points only in that window; older stays count as
    utilization."""
    if f.lace is None or not f.lace_in_window:
        return 0.0
    c = w.section("lace")
    total = f.lace.total
    if total >= c["reason_at"]:
        when = f" after discharge on {f.lace_discharged:%Y-%m-%d}" if f.lace_discharged else ""
        reasons.append(f"LACE {total}{when}")
    if total >= c["high_at"]:
        return float(c["high_points"])
    return float(c["moderate_points"]) if total >= c["moderate_at"] else 0.0


def _charlson(f: Facts, w: Weights, reasons: list[str]) -> float:
    c = w.section("charlson")
    score = f.charlson.age_adjusted
    if score >= c["reason_at"]:
        reasons.append(f"Charlson {score} (age-adjusted)")
    return float(min(score * c["per_point"], c["max_points"]))


def _medications(f: Facts, w: Weights, reasons: list[str]) -> float:
    """Polypharmacy by count (Masnoon N et al., BMC Geriatr 2017;17:230: ≥ 5 medicines is the
    most used definition of polypharmacy, ≥ 10 "hyperpolypharmacy"). The AGS Beers Criteria say
    which medicines to review, not how many make too many."""
    p = w.section("polypharmacy")
    n = f.active_medications
    if n >= p["hyper_at"]:
        reasons.append(f"{n} active medications (hyperpolypharmacy)")
        return float(p["hyper_points"])
    if n >= p["at"]:
        reasons.append(f"{n} active medications (polypharmacy)")
        return float(p["points"])
    return 0.0


def _mood(f: Facts, w: Weights, reasons: list[str]) -> float:
    points = 0.0
    for reading, name, key in ((f.phq9, "PHQ-9", "phq9"), (f.gad7, "GAD-7", "gad7")):
        if reading is None:
            continue
        band = reading[1]
        points += float(w.section(f"{key}_band_points").get(band, 0))
        if band in w.names(f"{key}_reason_bands"):
            reasons.append(f"{name} {band}")
    return points


def _measured(f: Facts, w: Weights, reasons: list[str]) -> float:
    """Uncontrolled values and treat-to-target registry reasons (careDesk/care/measures/)."""
    if f.measures is None:
        return 0.0
    from careDesk.care.measures.priority import measure_points

    return measure_points(f.measures, w.section("measures"), reasons)


def _social(f: Facts, w: Weights, reasons: list[str]) -> float:
    table = w.section("social_need_points")
    reasons.extend(SOCIAL_LABELS.get(d, d) for d in f.social_needs)
    return float(sum(table.get(d, 0) for d in f.social_needs))


def _work(f: Facts, w: Weights, reasons: list[str]) -> float:
    o = w.section("overdue")
    if f.overdue:
        reasons.append(f"{_plural(f.overdue, 'overdue task')}")
    return float(min(f.overdue * o["per_item"], o["max_points"]))


def prioritise(f: Facts, w: Weights) -> Priority:
    """Points, band and reasons for one patient (urgent alerts outrank everything else)."""
    reasons: list[str] = []
    points = 0.0
    if f.urgent_alerts:
        reasons.append(
            "urgent alert" if f.urgent_alerts == 1 else f"{f.urgent_alerts} urgent alerts"
        )
        points += w.number("urgent_alert_points")
    for part in (_utilization, _lace, _charlson, _medications, _mood, _measured, _social, _work):
        points += part(f, w, reasons)
    bands = w.section("bands")
    band = (
        "high" if points >= bands["high"] else "moderate" if points >= bands["moderate"] else "low"
    )
    return Priority(round(points, 1), band, reasons)
