"""Coordination warnings: repeated tests and visits, shared ingredients, conflicting doses."""

from __future__ import annotations

from datetime import timedelta

from careDesk.desk import Desk
from careDesk.model.clinical import Medication, Observation
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.schedule import Appointment
from tests.careDesk.care.clinic_rows import NOW, patient, store


def plan_for(desk: Desk, pid: str) -> tuple[str, str]:
    plan = CarePlan(patient_id=pid)
    problem = Problem(plan_id=plan.id, patient_id=pid, description="Diabetes")
    goal = Goal(problem_id=problem.id, plan_id=plan.id, patient_id=pid, description="A1c below 8")
    with desk.writing() as tx:
        for record, kind in ((plan, "care_plan"), (problem, "problem"), (goal, "goal")):
            tx.add(record, kind=kind, patient_id=pid)
            tx.session.flush()
    return plan.id, goal.id


def activity(pid: str, ids: tuple[str, str], kind: str, text: str, **extra: object) -> Activity:
    return Activity(
        plan_id=ids[0], goal_id=ids[1], patient_id=pid, kind=kind, description=text, **extra
    )


def test_repeat_test_within_its_interval_names_both_sources(desk: Desk) -> None:
    p = patient("C-1")
    store(desk, p)
    ids = plan_for(desk, p.id)
    a1c = Observation(
        patient_id=p.id,
        loinc="4548-4",
        display="Hemoglobin A1c",
        value=7.9,
        effective=NOW - timedelta(days=40),
    )
    soon = activity(p.id, ids, "test", "Check A1c", test_code="4548-4", due_date=NOW.date())
    later = activity(
        p.id,
        ids,
        "test",
        "A1c next quarter",
        test_code="4548-4",
        due_date=NOW.date() + timedelta(days=95),  # past the 90 days after "Check A1c" too
    )
    store(desk, a1c, soon, later)
    warnings = desk.coordination.warnings(p.id, now=NOW)
    assert [(w.kind, w.first.id, w.second.id) for w in warnings] == [
        ("repeat_test", soon.id, a1c.id)
    ]
    message = warnings[0].message
    assert "Check A1c" in message and "Hemoglobin A1c" in message and "90-day" in message


def test_repeat_visit_within_its_interval(desk: Desk) -> None:
    p = patient("C-2")
    store(desk, p)
    ids = plan_for(desk, p.id)
    seen = Appointment(
        patient_id=p.id,
        starts_at=NOW - timedelta(days=100),
        purpose="Diabetic eye exam",
        with_whom="Dr. Okafor (ophthalmology)",
        status="completed",
    )
    plan_visit = activity(p.id, ids, "appointment", "Book an eye exam")
    store(desk, seen, plan_visit)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert warning.kind == "repeat_visit"
    assert warning.first.label == "Book an eye exam"
    assert warning.second.label == "Diabetic eye exam - Dr. Okafor (ophthalmology)"


def test_same_ingredient_from_different_prescribers(desk: Desk) -> None:
    p = patient("C-3")
    a = Medication(
        patient_id=p.id,
        name="Metformin",
        ingredient="metformin",
        dose="500 mg",
        prescriber="Dr. Adams",
    )
    b = Medication(
        patient_id=p.id,
        name="Glucophage XR",
        ingredient="Metformin",
        dose="500 mg",
        prescriber="Dr. Baker",
    )
    other = Medication(
        patient_id=p.id, name="Lisinopril", ingredient="lisinopril", prescriber="Dr. C"
    )
    stopped = Medication(
        patient_id=p.id,
        name="Metformin",
        ingredient="metformin",
        dose="1000 mg",
        prescriber="Dr. D",
        status="stopped",
    )
    store(desk, p, a, b, other, stopped)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert warning.kind == "same_ingredient"
    assert "Metformin 500 mg (prescribed by Dr. Adams)" in warning.message
    assert "Glucophage XR 500 mg (prescribed by Dr. Baker)" in warning.message
    assert {warning.first.id, warning.second.id} == {a.id, b.id}


def test_different_doses_of_the_same_medicine(desk: Desk) -> None:
    p = patient("C-4")
    store(desk, p)
    ids = plan_for(desk, p.id)
    a = Medication(
        patient_id=p.id,
        name="Furosemide",
        ingredient="furosemide",
        dose_amount=40,
        dose_unit="mg",
        prescriber="Dr. Adams",
    )
    b = Medication(
        patient_id=p.id,
        name="Furosemide",
        ingredient="furosemide",
        dose="20 mg",
        prescriber="Dr. Adams",
    )
    plan_med = activity(
        p.id, ids, "medication", "Take furosemide 80 mg each morning", medication_id=a.id
    )
    store(desk, a, b, plan_med)
    warnings = desk.coordination.warnings(p.id, now=NOW)
    assert sorted(w.kind for w in warnings) == ["dose_conflict", "dose_conflict"]
    plan_warning = next(w for w in warnings if w.first.kind == "activity")
    assert plan_warning.second.id == a.id
    assert "Take furosemide 80 mg each morning" in plan_warning.message


def test_no_warnings_for_a_tidy_record(desk: Desk) -> None:
    p = patient("C-5")
    store(desk, p, Medication(patient_id=p.id, name="Aspirin", ingredient="aspirin", dose="81 mg"))
    assert desk.coordination.warnings(p.id, now=NOW) == []
