"""Shipped care plan templates: the catalog, applying each to a demo patient, the handout."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlmodel import col, select

from careDesk.care.demo import generate_demo
from careDesk.care.templates import shipped
from careDesk.care.templates.loader import DATA, parse_body
from careDesk.care.verb_kit import local_today
from careDesk.desk import Desk
from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.handouts.readability import (
    ENGLISH_MAX_GRADE,
    SPANISH_MIN_EASE,
    fernandez_huerta,
    flesch_kincaid_grade,
)
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.schedule.recurrence import validate_rule
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk
from tests.conftest import PASSWORD

EXPECTED = {
    "diabetes_t2", "hypertension", "heart_failure", "copd", "ckd", "depression_anxiety",
    "older_adults_falls_meds", "transition_30d", "social_food", "social_housing",
    "social_transportation", "social_utilities", "social_safety",
}  # fmt: skip


def _demo_patients(desk: Desk, count: int) -> list[Patient]:
    generate_demo(
        desk, patients=count, seed=9, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    with desk.reading() as s:
        return list(s.exec(select(Patient).order_by(col(Patient.mrn))).all())


def _patient_texts(template_id: str, language: str) -> list[str]:
    body = shipped()[template_id]
    texts = [g.patient_words for p in body.problems for g in p.goals]
    texts += [
        a.patient_words
        for p in body.problems
        for g in p.goals
        for a in g.activities
        if a.patient_words
    ]
    texts += list(body.education)  # warning signs: phrase-library groups, checked there
    return [t[language] for t in texts]


def _english_of(template_id: str, words: str) -> str:
    """The English text of the template line (goal or tailoring rule) stored as ``words``."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if words in node.values() and "en" in node:
                found.append(str(node["en"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(shipped()[template_id].model_dump(mode="json"))
    walk(json.loads((DATA / "_shared_rules.json").read_text(encoding="utf-8")))
    return found[0]


def test_catalog_lists_every_shipped_template_with_languages(desk: Desk) -> None:
    listed = {info.id: info for info in desk.templates.catalog()}
    assert set(listed) == EXPECTED
    for info in listed.values():
        assert info.shipped and info.title and info.conditions
        assert info.languages == ("en", "es")
    assert "Type 2 diabetes" in listed["diabetes_t2"].conditions


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_patient_words_read_at_grade_six(template_id: str) -> None:
    """Every patient-facing sentence of a template, English FK ≤ 6 and Spanish "fairly easy"."""
    english = " ".join(_patient_texts(template_id, "en"))
    spanish = " ".join(_patient_texts(template_id, "es"))
    assert flesch_kincaid_grade(english) <= ENGLISH_MAX_GRADE
    assert fernandez_huerta(spanish) >= SPANISH_MIN_EASE
    assert shipped()[template_id].sources  # every template cites its sources


def test_each_template_applied_to_a_demo_patient_gives_a_plan_and_a_readable_handout(
    desk: Desk,
) -> None:
    patients = _demo_patients(desk, len(EXPECTED))
    today = local_today(utcnow())
    for patient, template_id in zip(patients, sorted(EXPECTED), strict=True):
        result = desk.templates.apply(patient.id, template_id).value
        body = shipped()[template_id]
        tree = desk.plans.plan_tree(patient.id)
        assert tree is not None and tree.status == "active", template_id
        problems = {p.description: p for p in tree.problems}
        mine: list[str] = []
        for spec in body.problems:
            assert spec.description in problems, template_id
            for goal_spec in spec.goals:
                goal = next(
                    g
                    for g in problems[spec.description].goals
                    if g.description == goal_spec.description
                )
                words = goal_spec.patient_words
                assert goal.patient_words in (words.get(tree.language, words["en"]), None) or (
                    template_id == "diabetes_t2"  # the ADA rule may reword it for older adults
                ), template_id
                assert goal.patient_words and goal.target, template_id
                # The English handout prints the template's English line, whatever the plan's
                # language (issue 15: never a line stored in another language).
                mine.append(_english_of(template_id, goal.patient_words))
                assert goal.due_date == today + timedelta(weeks=goal_spec.weeks)
        assert result.applied.follow_up_ids and len(result.applied.follow_up_ids) == len(
            body.follow_ups
        )
        content = desk.handouts.patient_content(patient.id, language="en")
        assert flesch_kincaid_grade(content.plain_text()) <= ENGLISH_MAX_GRADE, template_id
        printed = content.plain_text()
        assert all(words in printed for words in mine), template_id


def test_applied_items_are_owned_scheduled_and_follow_ups_repeat(desk: Desk) -> None:
    patient = make_patient(desk, birth_date=date(1980, 1, 1))
    outcome = desk.templates.apply(patient.id, "diabetes_t2")
    applied = outcome.value.applied
    assert (applied.problems, applied.goals) == (1, 2)
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    activities = [a for p in tree.problems for g in p.goals for a in g.activities]
    assert {a.owner for a in activities} >= {"patient", "clinician", "coordinator"}
    assert any(a.schedule == "FREQ=DAILY" for a in activities)
    assert any(a.kind == "education" and a.patient_words for a in activities)
    a1c = next(g for p in tree.problems for g in p.goals if g.measure == "A1c")
    assert a1c.target == "below 7%"
    with desk.reading() as s:
        rows = s.exec(select(FollowUp).where(FollowUp.patient_id == patient.id)).all()
    weekly = next(r for r in rows if r.recurrence and "WEEKLY" in r.recurrence)
    assert "UNTIL=" in weekly.recurrence and "COUNT" not in weekly.recurrence
    validate_rule(weekly.recurrence)
    assert any(r.recurrence == "FREQ=MONTHLY" for r in rows)
    assert all(r.due_at > utcnow() and r.status == "open" for r in rows)
    assert outcome.changes.patient_ids == {patient.id}
    detail = audit_details(desk, patient.id, "plan.template.apply")[0]
    assert detail["template"] == "diabetes_t2"


def test_weekly_for_four_weeks_then_stops(desk: Desk) -> None:
    patient = make_patient(desk)
    desk.templates.apply(patient.id, "hypertension")
    weekly = next(
        f for f in desk.followups.open_for_patient(patient.id) if f.title.endswith("check-in call")
    )
    done = []
    for _ in range(5):
        current = next(
            (f for f in desk.followups.open_for_patient(patient.id) if f.title == weekly.title),
            None,
        )
        if current is None:
            break
        done.append(current.due_at)
        desk.followups.complete(current.id, "Called")
    assert len(done) == 4
    assert [b - a for a, b in pairwise(done)] == [timedelta(weeks=1)] * 3


def test_applying_twice_adds_nothing_new(desk: Desk) -> None:
    patient = make_patient(desk)
    desk.templates.apply(patient.id, "heart_failure")
    again = desk.templates.apply(patient.id, "heart_failure").value.applied
    assert (again.problems, again.goals, again.activities, again.follow_up_ids) == (0, 0, 0, ())


def test_spanish_speaking_patient_gets_spanish_words_and_named_owners(desk: Desk) -> None:
    patient = make_patient(desk, language="es")
    desk.patients.add_family(patient.id, name="Rosa Lopez", relationship="daughter", caregiver=True)
    desk.templates.apply(patient.id, "heart_failure")
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None and tree.language == "es"
    goal = tree.problems[0].goals[0]
    assert goal.patient_words == "No volver al hospital y respirar bien."
    cook = next(a for a in goal.activities if a.owner == "caregiver")
    assert cook.owner_name == "Rosa Lopez" and cook.patient_words == "Cocinar con menos sal."
    content = desk.handouts.patient_content(patient.id)
    assert "Cocinar con menos sal." in content.plain_text()


def test_unknown_template_and_read_only_role_are_refused(desk: Desk) -> None:
    patient = make_patient(desk)
    with pytest.raises(NotFound):
        desk.templates.apply(patient.id, "no_such_template")
    with read_only_desk(desk) as reader:
        assert reader.templates.catalog()
        with pytest.raises(PermissionDenied):
            reader.templates.apply(patient.id, "copd")


def test_a_broken_template_names_the_field() -> None:
    data = shipped()["copd"].model_dump(mode="json")
    data["problems"][0]["goals"][0]["activities"][0]["schedule"] = "every day"
    with pytest.raises(ValidationFailed) as err:
        parse_body(data, where="copd.json")
    assert "copd.json" in str(err.value) and "schedule" in str(err.value)
