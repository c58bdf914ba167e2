"""Realistic test patients for handouts, inserted as model rows through a real desk transaction.

Also used by ``benchmarks/bench_handouts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from careDesk.desk import Desk
from careDesk.model.clinical import Allergy, Condition, Medication
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Owner, Problem
from careDesk.model.referral import CommunityResource, Referral, ResourceReferral
from careDesk.model.schedule import Appointment
from careDesk.model.security import User
from careDesk.model.team import CareTeamMember
from careDesk.model.timeline import Transition

PARENTS = {"care_plan", "problem", "goal", "community_resource"}
CLINIC = "Riverside Family Clinic"
CLINIC_PHONE = "555-0100"
TZ = "America/Chicago"


def set_up_clinic(desk: Desk) -> None:
    """Clinic settings printed on every page."""
    desk.settings.set("clinic.name", CLINIC)
    desk.settings.set("clinic.phone", CLINIC_PHONE)
    desk.settings.set("clinic.address", "12 River Road, Springfield")
    desk.settings.set("clinic.timezone", TZ)


@dataclass
class Built:
    """Ids of what a builder inserted."""

    patient_id: str
    mrn: str
    referral_id: str | None = None
    transition_id: str | None = None


def _coordinator_id(desk: Desk) -> str:
    with desk.reading() as session:
        user = session.exec(select(User).where(User.login == desk.user.login)).one()
    return user.id


def _plan(tx_add, pid: str, problems: list[tuple[str, Condition | None, list[Goal]]]) -> str:  # type: ignore[no-untyped-def]
    plan = tx_add(CarePlan(patient_id=pid, title="Care plan", status="active"), "care_plan")
    for position, (description, condition, goals) in enumerate(problems):
        problem = Problem(
            plan_id=plan.id,
            patient_id=pid,
            description=description,
            condition_id=condition.id if condition else None,
            position=position,
        )
        tx_add(problem, "problem")
        for goal in goals:
            goal.problem_id, goal.plan_id, goal.patient_id = problem.id, plan.id, pid
            tx_add(goal, "goal")
    return str(plan.id)


def add_maria(desk: Desk, *, now: datetime, mrn: str = "M-1001", language: str = "es") -> Built:
    """Diabetes and high blood pressure; a daughter who helps; a ride needed; a food bank."""
    coordinator = _coordinator_id(desk)
    with desk.writing() as tx:
        p = Patient(
            mrn=mrn,
            given_name="María",
            family_name="López",
            birth_date=date(1956, 4, 2),
            language=language,
            phone="555-0147",
            timezone=TZ,
            coordinator_id=coordinator,
            status="active",
        )
        tx.add(p, kind="patient", patient_id=p.id)
        tx.session.flush()

        def add(row, kind):  # type: ignore[no-untyped-def]
            # Parents first: the tables have foreign keys but no relationships.
            tx.add(row, kind=kind, patient_id=p.id)
            if kind in PARENTS:
                tx.session.flush()
            return row

        diabetes = add(
            Condition(patient_id=p.id, display="Type 2 diabetes mellitus", icd10="E11.9"),
            "condition",
        )
        add(Condition(patient_id=p.id, display="Essential hypertension", icd10="I10"), "condition")
        add(
            Condition(patient_id=p.id, display="Old fracture", icd10="S52.5", status="resolved"),
            "condition",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Metformin",
                dose="500 mg",
                times_per_day=2,
                purpose="for blood sugar",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Lisinopril",
                dose="10 mg",
                slots="morning",
                purpose="for blood pressure",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Atorvastatin",
                dose="20 mg",
                slots="bedtime",
                purpose="for cholesterol",
                instructions="Take with water",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Acetaminophen",
                dose="500 mg",
                as_needed=True,
                as_needed_for="pain",
                instructions="No more than 6 pills a day",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id, name="Glipizide", dose="5 mg", times_per_day=1, status="stopped"
            ),
            "medication",
        )
        add(Allergy(patient_id=p.id, substance="Penicillin", reaction="rash"), "allergy")
        add(
            FamilyMember(
                patient_id=p.id, name="Ana López", relationship="daughter", caregiver=True
            ),
            "family_member",
        )
        walk = Goal(
            problem_id="",
            plan_id="",
            patient_id="",
            description="HbA1c < 8%",
            patient_words="Walk after dinner so my sugar stays down",
        )
        sugar = Goal(
            problem_id="",
            plan_id="",
            patient_id="",
            description="Fasting glucose 80-130 mg/dL",
            measure="glucose",
            position=1,
        )
        plan_id = _plan(add, p.id, [("Blood sugar too high", diabetes, [walk, sugar])])
        goal_id = walk.id
        add(
            Activity(
                goal_id=goal_id,
                plan_id=plan_id,
                patient_id=p.id,
                kind="lifestyle",
                description="SMBG qAM before breakfast",
                patient_words="Check my blood sugar before breakfast",
                schedule="FREQ=DAILY",
            ),
            "activity",
        )
        add(
            Activity(
                goal_id=goal_id,
                plan_id=plan_id,
                patient_id=p.id,
                kind="medication",
                description="Fill weekly pill box",
                owner=Owner.CAREGIVER,
                owner_name="Ana",
                schedule="FREQ=WEEKLY;BYDAY=SU",
                position=1,
            ),
            "activity",
        )
        add(
            Activity(
                goal_id=goal_id,
                plan_id=plan_id,
                patient_id=p.id,
                kind="check_in",
                description="Call patient re: glucose log",
                owner=Owner.COORDINATOR,
                position=2,
            ),
            "activity",
        )
        add(
            Activity(
                goal_id=goal_id,
                plan_id=plan_id,
                patient_id=p.id,
                kind="education",
                description="Diabetes class",
                status="done",
                position=3,
            ),
            "activity",
        )
        tomorrow = clinic_tomorrow_at(now, 9, 30)
        add(
            Appointment(
                patient_id=p.id,
                starts_at=tomorrow,
                with_whom="Dr. Chen",
                purpose="Diabetes check",
                place="Riverside Family Clinic",
                address="12 River Road",
                transport_needed=True,
            ),
            "appointment",
        )
        add(
            Appointment(
                patient_id=p.id,
                starts_at=tomorrow + timedelta(days=7),
                with_whom="Nurse Patel",
                purpose="Blood pressure check",
                telehealth_url="https://visit.example.org/r/4821",
            ),
            "appointment",
        )
        add(
            Appointment(
                patient_id=p.id,
                starts_at=now - timedelta(days=3),
                with_whom="Dr. Chen",
                purpose="Old visit",
                status="completed",
            ),
            "appointment",
        )
        food = add(
            CommunityResource(
                name="Westside Food Bank",
                category="food",
                phone="555-0190",
                hours="Monday to Friday, 9 to 5",
                address="40 Elm Street",
            ),
            "community_resource",
        )
        add(
            ResourceReferral(
                patient_id=p.id, resource_id=food.id, need="food", referred_on=now.date()
            ),
            "resource_referral",
        )
        add(
            CareTeamMember(patient_id=p.id, name="Dr. Chen", role="primary care", phone="555-0111"),
            "care_team_member",
        )
        ref = add(
            Referral(
                patient_id=p.id,
                to_name="Dr. Ortiz",
                specialty="endocrinology",
                reason="A1c rising despite metformin",
            ),
            "referral",
        )
    return Built(p.id, mrn, referral_id=ref.id)


def add_robert(desk: Desk, *, now: datetime, mrn: str = "M-1002") -> Built:
    """Heart failure, kidney disease, high blood pressure; weighs himself daily."""
    with desk.writing() as tx:
        p = Patient(
            mrn=mrn,
            given_name="Robert",
            family_name="Miller",
            birth_date=date(1948, 9, 12),
            language="en",
            timezone=TZ,
            status="active",
        )
        tx.add(p, kind="patient", patient_id=p.id)
        tx.session.flush()

        def add(row, kind):  # type: ignore[no-untyped-def]
            # Parents first: the tables have foreign keys but no relationships.
            tx.add(row, kind=kind, patient_id=p.id)
            if kind in PARENTS:
                tx.session.flush()
            return row

        hf = add(
            Condition(
                patient_id=p.id, display="Chronic congestive heart failure", snomed="88805009"
            ),
            "condition",
        )
        add(
            Condition(patient_id=p.id, display="Chronic kidney disease stage 3", icd10="N18.30"),
            "condition",
        )
        add(Condition(patient_id=p.id, display="Hypertension", snomed="38341003"), "condition")
        add(
            Medication(
                patient_id=p.id,
                name="Furosemide",
                dose="40 mg",
                dose_amount=1,
                dose_unit="tablet",
                slots="morning",
                purpose="to get rid of extra water",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Carvedilol",
                dose="6.25 mg",
                times_per_day=2,
                purpose="for your heart",
                instructions="Take with food",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Spironolactone",
                dose="25 mg",
                slots="noon",
                purpose="for your heart",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Nitroglycerin",
                dose="1 pill under the tongue",
                as_needed=True,
                as_needed_for="chest pain",
            ),
            "medication",
        )
        add(
            CareTeamMember(
                patient_id=p.id,
                name="Jo Park",
                role="nurse care manager",
                phone="555-0123",
                lead=True,
            ),
            "care_team_member",
        )
        weight = Goal(
            problem_id="",
            plan_id="",
            patient_id="",
            description="Daily weights, < 2 lb gain/day",
            patient_words="Keep my weight steady so I can breathe",
        )
        plan_id = _plan(add, p.id, [("Fluid builds up", hf, [weight])])
        goal_id = weight.id
        add(
            Activity(
                goal_id=goal_id,
                plan_id=plan_id,
                patient_id=p.id,
                kind="lifestyle",
                description="Daily weight",
                patient_words="Weigh myself each morning and write it down",
                schedule="every morning",
            ),
            "activity",
        )
        add(
            Activity(
                goal_id=goal_id,
                plan_id=plan_id,
                patient_id=p.id,
                kind="lifestyle",
                description="2 g Na diet",
                patient_words="Eat less salt",
                position=1,
            ),
            "activity",
        )
        soon = clinic_tomorrow_at(now, 14, 0)
        add(
            Appointment(
                patient_id=p.id,
                starts_at=soon,
                with_whom="Heart clinic",
                purpose="Heart check",
                place="City Hospital, 3rd floor",
            ),
            "appointment",
        )
    return Built(p.id, mrn)


def add_linh(desk: Desk, *, now: datetime, mrn: str = "M-1003", language: str = "vi") -> Built:
    """COPD and depression; inhalers, an every-8-hours antibiotic, a ride service; discharged."""
    with desk.writing() as tx:
        p = Patient(
            mrn=mrn,
            given_name="Linh",
            family_name="Nguyễn",
            birth_date=date(1962, 1, 20),
            language=language,
            timezone=TZ,
            status="discharged",
        )
        tx.add(p, kind="patient", patient_id=p.id)
        tx.session.flush()

        def add(row, kind):  # type: ignore[no-untyped-def]
            # Parents first: the tables have foreign keys but no relationships.
            tx.add(row, kind=kind, patient_id=p.id)
            if kind in PARENTS:
                tx.session.flush()
            return row

        add(Condition(patient_id=p.id, display="COPD", icd10="J44.9"), "condition")
        add(
            Condition(patient_id=p.id, display="Major depressive disorder", icd10="F32.1"),
            "condition",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Tiotropium inhaler",
                dose="1 puff",
                slots="morning",
                purpose="to open your airways",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Sertraline",
                dose="50 mg",
                slots="morning",
                purpose="for mood",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Amoxicillin",
                dose="500 mg",
                every_hours=8,
                purpose="for infection",
                instructions="1 cap PO q8h x 7 days",
            ),
            "medication",
        )
        add(
            Medication(
                patient_id=p.id,
                name="Albuterol inhaler",
                dose="2 puffs",
                as_needed=True,
                as_needed_for="trouble breathing",
                instructions="PRN SOB",
            ),
            "medication",
        )
        ride = add(
            CommunityResource(
                name="Senior Ride Line",
                category="transportation",
                phone="555-0177",
                hours="Every day, 7 to 7",
            ),
            "community_resource",
        )
        add(
            ResourceReferral(
                patient_id=p.id, resource_id=ride.id, need="transportation", referred_on=now.date()
            ),
            "resource_referral",
        )
        tr = add(
            Transition(
                patient_id=p.id,
                on_date=now.date(),
                outcome="transitioned",
                reason="moved",
                summary="You moved closer to your son.\nYour new doctor has your records.",
                to_provider="Lakeside Health Center",
            ),
            "transition",
        )
    return Built(p.id, mrn, transition_id=tr.id)


def add_minimal(desk: Desk, *, mrn: str = "M-1004") -> Built:
    """Only one medicine and nothing else in the record."""
    with desk.writing() as tx:
        p = Patient(mrn=mrn, given_name="Sam", family_name="Reed", birth_date=date(1970, 5, 5))
        tx.add(p, kind="patient", patient_id=p.id)
        tx.session.flush()
        tx.add(
            Medication(
                patient_id=p.id,
                name="Levothyroxine",
                dose="50 mcg",
                slots="morning",
                purpose="for your thyroid",
            ),
            kind="medication",
            patient_id=p.id,
        )
    return Built(p.id, mrn)


def clinic_tomorrow_at(now: datetime, hour: int, minute: int) -> datetime:
    """The clinic's next day after ``now`` (its own calendar, not UTC's) at this local time, in
    UTC: between midnight UTC and midnight in Chicago the two calendars differ by a day."""
    day = now.astimezone(ZoneInfo(TZ)).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), ZoneInfo(TZ)).astimezone(UTC)


def fixed_now() -> datetime:
    """A stable 'now' (aware UTC) for building appointments relative to it."""
    return datetime.now(UTC).replace(microsecond=0)
