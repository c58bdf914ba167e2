"""Care plans: problems → goals (target, due date, progress) → activities (owner, schedule).

The plan, its problems, goals and activities each have one base model declaring their fields
once, with column sizes and rules (``careDesk/model/fields.py``); the tables and input forms
(``careDesk/care/plan_forms.py``) derive from them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from sqlmodel import Field, SQLModel

from careDesk.model.base import PatientOwned, Record
from careDesk.model.fields import CheckedLoinc, Day, Language, Schedule, one_of


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


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"


class GoalStatus(StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    CANCELLED = "cancelled"


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# Where each part of a plan hangs; set by the verb from the parent, never by a form.
class _InPlan(SQLModel):
    plan_id: str = Field(foreign_key="care_plan.id", index=True, max_length=36)


class _UnderProblem(SQLModel):
    problem_id: str = Field(foreign_key="problem.id", index=True, max_length=36)


class _UnderGoal(SQLModel):
    goal_id: str = Field(foreign_key="goal.id", index=True, max_length=36)


class CarePlanBase(SQLModel):
    """A patient's care plan: its title, language and review date."""

    set_by_core: ClassVar[frozenset[str]] = frozenset({"status", "version_no"})

    title: str = Field(default="Care plan", max_length=200)
    status: str = Field(default="active", max_length=20)  # draft, active, completed
    version_no: int = Field(default=1)
    review_date: Day | None = Field(default=None, index=True)
    language: Language = Field(default="en", max_length=10)


class CarePlan(CarePlanBase, PatientOwned, Record, table=True):
    __tablename__ = "care_plan"


class PlanVersion(PatientOwned, _InPlan, Record, table=True):
    """A frozen copy of a plan (problems, goals, activities) as it stood at a version."""

    __tablename__ = "plan_version"

    number: int
    snapshot: str  # JSON
    note: str | None = Field(default=None, max_length=300)


class ProblemBase(SQLModel):
    """A problem the plan addresses, optionally linked to a condition."""

    set_by_core: ClassVar[frozenset[str]] = frozenset({"position"})

    description: str = Field(max_length=300)
    condition_id: str | None = Field(default=None, max_length=36)
    position: int = Field(default=0)


class Problem(ProblemBase, PatientOwned, _InPlan, Record, table=True):
    __tablename__ = "problem"


class GoalBase(SQLModel):
    """A goal under a problem: in clinical and in the patient's words, with its target."""

    set_by_core: ClassVar[frozenset[str]] = frozenset(
        {"position", "target_rule", "target_value", "target_value2", "target_unit"}
    )

    description: str = Field(max_length=300)  # clinical wording
    patient_words: str | None = Field(default=None, max_length=300)  # printed on handouts
    measure: str | None = Field(default=None, max_length=100)  # "A1c", "steps a day"
    target: str | None = Field(default=None, max_length=100)  # "below 8%", "3000"
    # A goal linked to a measure computes its own progress from the measurements (issue 17):
    # the LOINC code of the series, and ``target`` read as a rule (careDesk/care/measures/
    # targets.py): below / above / between / lose, its numbers and the unit they are in. The
    # rule's parts are filled in by the core from ``target`` (set_by_core).
    measure_loinc: CheckedLoinc | None = Field(default=None, max_length=20, index=True)
    target_rule: str | None = Field(default=None, max_length=10)
    target_value: float | None = None
    target_value2: float | None = None  # the upper bound of "between"; the diastolic of a BP
    target_unit: str | None = Field(default=None, max_length=30)
    due_date: Day | None = None
    status: Annotated[str, one_of(GoalStatus)] = Field(default="active", max_length=20)
    achieved_on: Day | None = None
    position: int = Field(default=0)


class Goal(GoalBase, PatientOwned, _InPlan, _UnderProblem, Record, table=True):
    __tablename__ = "goal"


class GoalProgress(PatientOwned, _UnderGoal, Record, table=True):
    __tablename__ = "goal_progress"

    noted_at: datetime
    value: str | None = Field(default=None, max_length=100)
    note: str | None = None


class ActivityBase(SQLModel):
    """Who does what, when, towards a goal."""

    set_by_core: ClassVar[frozenset[str]] = frozenset({"position"})

    kind: Annotated[str, one_of(ActivityKind)] = Field(max_length=30)
    description: str = Field(max_length=300)
    patient_words: str | None = Field(default=None, max_length=300)
    owner: Annotated[str, one_of(Owner)] = Field(default=Owner.PATIENT, max_length=20)
    owner_name: str | None = Field(default=None, max_length=200)
    schedule: Schedule | None = Field(default=None, max_length=200)  # plain words or RRULE
    due_date: Day | None = None
    status: Annotated[str, one_of(ActivityStatus)] = Field(default="planned", max_length=20)
    done_on: Day | None = None
    # A test's LOINC code: what the duplicate-test check matches, so a typo is refused.
    test_code: CheckedLoinc | None = Field(default=None, max_length=20)
    medication_id: str | None = Field(default=None, max_length=36)
    resource_id: str | None = Field(default=None, max_length=36)
    position: int = Field(default=0)


class Activity(ActivityBase, PatientOwned, _InPlan, _UnderGoal, Record, table=True):
    __tablename__ = "activity"
