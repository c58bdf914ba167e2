"""A patient with something in every part of the chart (summary and transition summary tests)."""

from __future__ import annotations

from datetime import timedelta

from careDesk.desk import Desk
from careDesk.model.base import utcnow

MEDICINES = ("Metformin", "Lisinopril", "Atorvastatin")
ALLERGIES = ("Penicillin", "Sulfa drugs")


def full_chart(desk: Desk) -> str:
    """Register Rosa Muñoz with problems, medicines, allergies, measures, a plan goal, a
    follow-up, a referral and a care team; return her id."""
    pid = desk.patients.create(
        given_name="Rosa",
        family_name="Muñoz",
        mrn="SUM-1",
        birth_date="1948-05-02",
        phone="+1 555 010 2020",
        address_line="12 Elm St",
        consent_program=True,
        status="active",
    ).value.id
    clinical = desk.clinical
    clinical.add_condition(pid, display="Type 2 diabetes mellitus", icd10="E11.9")
    clinical.add_condition(pid, display="Heart failure", icd10="I50.9")
    for name, dose in zip(MEDICINES, ("500 mg", "10 mg", "20 mg"), strict=True):
        clinical.add_medication(pid, name=name, dose=dose, slots="morning")
    stopped = clinical.add_medication(pid, name="Glipizide", dose="5 mg").value
    clinical.stop_medication(stopped.id)
    clinical.add_allergy(pid, substance=ALLERGIES[0], reaction="hives", severity="severe")
    clinical.add_allergy(pid, substance=ALLERGIES[1], reaction="rash")
    clinical.add_observation(
        pid, loinc="4548-4", display="Hemoglobin A1c", value=8.2, unit="%",
        effective=utcnow() - timedelta(days=3),
    )  # fmt: skip
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Blood sugar too high").value
    desk.plans.add_goal(problem.id, description="A1c below 8%", measure="A1c", target="below 8%")
    desk.followups.create(
        pid, kind="call", title="Check sugar log", due_at=utcnow() + timedelta(days=2)
    )
    desk.referrals.create(
        pid, to_name="Dr. Okafor", specialty="Cardiology", reason="Heart failure review"
    )
    desk.team.add_member(pid, name="Dr. Lee", role="Primary care", phone="+1 555 010 3030")
    return str(pid)
