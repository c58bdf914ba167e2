"""Care plans: problems → goals (target, due date, progress) → activities (owner, schedule)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field

from careDesk.model.base import Record


class ActivityKind(StrEnum):
    MEDICATION = "medication"
    APPOINTMENT = "appointment"
    TEST = "test"
    EDUCATION = "education"
    LIFESTYLE = "lifestyle"
    REFERRAL = "referral"
    COMMUNITY_RESOURCE = "community_resource"
    CHECK_IN = "check_in"
    VACCINATION = "vaccination"  # e.g. the GOLD 2024 COPD vaccines (templates/data/copd.json)


class Owner(StrEnum):
    PATIENT = "patient"
    CAREGIVER = "caregiver"
    COORDINATOR = "coordinator"
    CLINICIAN = "clinician"
    OTHER = "other"


class CarePlan(Record, table=True):
    __tablename__ = "care_plan"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    title: str = Field(default="Care plan", max_length=200)
    status: str = Field(default="active", max_length=20)  # draft, active, completed
    version_no: int = Field(default=1)
    review_date: date | None = Field(default=None, index=True)
    language: str = Field(default="en", max_length=10)


class PlanVersion(Record, table=True):
    """A frozen copy of a plan (problems, goals, activities) as it stood at a version."""

    __tablename__ = "plan_version"

    plan_id: str = Field(foreign_key="care_plan.id", index=True, max_length=36)
    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    number: int
    snapshot: str  # JSON
    note: str | None = Field(default=None, max_length=300)


class Problem(Record, table=True):
    __tablename__ = "problem"

    plan_id: str = Field(foreign_key="care_plan.id", index=True, max_length=36)
    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    description: str = Field(max_length=300)
    condition_id: str | None = Field(default=None, max_length=36)
    position: int = Field(default=0)


class Goal(Record, table=True):
    __tablename__ = "goal"

    problem_id: str = Field(foreign_key="problem.id", index=True, max_length=36)
    plan_id: str = Field(foreign_key="care_plan.id", index=True, max_length=36)
    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    description: str = Field(max_length=300)  # clinical wording
    patient_words: str | None = Field(default=None, max_length=300)  # printed on handouts
    measure: str | None = Field(default=None, max_length=100)  # "A1c", "steps a day"
    target: str | None = Field(default=None, max_length=100)  # "below 8%", "3000"
    # A goal linked to a measure computes its own progress from the measurements (issue 17):
    # the LOINC code of the series, and ``target`` read as a rule (careDesk/care/measures/
    # targets.py): below / above / between / lose, its numbers and the unit they are in.
    measure_loinc: str | None = Field(default=None, max_length=20, index=True)
    target_rule: str | None = Field(default=None, max_length=10)
    target_value: float | None = None
    target_value2: float | None = None  # the upper bound of "between"; the diastolic of a BP
    target_unit: str | None = Field(default=None, max_length=30)
    due_date: date | None = None
    # active, achieved, not_achieved, cancelled
    status: str = Field(default="active", max_length=20)
    achieved_on: date | None = None
    position: int = Field(default=0)


class GoalProgress(Record, table=True):
    __tablename__ = "goal_progress"

    goal_id: str = Field(foreign_key="goal.id", index=True, max_length=36)
    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    noted_at: datetime
    value: str | None = Field(default=None, max_length=100)
    note: str | None = None


class Activity(Record, table=True):
    __tablename__ = "activity"

    goal_id: str = Field(foreign_key="goal.id", index=True, max_length=36)
    plan_id: str = Field(foreign_key="care_plan.id", index=True, max_length=36)
    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    kind: str = Field(max_length=30)
    description: str = Field(max_length=300)
    patient_words: str | None = Field(default=None, max_length=300)
    owner: str = Field(default=Owner.PATIENT, max_length=20)
    owner_name: str | None = Field(default=None, max_length=200)
    schedule: str | None = Field(default=None, max_length=200)  # plain words or RRULE
    due_date: date | None = None
    status: str = Field(default="planned", max_length=20)  # planned, in_progress, done, cancelled
    done_on: date | None = None
    test_code: str | None = Field(default=None, max_length=20)  # LOINC for a test activity
    medication_id: str | None = Field(default=None, max_length=36)
    resource_id: str | None = Field(default=None, max_length=36)
    position: int = Field(default=0)
