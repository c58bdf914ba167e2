"""A handout in one language never prints template lines stored in another (issue 15, item 17).

Templates carry each patient line in English and Spanish; the plan stores it in the plan's
language. The handout prints it in its own language; staff's own words print as written with a
note "(As written by your care team.)" in the handout's language.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from careDesk.care.templates import shipped
from careDesk.desk import Desk
from careDesk.handouts.phrases import phrasebook
from careDesk.model.patient import Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.referral import CommunityResource
from tests.careDesk.care.support_records import make_patient
from tests.careDesk.handouts import pdfcheck


def _lines(template_id: str, language: str) -> list[str]:
    body = shipped()[template_id]
    texts = [g.patient_words for p in body.problems for g in p.goals]
    texts += [a.patient_words for p in body.problems for g in p.goals for a in g.activities]
    texts += list(body.education)
    return [t[language] for t in texts if t is not None and t.get("en") and t.get("es")]


def _flat(data: bytes) -> str:
    return " ".join(pdfcheck.all_text(data).split())


def _owned_by_patient(template_id: str) -> list[tuple[str, str]]:
    """(English, Spanish) of the lines a handout prints: goals and the patient's own tasks."""
    body = shipped()[template_id]
    pairs = [(g.patient_words["en"], g.patient_words["es"]) for p in body.problems for g in p.goals]
    pairs += [
        (a.patient_words["en"], a.patient_words["es"])
        for p in body.problems
        for g in p.goals
        for a in g.activities
        if a.patient_words and a.owner == "patient"
    ]
    pairs += [(t["en"], t["es"]) for t in body.education]
    return pairs


@pytest.mark.parametrize("plan_language", ["en", "es"])
def test_template_lines_print_in_the_handouts_language_only(desk: Desk, plan_language: str) -> None:
    patient = make_patient(desk, language=plan_language)
    desk.templates.apply(patient.id, "hypertension")
    english = _flat(desk.handouts.patient_handout(patient.id, "en"))
    spanish = _flat(desk.handouts.patient_handout(patient.id, "es"))
    for en, es in _owned_by_patient("hypertension"):
        assert en in english and es not in english, en
        assert es in spanish and en not in spanish, es
    for marker in (
        phrasebook("en").text("plan.as_written"),
        phrasebook("es").text("plan.as_written"),
    ):
        assert marker not in english and marker not in spanish  # nothing typed by staff


def test_a_template_without_the_handouts_language_prints_english_marked(desk: Desk) -> None:
    patient = make_patient(desk, language="es", birth_date=date(1980, 1, 1))  # no age rules
    desk.templates.apply(patient.id, "hypertension")
    text = _flat(desk.handouts.patient_handout(patient.id, "vi"))
    mark = phrasebook("vi").text("plan.as_written")
    lines = _owned_by_patient("hypertension")
    for en, es in lines:
        assert en in text and es not in text, en
    assert text.count(mark) == len(lines)  # each of them marked, nothing else


def _staff_goal(desk: Desk, patient: Patient, words: str) -> None:
    with desk.writing() as tx:
        plan = CarePlan(patient_id=patient.id, status="active", language="es")
        tx.add(plan, kind="care_plan", patient_id=patient.id)
        tx.session.flush()
        problem = Problem(plan_id=plan.id, patient_id=patient.id, description="Dolor")
        tx.add(problem, kind="problem", patient_id=patient.id)
        tx.session.flush()
        goal = Goal(problem_id=problem.id, plan_id=plan.id, patient_id=patient.id,
                    description="Pain control", patient_words=words)  # fmt: skip
        tx.add(goal, kind="goal", patient_id=patient.id)
        tx.session.flush()
        task = Activity(goal_id=goal.id, plan_id=plan.id, patient_id=patient.id,
                        kind="lifestyle", description="Caminar",
                        patient_words="Caminar en el parque", schedule="FREQ=DAILY")  # fmt: skip
        tx.add(task, kind="activity", patient_id=patient.id)


@pytest.mark.parametrize("language", ["en", "es", "vi"])
def test_staff_words_stay_as_written_and_are_marked_in_the_handouts_language(
    desk: Desk, language: str
) -> None:
    patient = make_patient(desk, language="es")
    _staff_goal(desk, patient, "Tomar menos pastillas para el dolor")
    text = _flat(desk.handouts.patient_handout(patient.id, language))
    mark = phrasebook(language).text("plan.as_written")
    assert f"Tomar menos pastillas para el dolor. {mark}" in text
    every_day = phrasebook(language).text("schedule.every_day")
    when = phrasebook(language).text("plan.when", schedule=every_day)
    assert f"Caminar en el parque. {when} {mark}" in text


def test_a_line_with_the_community_resource_added_keeps_it_in_either_language(
    desk: Desk,
) -> None:
    with desk.writing() as tx:
        bank = CommunityResource(name="Westside Food Bank", category="food", phone="555-0190",
                                 languages="en,es")  # fmt: skip
        tx.add(bank, kind="community_resource")
    patient = make_patient(desk, language="es")
    desk.templates.apply(patient.id, "social_food")
    with desk.writing() as tx:  # staff hand the call to the patient: now it prints
        rows = tx.session.exec(select(Activity).where(Activity.patient_id == patient.id)).all()
        stored = [a.patient_words for a in rows if "Westside" in (a.patient_words or "")]
        for row in rows:
            if "Westside" in (row.patient_words or ""):
                row.owner = "patient"
                tx.touch(row, kind="activity", patient_id=patient.id)
    assert stored == ["Llamar al banco de comida. Westside Food Bank: 555-0190."]
    english = _flat(desk.handouts.patient_handout(patient.id, "en"))
    assert "Call the food bank. Westside Food Bank: 555-0190." in english
    assert "Westside Food Bank: 555-0190." in english
    assert phrasebook("en").text("plan.as_written") not in english
    for line in stored:
        assert line not in english  # stored in Spanish; printed in English


def test_a_clinic_templates_own_lines_are_translated_too(desk: Desk) -> None:
    copy = desk.templates.copy("hypertension", "bp-clinic").value
    body = desk.templates.get(copy.id).model_dump(mode="json")
    body["education"] = [{"en": "Bring your cuff to each visit.",
                          "es": "Traiga su aparato de presión a cada cita."}]  # fmt: skip
    desk.templates.save(copy.id, body, "our own tip")
    patient = make_patient(desk, language="es")
    desk.templates.apply(patient.id, copy.id)
    english = _flat(desk.handouts.patient_handout(patient.id, "en"))
    assert "Bring your cuff to each visit." in english
    assert "Traiga su aparato" not in english
