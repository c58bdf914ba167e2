"""Screener results: PHQ-9, PHQ-2, GAD-7 and the CMS AHC-HRSN core questions.

Answers are drawn per item and then scored by the assessment instruments' own code
(``careDesk.care.instruments``), so totals, bands, positive screens and social-needs domains
follow docs/clinical-sources.md exactly. A PHQ-9 item 9 answer ≥ 1 raises an urgent alert and a
same-day follow-up, built by ``careDesk.care.urgent`` as on every other path (Kroenke 2001;
docs/clinical-sources.md#phq-9-item-9-same-day-follow-up). An AHC-HRSN "physically hurt" answer
other than Never (only drawn for patients with a safety need) opens a private safety review, as
``desk.screeners.record`` does (careDesk's own rule, not a CMS rule).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from careDesk.care.demo.context import Draft
from careDesk.care.instruments import Scored, instrument, score
from careDesk.care.screeners import PRIVATE_REVIEW_ORIGIN, PRIVATE_REVIEW_TITLE
from careDesk.care.urgent import Item9, item9_value, urgent_fields
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.schedule import FollowUp

MOOD = {"depression", "gad", "bipolar", "schizophrenia", "oud"}
# Share of a care-management caseload screening positive per AHC-HRSN domain (demo tuning in
# the range AHC Model evaluations report: food and housing most common).
NEED_RATES = {
    "food": 0.22,
    "housing": 0.15,
    "transportation": 0.16,
    "utilities": 0.12,
    "safety": 0.04,
}
HOUSING_PROBLEMS = ("pests", "mold", "lead", "no_heat", "oven", "smoke_detectors", "water_leaks")


def _severity(draft: Draft) -> float:
    keys = {s.key for s in draft.conditions}
    base = 0.45 if keys & MOOD else 0.12
    return min(0.75, base * draft.rng.uniform(0.5, 1.6) + 0.03 * draft.complexity)


def _scale(draft: Draft, severity: float) -> int:
    return min(3, int(draft.rng.random() * 7 * severity))


def _store(draft: Draft, result: Scored, taken_at: datetime) -> str:
    record_id = draft.new_id()
    draft.out.add(
        ScreenerResult,
        id=record_id,
        patient_id=draft.id,
        instrument=result.instrument,
        loinc=instrument(result.instrument).loinc_panel,
        answers=json.dumps(result.answers, ensure_ascii=False),
        total=result.total,
        band=result.band,
        positive=result.positive,
        positive_domains=json.dumps(list(result.positive_domains)),
        taken_at=taken_at,
    )
    return record_id


def _phq9(draft: Draft, severity: float, taken_at: datetime) -> None:
    answers: dict[str, Any] = {f"phq9_{i}": _scale(draft, severity) for i in range(1, 9)}
    item9 = draft.chance(0.01 + (0.06 if severity > 0.4 else 0.0))
    answers["phq9_9"] = (1 if draft.chance(0.7) else 2) if item9 else 0
    answers["phq9_difficulty"] = min(3, int(severity * 4))
    result = score(instrument("phq9"), answers)
    screener_id = _store(draft, result, taken_at)
    value = item9_value(result.instrument, result.answers)
    if value is not None:
        _urgent(draft, Item9(screener_id, draft.id, value, taken_at))


def _answers_for(draft: Draft, total: int, item9: int) -> dict[str, Any]:
    """PHQ-9 answers adding up to ``total`` (items 1–8 spread at random, item 9 as given)."""
    values = [0] * 8
    left = max(0, min(24, total - item9))
    while left:
        i = int(draft.rng.random() * 8)
        if values[i] < 3:
            values[i] += 1
            left -= 1
    answers: dict[str, Any] = {f"phq9_{n}": v for n, v in enumerate(values, start=1)}
    answers |= {"phq9_9": item9, "phq9_difficulty": min(3, total // 7)}
    return answers


def _phq9_total(draft: Draft, total: int, taken_at: datetime, *, may_alert: bool) -> None:
    item9 = (1 if draft.chance(0.7) else 2) if may_alert and draft.chance(0.05) else 0
    result = score(instrument("phq9"), _answers_for(draft, total, item9))
    screener_id = _store(draft, result, taken_at)
    value = item9_value(result.instrument, result.answers)
    if value is not None:
        _urgent(draft, Item9(screener_id, draft.id, value, taken_at))


# How a treated depression goes, drawn per patient (the final score as a share of the baseline):
# in the IMPACT collaborative-care trial about 45 % had a 50 % or greater drop at 12 months
# (Unützer J, et al. JAMA 2002;288(22):2836-45); the rest are the registry's "not improving"
# (demo tuning).
COURSES = ((0.2, 0.25), (0.35, 0.5), (0.35, 0.5), (0.6, 0.75), (0.8, 1.0), (0.85, 1.05))


def _phq9_course(draft: Draft) -> bool:
    """An enrolled patient with a mood condition: a baseline PHQ-9 at enrolment, then about
    monthly scores on a course drawn for the patient (some remit, some respond, some do not
    improve; now and then a month is missed). False when there is no enrolment date."""
    clinic = draft.clinic
    if draft.enrolled_on is None:
        return False
    baseline_at = clinic.at(draft.enrolled_on - timedelta(days=int(draft.rng.random() * 14)), 10)
    baseline = 10 + int(draft.rng.random() * 12)
    low, high = draft.pick(COURSES)
    final = baseline * draft.rng.uniform(low, high)
    days = (clinic.now - baseline_at).days
    months = min(8, max(0, days // 30))
    step = max(30, days // (months + 1)) if months else 30  # long enrolments: spread to now
    _phq9_total(draft, baseline, baseline_at, may_alert=True)
    skip_last = draft.chance(0.2)
    for k in range(1, months + 1):
        if skip_last and k == months:
            break
        at = baseline_at + timedelta(days=step * k + int(draft.rng.uniform(-4, 4)))
        if at >= clinic.now:
            break
        value = baseline + (final - baseline) * k / months + draft.rng.gauss(0, 1.2)
        _phq9_total(draft, max(0, min(24, round(value))), at, may_alert=False)
    return True


def _urgent(draft: Draft, found: Item9) -> None:
    """PHQ-9 item 9 ≥ 1: the same urgent alert and same-day call every path raises
    (``careDesk.care.urgent``; Kroenke 2001,
    docs/clinical-sources.md#phq-9-item-9-same-day-follow-up), shown handled when it is old."""
    taken_at = found.taken_at
    handled = draft.clinic.now - taken_at > timedelta(days=2)
    done_at = taken_at + timedelta(hours=3) if handled else None
    alert_id = draft.new_id()  # ids from the patient's seeded stream, as every demo row
    follow_up_id = draft.new_id()
    follow_up, alert = urgent_fields(
        found,
        at=taken_at,
        assignee_id=draft.coordinator.id if draft.coordinator else None,
        ids=(follow_up_id, alert_id),
    )
    alert.update(
        resolved_at=done_at,
        resolved_by=draft.coordinator.id if handled and draft.coordinator else None,
    )
    follow_up.update(
        due_at=taken_at + timedelta(hours=2),
        timezone=draft.clinic.catalog.clinic["timezone"],
        status="done" if handled else "open",
        completed_at=done_at,
        result="Reached; safety plan reviewed" if handled else None,
    )
    draft.out.add(Alert, **alert)
    draft.out.add(FollowUp, **follow_up)


def _gad7(draft: Draft, severity: float, taken_at: datetime) -> None:
    answers = {f"gad7_{i}": _scale(draft, severity * 0.9) for i in range(1, 8)}
    _store(draft, score(instrument("gad7"), answers), taken_at)


def _phq2(draft: Draft, severity: float, taken_at: datetime) -> None:
    answers = {"phq2_1": _scale(draft, severity), "phq2_2": _scale(draft, severity)}
    _store(draft, score(instrument("phq2"), answers), taken_at)


def _hrsn_answers(draft: Draft) -> dict[str, Any]:
    need = {
        domain: draft.chance(rate * (0.7 + 0.3 * draft.complexity))
        for domain, rate in NEED_RATES.items()
    }
    problems = ["none"]
    if need["housing"] and draft.chance(0.4):
        problems = sorted({draft.pick(HOUSING_PROBLEMS) for _ in range(1 + draft.count(0.5, 2))})
    housing = draft.pick(("worried", "worried", "no_steady_place")) if need["housing"] else "steady"
    if need["housing"] and problems != ["none"]:
        housing = "steady" if draft.chance(0.5) else housing
    food = ("often", "sometimes")
    high = 10 if need["safety"] else 0  # sum above 10 is positive (CMS AHC-HRSN)
    safety = [1 + int(draft.rng.random() * (2 if not high else 3)) for _ in range(4)]
    while high and sum(safety) <= high:
        safety[int(draft.rng.random() * 4)] += 1
    return {
        "living_situation": housing,
        "housing_problems": problems,
        "food_worry": draft.pick(food) if need["food"] else "never",
        "food_ran_out": draft.pick(food) if need["food"] and draft.chance(0.7) else "never",
        "transportation": "yes" if need["transportation"] else "no",
        "utilities": draft.pick(("yes", "already_shut_off")) if need["utilities"] else "no",
        "safety_hurt": min(5, safety[0]) if high else 1,
        "safety_insult": min(5, safety[1]),
        "safety_threaten": min(5, safety[2]),
        "safety_scream": min(5, safety[3]),
    }


def _hrsn(draft: Draft, taken_at: datetime) -> None:
    result = score(instrument("ahc_hrsn"), _hrsn_answers(draft))
    draft.social_needs = list(result.positive_domains)
    screener_id = _store(draft, result, taken_at)
    if result.private_review:
        _private_review(draft, screener_id, taken_at)


def _private_review(draft: Draft, screener_id: str, taken_at: datetime) -> None:
    """careDesk's own rule, not CMS: "physically hurt" not Never → a private safety review."""
    handled = draft.clinic.now - taken_at > timedelta(days=7)
    draft.out.add(
        Alert,
        id=draft.new_id(),
        patient_id=draft.id,
        kind=PRIVATE_REVIEW_ORIGIN,
        severity="warning",
        message="AHC-HRSN: physically hurt answered other than Never. Private safety review "
        "with the patient alone (careDesk rule, not a CMS rule).",
        raised_at=taken_at,
        resolved_at=taken_at + timedelta(days=1) if handled else None,
        resolved_by=draft.coordinator.id if handled and draft.coordinator else None,
        screener_id=screener_id,
    )
    draft.out.add(
        FollowUp,
        id=draft.new_id(),
        patient_id=draft.id,
        kind="visit",
        title=PRIVATE_REVIEW_TITLE,
        due_at=taken_at,
        timezone=draft.clinic.catalog.clinic["timezone"],
        assignee_id=draft.coordinator.id if draft.coordinator else None,
        status="done" if handled else "open",
        completed_at=taken_at + timedelta(days=1) if handled else None,
        result="Seen alone; safety plan and resources offered" if handled else None,
        origin=PRIVATE_REVIEW_ORIGIN,
    )


def screeners(draft: Draft) -> None:
    """Queue screeners: most active patients screened, some enrolled ones not yet."""
    clinic, status = draft.clinic, draft.status
    severity = _severity(draft)

    def when(low: int, high: int) -> datetime:
        return clinic.now - timedelta(days=low + draft.rng.random() * (high - low), hours=3)

    screened = {"active": 0.92, "enrolled": 0.55, "discharged": 0.85, "transitioned": 0.85}
    if status == "candidate":
        if draft.chance(0.25):
            _phq2(draft, severity, when(5, 300))
        if draft.chance(0.2):
            _hrsn(draft, when(5, 300))
        return
    if not draft.chance(screened[status]):
        return
    mood = {s.key for s in draft.conditions} & MOOD
    if not (mood and draft.open_case and _phq9_course(draft)):
        if status == "active" and draft.chance(0.5):
            _phq9(draft, min(0.75, severity * 1.3), when(120, 300))  # an earlier, worse score
        _phq9(draft, severity, when(2, 110))
    if draft.chance(0.75):
        _gad7(draft, severity, when(2, 110))
    if draft.chance(0.9):
        _hrsn(draft, when(2, 200))
