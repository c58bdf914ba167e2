"""A rich patient record for export tests: a Synthea patient plus what careDesk adds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import utcnow
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.referral import Referral
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.model.team import CareTeamMember
from tests.careDesk.interop.conftest import SYNTHEA

ALI = "Ali_Harris_eed1d00b-7665-4da3-88b7-c37cfb2ed245.json"
SOON = utcnow().replace(microsecond=0) + timedelta(days=3)


def rich_patient(desk: Desk) -> str:
    """Import a Synthea patient, then add the records only careDesk keeps; returns the id."""
    pid = desk.interop.import_file(SYNTHEA / ALI).patient_ids[0]
    with desk.writing() as tx:
        patient = tx.session.get(Patient, pid)
        assert patient is not None
        patient.preferred_name, patient.interpreter_needed = "Al", True
        patient.email, patient.phone = "ali@example.org", "555-0100"
        patient.phone_digits = "5550100"
        tx.touch(patient, kind="patient", patient_id=pid)
        condition = tx.session.exec(
            select(Condition).where(col(Condition.patient_id) == pid)
        ).first()
        assert condition is not None
        add = [
            FamilyMember(
                patient_id=pid,
                name="Sara Harris",
                relationship="daughter",
                caregiver=True,
                emergency_contact=True,
                may_be_told="appointments",
                phone="555-0101",
            ),
            Condition(
                patient_id=pid, display="Heart failure", icd10="I50.9", onset=date(2019, 2, 1)
            ),
            Medication(
                patient_id=pid,
                name="Metformin 500 MG Oral Tablet",
                ingredient="metformin",
                dose="500 mg",
                dose_amount=500,
                dose_unit="mg",
                route="by mouth",
                purpose="for blood sugar",
                prescriber="Dr. Lee",
                slots="morning,bedtime",
                start_date=date(2020, 1, 1),
                instructions="Take with food",
            ),
            Medication(
                patient_id=pid,
                name="Amoxicillin",
                ingredient="amoxicillin",
                every_hours=8,
                status="stopped",
                stop_date=date(2021, 5, 1),
            ),
            Medication(
                patient_id=pid,
                name="Lisinopril",
                ingredient="lisinopril",
                slots="morning,evening",
                times_per_day=2,
            ),
            Medication(
                patient_id=pid,
                name="Ibuprofen",
                ingredient="ibuprofen",
                as_needed=True,
                as_needed_for="pain",
            ),
            Allergy(patient_id=pid, substance="Penicillin", reaction="Hives", severity="moderate"),
            Encounter(
                patient_id=pid,
                kind="admission",
                start=datetime(2024, 3, 1, 8, tzinfo=UTC),
                end=datetime(2024, 3, 5, 8, tzinfo=UTC),
                acute=True,
                facility="General",
                reason="Heart failure",
                discharge_disposition="home",
            ),
            ScreenerResult(
                patient_id=pid,
                instrument="phq9",
                loinc="44249-1",
                total=12,
                band="moderate",
                positive=True,
                answers=json.dumps({"phq9_1": 2, "phq9_9": 0}),  # careDesk item ids
                taken_at=datetime(2024, 4, 1, 9, tzinfo=UTC),
            ),
            ScreenerResult(
                patient_id=pid,
                instrument="ahc_hrsn",
                loinc="96777-8",
                band=None,  # scored by domains, no band: as desk.screeners.record stores it
                positive=True,
                positive_domains='["food"]',
                taken_at=datetime(2024, 4, 2, 9, tzinfo=UTC),
            ),
            CareTeamMember(
                patient_id=pid,
                name="Kim Cho",
                role="care coordinator",
                lead=True,
                phone="555-0199",
                email="kim@clinic.example",
            ),
            FollowUp(patient_id=pid, kind="call", title="Check on new medicine", due_at=SOON),
            Appointment(
                patient_id=pid,
                starts_at=SOON,
                ends_at=SOON + timedelta(minutes=30),
                with_whom="Dr. Lee",
                purpose="Diabetes review",
                place="Main clinic",
                address="1 Main St",
                transport_needed=True,
                transport_note="Van booked",
            ),
            Appointment(
                patient_id=pid,
                starts_at=SOON + timedelta(days=7),
                with_whom="Nurse Ann",
                telehealth_url="https://video.example/room/42",
            ),
            Appointment(
                patient_id=pid,
                starts_at=SOON - timedelta(days=30),
                with_whom="Past visit",
                status="completed",
            ),
            Referral(
                patient_id=pid,
                to_name="Heart clinic",
                specialty="cardiology",
                reason="Worsening breathlessness",
                urgency="soon",
                state="sent",
                sent_at=SOON,
            ),
        ]
        for record in add:
            tx.add(record, kind=str(type(record).__tablename__), patient_id=pid)
        tx.session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        plan = tx.add(
            CarePlan(patient_id=pid, title="My plan", review_date=date(2025, 1, 1)),
            kind="care_plan",
            patient_id=pid,
        )
        first = tx.add(
            Problem(
                plan_id=plan.id,
                patient_id=pid,
                description="Sugar control",
                condition_id=condition.id,
            ),
            kind="problem",
            patient_id=pid,
        )
        second = tx.add(
            Problem(plan_id=plan.id, patient_id=pid, description="Feeling low", position=1),
            kind="problem",
            patient_id=pid,
        )
        goal = tx.add(
            Goal(
                problem_id=second.id,
                plan_id=plan.id,
                patient_id=pid,
                description="Reduce PHQ-9 below 10",
                patient_words="Feel like myself",
                measure="PHQ-9",
                target="below 10",
                due_date=date(2025, 6, 1),
            ),
            kind="goal",
            patient_id=pid,
        )
        tx.add(
            Goal(
                problem_id=first.id,
                plan_id=plan.id,
                patient_id=pid,
                description="A1c < 8",
                status="achieved",
                achieved_on=date(2024, 9, 1),
            ),
            kind="goal",
            patient_id=pid,
        )
        tx.add(
            Activity(
                goal_id=goal.id,
                plan_id=plan.id,
                patient_id=pid,
                kind="check_in",
                description="Weekly call",
            ),
            kind="activity",
            patient_id=pid,
        )
    return pid
