"""Tailoring by age band and other conditions, evaluated at the band boundaries (64 vs 65)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import pytest

from careDesk.care.templates import TemplateBody, shipped
from careDesk.care.templates.illness import illness_of
from careDesk.care.templates.tailoring import PatientFacts, age_on, tailor
from careDesk.care.verb_kit import local_today
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from tests.careDesk.care.support_records import make_patient

HTN, CKD, DIABETES, FRAIL = ("I10", ""), ("N183", ""), ("E119", ""), ("R54", "")
COPD, CKD2, HTN_HEART, PREDIABETES = ("J449", ""), ("N182", ""), ("I119", ""), ("R7303", "")
OA_HIP, OA_KNEE, ALZHEIMER, MCI = ("M169", ""), ("M179", ""), ("G309", ""), ("G3184", "")
DIABETIC_CKD = ("E1122", "")
NEUROPATHY_T2DM = ("", "368581000119106")  # SNOMED CT, curated to E11.40
FALL_SCREEN = "Fall risk screen"


def _facts(age: int, *codes: tuple[str, str]) -> PatientFacts:
    return PatientFacts(age=age, codes=codes, chronic_codes=codes)


def _a1c(facts: PatientFacts) -> str | None:
    return _a1c_of(tailor(shipped()["diabetes_t2"], facts).body)


def _fall_activities(template_id: str, facts: PatientFacts) -> list[str]:
    body = tailor(shipped()[template_id], facts).body
    acts = [a.description for p in body.problems for g in p.goals for a in g.activities]
    return [d for d in acts if d.startswith(FALL_SCREEN)]


# ADA Standards of Care in Diabetes—2024, Diabetes Care 47(Suppl 1):S244, §13 Older Adults,
# Table 13.1: "complex/intermediate" health — multiple (at least three) coexisting chronic
# illnesses, or ≥ 2 instrumental ADL impairments, or mild-to-moderate cognitive impairment —
# has an A1c goal < 8.0%; "healthy" (few coexisting illnesses) < 7.0–7.5%. Coexisting illnesses
# "may include arthritis, cancer, heart failure, depression, emphysema, falls, hypertension,
# incontinence, stage 3 or worse chronic kidney disease, myocardial infarction, and stroke".
@pytest.mark.parametrize(
    ("facts", "target"),
    [
        (_facts(64, DIABETES, HTN, CKD, COPD, OA_HIP), "below 7%"),  # multimorbid, but under 65
        (_facts(65, DIABETES, HTN, CKD, COPD), "below 8%"),  # three coexisting illnesses
        (_facts(65, DIABETES, HTN, CKD), "below 7%"),  # two are not "multiple" (≥ 3)
        (_facts(65, DIABETES, HTN, CKD, DIABETIC_CKD, NEUROPATHY_T2DM), "below 7%"),
        (_facts(65, DIABETES, HTN, CKD2, COPD), "below 7%"),  # CKD counts from stage 3
        (_facts(65, DIABETES, HTN, HTN_HEART, COPD), "below 7%"),  # one hypertension
        (_facts(65, DIABETES, OA_HIP, OA_KNEE, HTN), "below 7%"),  # one arthritis
        (_facts(65, DIABETES, PREDIABETES, HTN, COPD), "below 7%"),  # not another illness
        (_facts(65, DIABETES, OA_HIP, HTN, COPD), "below 8%"),
        (_facts(65, DIABETES, ALZHEIMER), "below 8%"),  # cognitive impairment
        (_facts(70, DIABETES, MCI), "below 8%"),  # mild cognitive impairment
        (_facts(64, DIABETES, ALZHEIMER), "below 7%"),  # §13 is for older adults (≥ 65)
        (_facts(50, DIABETES, FRAIL), "below 8%"),  # frailty at any age
        (_facts(80, DIABETES), "below 7%"),  # age alone does not relax it
    ],
)
def test_ada_a1c_target_relaxed_for_complex_health_or_frailty(
    facts: PatientFacts, target: str
) -> None:
    assert _a1c(facts) == target


def test_snomed_coded_illnesses_count_as_synthea_records_them() -> None:
    """Synthea records SNOMED CT only: diabetes 44054006, hypertension 38341003, osteoarthritis
    of the hip 239872002 and of the knee 239873007 (one arthritis), myocardial infarction
    22298006 — three coexisting illnesses besides diabetes (ADA 2024 Table 13.1)."""
    codes = [("", c) for c in ("44054006", "38341003", "239872002", "239873007", "22298006")]
    assert _a1c(_facts(66, *codes)) == "below 8%"
    assert _a1c(_facts(66, *codes[:-1])) == "below 7%"


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
            for icd in ("E11.9", "I10", "N18.3", "J44.9"):
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


def test_a_past_stroke_counts_as_a_coexisting_illness(desk: Desk) -> None:
    """ADA 2024 Table 13.1 lists stroke and myocardial infarction among coexisting illnesses;
    a resolved record of one is still a history of it (Charlson 1987 counts it too)."""
    today = local_today(utcnow())
    patient = make_patient(desk, "MRN-S", birth_date=_birth(70, today))
    conditions = [
        Condition(patient_id=patient.id, display="Diabetes", icd10="E11.9"),
        Condition(patient_id=patient.id, display="Hypertension", icd10="I10"),
        Condition(patient_id=patient.id, display="COPD", icd10="J44.9"),
    ]
    with desk.writing() as tx:
        for condition in conditions:
            tx.add(condition, kind="condition", patient_id=patient.id)
    assert _a1c_of(desk.templates.preview(patient.id, "diabetes_t2").body) == "below 7%"
    stroke = Condition(
        patient_id=patient.id, display="Stroke", snomed="230690007", status="resolved"
    )
    with desk.writing() as tx:
        tx.add(stroke, kind="condition", patient_id=patient.id)
    assert _a1c_of(desk.templates.preview(patient.id, "diabetes_t2").body) == "below 8%"


def test_each_code_belongs_to_one_illness_group() -> None:
    groups = json.loads(
        resources.files("careDesk.care.templates")
        .joinpath("coexisting_illness.json")
        .read_text("utf-8")
    )["groups"]
    prefixes = [p for listed in groups.values() for p in listed]
    assert len(prefixes) == len(set(prefixes))
    # The longest prefix decides: hypertensive heart disease with heart failure is heart failure.
    assert illness_of(("I110", "")) == "heart failure"
    assert illness_of(("I119", "")) == "hypertension"
    assert illness_of(("I252", "")) == illness_of(("", "22298006"))  # MI: ICD-10 or SNOMED CT
    assert illness_of(("", "999999999")) == "SNOMED 999999999"  # unmapped: its own illness
