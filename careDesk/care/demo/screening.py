"""Screener results for every instrument of the registry (PHQ-9, PHQ-2, GAD-7, AUDIT-C, the CMS
AHC-HRSN core questions, and any instrument added later).

Answers are drawn from each instrument's own questions and answer options
(``careDesk.care.instruments``) and then scored by the registry for the patient's sex, so
totals, bands, positive screens and social-needs domains follow docs/clinical-sources.md
exactly; nothing here repeats an item id, an answer code or a cut-off. A PHQ-9 item 9 answer
≥ 1 raises an urgent alert and a same-day follow-up, built by ``careDesk.care.urgent`` as on
every other path (Kroenke 2001; docs/clinical-sources.md#phq-9-item-9-same-day-follow-up). An
answer over an instrument's private-review rule (AHC-HRSN "physically hurt" other than Never,
only drawn for patients with a safety need) opens a private safety review, as
``desk.screeners.record`` does (careDesk's own rule, not a CMS rule).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from careDesk.care.demo.context import Draft
from careDesk.care.instruments import (
    Instrument,
    Item,
    Scored,
    all_instruments,
    instrument,
    score,
    skipped,
)
from careDesk.care.screeners import PRIVATE_REVIEW_ORIGIN, PRIVATE_REVIEW_TITLE
from careDesk.care.urgent import Item9, item9_value, urgent_fields
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.schedule import FollowUp

MOOD = {"depression", "gad", "bipolar", "schizophrenia", "oud"}
# Demo tuning, not instrument knowledge: the share of patients given each instrument (by id),
# candidates (short screens only) and patients in the program. An instrument not named here is
# given to DEFAULT_SHARE of the patients in the program, so a new one shows in the demo too.
CANDIDATE_SHARE = {"phq2": 0.25, "ahc_hrsn": 0.2}
ENGAGED_SHARE = {"phq9": 1.0, "phq2": 0.0, "gad7": 0.75, "ahc_hrsn": 0.9}
DEFAULT_SHARE = 0.6
REPEATED = "phq9"  # half the active patients also have an earlier, worse score
# Share of a care-management caseload screening positive per social-needs domain (demo tuning
# in the range AHC Model evaluations report: food and housing most common).
NEED_RATES = {
    "food": 0.22,
    "housing": 0.15,
    "transportation": 0.16,
    "utilities": 0.12,
    "safety": 0.04,
}
OTHER_NEED_RATE = 0.1


def _severity(draft: Draft) -> float:
    keys = {s.key for s in draft.conditions}
    base = 0.45 if keys & MOOD else 0.12
    return min(0.75, base * draft.rng.uniform(0.5, 1.6) + 0.03 * draft.complexity)


def _scale(draft: Draft, item: Item, severity: float) -> int:
    """A scale answer, higher with severity (0–3 scales: as likely as ``u × 7 × severity``)."""
    values = sorted(int(o.key) for o in item.options)
    step = int(draft.rng.random() * len(values) * 1.75 * severity)
    return values[min(len(values) - 1, step)]


def _urgent_answer(draft: Draft, item: Item, severity: float) -> int:
    """The urgent question (PHQ-9 item 9) answered above its lowest value only rarely."""
    values = sorted(int(o.key) for o in item.options)
    if not draft.chance(0.01 + (0.06 if severity > 0.4 else 0.0)):
        return values[0]
    return values[1] if draft.chance(0.7) else values[min(2, len(values) - 1)]


def _scored_answers(draft: Draft, inst: Instrument, severity: float) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in inst.items:
        if skipped(item, answers):
            continue
        if item.id == inst.urgent_item:
            answers[item.id] = _urgent_answer(draft, item, severity)
        elif item.kind == "scale":
            answers[item.id] = _scale(draft, item, severity)
        elif item.kind == "choice":  # an unscored choice question
            answers[item.id] = draft.pick([o.key for o in item.options])
    return answers


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


def _screen(draft: Draft, inst: Instrument, severity: float, taken_at: datetime) -> None:
    """Draw, score (for the patient's sex) and store one result, with the work it raises."""
    if inst.has_total:
        answers = _scored_answers(draft, inst, severity)
    else:
        answers = _domain_answers(draft, inst)
    result = score(inst, answers, sex=draft.sex)
    if inst.domains:
        draft.social_needs = list(result.positive_domains)
    screener_id = _store(draft, result, taken_at)
    value = item9_value(result.instrument, result.answers)
    if value is not None:
        _urgent(draft, Item9(screener_id, draft.id, value, taken_at))
    if result.private_review:
        _private_review(draft, screener_id, taken_at)


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


def _domain_answers(draft: Draft, inst: Instrument) -> dict[str, Any]:
    """Answers to a domain instrument (AHC-HRSN) that make the drawn needs positive, read from
    its own domain rules: an answer a rule counts for a needed domain, else one it does not."""
    need = {
        d.key: draft.chance(NEED_RATES.get(d.key, OTHER_NEED_RATE) * (0.7 + 0.3 * draft.complexity))
        for d in inst.domains
    }
    positive: dict[str, set[str]] = {}  # item → answers some domain counts as positive
    chosen: dict[str, set[str]] = {}  # item → positive answers to give, for needed domains
    for domain in inst.domains:
        picked = [pair for pair in domain.any_of if draft.chance(0.6)] or list(domain.any_of[:1])
        for item_id, answers in domain.any_of:
            positive.setdefault(item_id, set()).update(answers)
            if need[domain.key] and (item_id, answers) in picked:
                chosen.setdefault(item_id, set()).update(answers)
    out: dict[str, Any] = {}
    for item in inst.items:
        out[item.id] = _domain_answer(draft, item, positive.get(item.id, set()), chosen)
    for domain in inst.domains:
        if domain.sum_items:
            _sum_answers(
                draft, inst, domain.sum_items, domain.sum_above or 0, need[domain.key], out
            )
    return out


def _domain_answer(
    draft: Draft, item: Item, positive: set[str], chosen: dict[str, set[str]]
) -> Any:
    keys = [str(o.key) for o in item.options]
    wanted = sorted(chosen.get(item.id, set()))
    if item.kind == "scale":
        return min(int(o.key) for o in item.options)
    if wanted:
        if item.kind == "multi":
            return sorted({draft.pick(wanted) for _ in range(1 + draft.count(0.5, 2))})
        return draft.pick(wanted)
    calm = [k for k in keys if k not in positive] or keys
    return [draft.pick(calm)] if item.kind == "multi" else draft.pick(calm)


def _sum_answers(
    draft: Draft,
    inst: Instrument,
    items: tuple[str, ...],
    above: int,
    needed: bool,
    out: dict[str, Any],
) -> None:
    """Scale answers to a summed domain (AHC-HRSN safety, positive above 10): above the sum
    when needed, else low, and the private-review question at its lowest (no review drawn)."""
    tops = {i: max(int(o.key) for o in q.options) for i in items if (q := inst.item(i))}
    lows = {i: min(int(o.key) for o in q.options) for i in items if (q := inst.item(i))}
    for item_id in items:
        out[item_id] = lows[item_id] + int(draft.rng.random() * (3 if needed else 2))
    while needed and sum(out[i] for i in items) <= above:
        item_id = draft.pick(items)
        out[item_id] = min(tops[item_id], out[item_id] + 1)
    review = inst.private_review
    if review is not None and review.item in items and not needed:
        out[review.item] = lows[review.item]
    for item_id in items:
        out[item_id] = min(tops[item_id], out[item_id])


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
    """Queue screeners: most active patients screened with every instrument of the registry
    (each at its share), candidates only with the short ones, some enrolled ones not yet."""
    clinic, status = draft.clinic, draft.status
    severity = _severity(draft)

    def when(low: int, high: int) -> datetime:
        return clinic.now - timedelta(days=low + draft.rng.random() * (high - low), hours=3)

    screened = {"active": 0.92, "enrolled": 0.55, "discharged": 0.85, "transitioned": 0.85}
    if status == "candidate":
        for inst in all_instruments():
            if draft.chance(CANDIDATE_SHARE.get(inst.id, 0.0)):
                _screen(draft, inst, severity, when(5, 300))
        return
    if not draft.chance(screened[status]):
        return
    mood = {s.key for s in draft.conditions} & MOOD
    course = bool(mood and draft.open_case and _phq9_course(draft))  # monthly PHQ-9 scores
    for inst in all_instruments():
        if inst.id == REPEATED and course:
            continue  # the course stands in for the one-off PHQ-9 screens
        if inst.id == REPEATED and status == "active" and draft.chance(0.5):
            _screen(draft, inst, min(0.75, severity * 1.3), when(120, 300))  # earlier, worse
        if draft.chance(ENGAGED_SHARE.get(inst.id, DEFAULT_SHARE)):
            _screen(draft, inst, severity, when(2, 200 if inst.domains else 110))
