"""The handout says a linked goal's last value and target in plain words (issue 17).

Reading level (AMA ≤ grade 6 by Flesch-Kincaid; Spanish "fairly easy", INFLESZ) is measured on
the printed text: docs/clinical-sources.md#health-literacy-for-handouts.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest

from careDesk.desk import Desk
from careDesk.handouts import readability
from careDesk.model.base import utcnow
from careDesk.model.plan import Goal
from tests.careDesk.handouts import pdfcheck

NOW = utcnow()
A1C_DAY = (NOW - timedelta(days=20)).replace(hour=15, tzinfo=UTC)


def _goal(desk: Desk, problem_id: str, words: str, target: str, loinc: str) -> None:
    goal = desk.plans.add_goal(
        problem_id, description=words, patient_words=words, target=target, measure_loinc=loinc
    ).value
    with desk.writing() as tx:
        row = tx.session.get(Goal, goal.id)
        assert row is not None
        row.created_at = NOW - timedelta(days=120)
        tx.touch(row, kind="goal", patient_id=row.patient_id)


@pytest.fixture
def pid(desk: Desk) -> str:
    desk.settings.set("clinic.name", "Riverside Family Clinic")
    desk.settings.set("clinic.phone", "555-0142")
    pid = desk.patients.create(
        mrn="HM-1", given_name="Rosa", family_name="Vega", birth_date=date(1957, 5, 5),
        timezone="America/Chicago",
    ).value.id  # fmt: skip
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes and blood pressure").value
    _goal(desk, problem.id, "Keep my blood sugar in a safe range.", "below 7%", "4548-4")
    _goal(desk, problem.id, "Keep my pressure down.", "below 130/80", "85354-9")
    _goal(desk, problem.id, "Lose some weight.", "lose 10 lb", "29463-7")
    desk.measures.record(pid, kind="a1c", value=8.2, unit="%", taken_at=A1C_DAY)
    desk.measures.record(pid, kind="blood_pressure", systolic=142, diastolic=88,
                         taken_at=NOW - timedelta(days=200))  # fmt: skip
    desk.measures.record(pid, kind="weight", value=190, unit="lb", taken_at=NOW - timedelta(days=3))
    return pid


def _day(en: bool) -> str:
    local = A1C_DAY.astimezone(ZoneInfo("America/Chicago")).date()
    months_en = ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"]  # fmt: skip
    months_es = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                 "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip
    if en:
        return f"{months_en[local.month - 1]} {local.day}, {local.year}"
    return f"{local.day} de {months_es[local.month - 1]} de {local.year}"


def test_the_english_handout_says_the_last_value_and_the_goal(desk: Desk, pid: str) -> None:
    text = " ".join(pdfcheck.all_text(desk.handouts.patient_handout(pid, "en")).split())
    assert f"Your last A1c was 8.2% on {_day(True)}. Your goal is below 7%." in text
    # Blood pressure: both numbers of the goal are named; an old value asks for a new one.
    assert "Your last blood pressure was 142 over 88 on" in text
    assert "It is time to check it again." in text
    assert "a top number below 130 and a bottom number below 80" in text
    # A weight goal written in pounds is printed in pounds.
    assert "Your last weight was 190 pounds on" in text and "to lose 10 pounds" in text
    assert readability.flesch_kincaid_grade(text) <= readability.ENGLISH_MAX_GRADE


def test_the_spanish_handout_says_it_too(desk: Desk, pid: str) -> None:
    text = " ".join(pdfcheck.all_text(desk.handouts.patient_handout(pid, "es")).split())
    assert f"El {_day(False)}, su A1c fue 8.2%. Su meta es menos de 7%." in text
    assert "su presión fue 142 sobre 88" in text
    assert readability.fernandez_huerta(text) >= readability.SPANISH_MIN_EASE
    assert readability.szigriszt_pazos(text) >= readability.SPANISH_MIN_EASE


def test_a_goal_without_a_value_prints_only_its_words(desk: Desk) -> None:
    pid = desk.patients.create(
        mrn="HM-2", given_name="Ali", family_name="Khan", birth_date=date(1960, 1, 1)
    ).value.id
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Mood").value
    _goal(desk, problem.id, "Feel more like myself.", "below 5", "44261-6")
    text = " ".join(pdfcheck.all_text(desk.handouts.patient_handout(pid, "en")).split())
    assert "Feel more like myself." in text and "Your last" not in text
