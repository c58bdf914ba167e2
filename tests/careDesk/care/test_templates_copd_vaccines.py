"""The COPD template's vaccines against the GOLD 2024 list (issue 15, defect 18).

Expected list: Global Initiative for Chronic Obstructive Lung Disease, GOLD 2024 Report,
chapter 3, "Vaccination for stable COPD": influenza every year; COVID-19 per current national
recommendations; pneumococcal (PCV20, or PCV15 followed by PPSV23; PCV21 added by CDC ACIP,
Kobayashi 2024, MMWR 73(36):793, and by GOLD 2025); RSV for adults aged ≥ 60; Tdap for those
not vaccinated in adolescence; recombinant zoster for adults aged ≥ 50.
"""

from __future__ import annotations

from datetime import date

import pytest

from careDesk.care.templates import shipped
from careDesk.care.templates.tailoring import PatientFacts, activities_of, tailor
from careDesk.care.verb_kit import local_today
from careDesk.desk import Desk
from careDesk.handouts.readability import (
    ENGLISH_MAX_GRADE,
    SPANISH_MIN_EASE,
    fernandez_huerta,
    flesch_kincaid_grade,
)
from careDesk.model.base import utcnow
from tests.careDesk.care.support_records import make_patient

# (what GOLD 2024 names, words that must all appear in one activity's staff description)
GOLD_2024_ALL_AGES = {
    "influenza, yearly": ("Influenza", "every year"),
    "COVID-19, current recommendations": ("COVID-19", "currently recommended"),
    "pneumococcal": ("PCV20", "PCV21", "PCV15", "PPSV23"),
    "Tdap if not vaccinated in adolescence": ("Tdap", "adolescence"),
}
ZOSTER = ("zoster", "50 or older")  # GOLD 2024: adults with COPD aged ≥ 50
RSV = ("RSV", "60 or older")  # GOLD 2024: adults aged ≥ 60


def _vaccines(age: int) -> list[str]:
    body = tailor(shipped()["copd"], PatientFacts(age=age)).body
    return [a.description for a in activities_of(body) if a.kind == "vaccination"]


def _has(descriptions: list[str], words: tuple[str, ...]) -> bool:
    return any(all(w.lower() in d.lower() for w in words) for d in descriptions)


@pytest.mark.parametrize("age", [40, 49, 50, 59, 60, 75])
def test_every_gold_2024_vaccine_is_in_the_template_at_its_age(age: int) -> None:
    found = _vaccines(age)
    for name, words in GOLD_2024_ALL_AGES.items():
        assert _has(found, words), name
    assert _has(found, ZOSTER) is (age >= 50)
    assert _has(found, RSV) is (age >= 60)


def test_the_age_rules_are_shown_with_gold_as_their_source() -> None:
    rules = {r.key: r for r in tailor(shipped()["copd"], PatientFacts(age=59)).rules}
    assert rules["gold_zoster_50"].applies and not rules["gold_rsv_60"].applies
    for key in ("gold_zoster_50", "gold_rsv_60"):
        assert "GOLD 2024" in rules[key].source
    assert any("GOLD 2024" in s and "vaccination" in s for s in shipped()["copd"].sources)


def test_vaccine_words_for_patients_in_english_and_spanish_read_easily() -> None:
    body = tailor(shipped()["copd"], PatientFacts(age=70)).body
    words = [a.patient_words for a in activities_of(body) if a.kind == "vaccination"]
    texts = [w for w in words if w is not None]
    assert len(texts) == 6  # the record check is staff work, not printed
    assert all(set(t) == {"en", "es"} for t in texts)
    assert flesch_kincaid_grade(" ".join(t["en"] for t in texts)) <= ENGLISH_MAX_GRADE
    assert fernandez_huerta(" ".join(t["es"] for t in texts)) >= SPANISH_MIN_EASE
    assert shipped()["copd"].languages() == ["en", "es"]


def _born(years: int, today: date) -> date:
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.mark.parametrize(("age", "rsv"), [(59, False), (60, True)])
def test_applied_for_a_patient_the_rsv_vaccine_starts_at_60_and_prints_in_spanish(
    desk: Desk, age: int, rsv: bool
) -> None:
    today = local_today(utcnow())
    patient = make_patient(desk, birth_date=_born(age, today), language="es")
    desk.templates.apply(patient.id, "copd")
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    acts = [a for p in tree.problems for g in p.goals for a in g.activities]
    vaccines = [a.description for a in acts if a.kind == "vaccination"]
    assert _has(vaccines, RSV) is rsv
    assert _has(vaccines, ZOSTER)
    printed = desk.handouts.patient_content(patient.id).plain_text()
    assert "Ponerme la vacuna de la gripe cada año." in printed
    assert ("VSR" in printed) is rsv
