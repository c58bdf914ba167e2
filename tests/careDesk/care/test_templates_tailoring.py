"""Tailoring by age band and other conditions, evaluated at the band boundaries (64 vs 65)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from careDesk.care.templates import TemplateBody, shipped
from careDesk.care.templates.tailoring import PatientFacts, age_on, tailor
from careDesk.care.verb_kit import local_today
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from tests.careDesk.care.support_records import make_patient

HTN, CKD, DIABETES, FRAIL = ("I10", ""), ("N183", ""), ("E119", ""), ("R54", "")
FALL_SCREEN = "Fall risk screen"


def _facts(age: int, *codes: tuple[str, str]) -> PatientFacts:
    return PatientFacts(age=age, codes=codes, chronic_codes=codes)


def _a1c(facts: PatientFacts) -> str | None:
    return _a1c_of(tailor(shipped()["diabetes_t2"], facts).body)


def _fall_activities(template_id: str, facts: PatientFacts) -> list[str]:
    body = tailor(shipped()[template_id], facts).body
    acts = [a.description for p in body.problems for g in p.goals for a in g.activities]
    return [d for d in acts if d.startswith(FALL_SCREEN)]


@pytest.mark.parametrize(
    ("facts", "target"),
    [
        (_facts(64, DIABETES, HTN, CKD), "below 7%"),  # multimorbid, but under 65
        (_facts(65, DIABETES, HTN, CKD), "below 8%"),  # 65 with 2 other chronic conditions
        (_facts(65, DIABETES, HTN), "below 7%"),  # 65 with only 1 other
        (_facts(50, DIABETES, FRAIL), "below 8%"),  # frailty at any age
        (_facts(80, DIABETES), "below 7%"),  # age alone does not relax it
    ],
)
def test_ada_a1c_target_relaxed_for_frail_or_multimorbid_older_adults(
    facts: PatientFacts, target: str
) -> None:
    assert _a1c(facts) == target


@pytest.mark.parametrize("template_id", ["diabetes_t2", "hypertension", "heart_failure"])
def test_fall_prevention_added_from_65(template_id: str) -> None:
    assert _fall_activities(template_id, _facts(64)) == []
    assert len(_fall_activities(template_id, _facts(65))) == 1


def test_every_rule_is_shown_with_its_source_and_verdict() -> None:
    rules = tailor(shipped()["diabetes_t2"], _facts(64, DIABETES)).rules
    assert [(r.key, r.applies) for r in rules] == [("ada_older_a1c", False), ("steadi_65", False)]
    assert all(r.rule and r.source for r in rules)
    assert "ADA" in rules[0].source and "STEADI" in rules[1].source


def test_age_counts_whole_years_on_the_day() -> None:
    assert age_on(date(1961, 3, 10), date(2026, 3, 10)) == 65
    assert age_on(date(1961, 3, 11), date(2026, 3, 10)) == 64
    assert age_on(None, date(2026, 3, 10)) is None


def _birth(years: int, today: date, *, tomorrow: bool = False) -> date:
    """Born ``years`` ago today (or one day later: still ``years - 1`` today)."""
    birthday = today.replace(year=today.year - years)
    return birthday + timedelta(days=1) if tomorrow else birthday


def test_applying_uses_the_age_on_the_day(desk: Desk) -> None:
    today = local_today(utcnow())
    turning = make_patient(desk, "MRN-65", birth_date=_birth(65, today))
    almost = make_patient(desk, "MRN-64", birth_date=_birth(65, today, tomorrow=True))
    with desk.writing() as tx:
        for patient in (turning, almost):
            for icd in ("E11.9", "I10", "N18.3"):
                tx.add(
                    Condition(patient_id=patient.id, display=icd, icd10=icd),
                    kind="condition",
                    patient_id=patient.id,
                )
    shown = {
        p.mrn: desk.templates.apply(p.id, "diabetes_t2").value.rules for p in (turning, almost)
    }
    assert [r.applies for r in shown["MRN-65"]] == [True, True]
    assert [r.applies for r in shown["MRN-64"]] == [False, False]
    preview = desk.templates.preview(turning.id, "diabetes_t2")
    assert _a1c_of(preview.body) == "below 8%"
    tree = desk.plans.plan_tree(almost.id)
    assert tree is not None
    assert (
        next(g.target for p in tree.problems for g in p.goals if g.measure == "A1c") == "below 7%"
    )


def _a1c_of(body: TemplateBody) -> str | None:
    return next(g.target for p in body.problems for g in p.goals if g.key == "a1c")
