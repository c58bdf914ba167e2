"""Care plan input forms and read models: plan → problems → goals (progress) → activities.

The nested read models (:class:`PlanTree`) are what the UI and handouts show, and also what a
plan version freezes as JSON, so an old version reads back exactly as it stood.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import model_validator
from sqlmodel import Field

from careDesk.care.forms.base import Form, ReadModel, refuse, updating
from careDesk.model.fields import Lines, UtcTime
from careDesk.model.plan import (
    ActivityBase,
    ActivityStatus,
    CarePlanBase,
    GoalBase,
    GoalStatus,
    PlanStatus,
    ProblemBase,
)


# ----- input forms ----------------------------------------------------------------------------
class PlanCreate(CarePlanBase, Form):
    """A new care plan (it starts active, version 1)."""


class ProblemCreate(ProblemBase, Form):
    """A problem for the plan (it goes last; reorder to move it)."""


class GoalCreate(GoalBase, Form):
    """A goal under a problem."""


class ActivityCreate(ActivityBase, Form):
    """An activity under a goal."""


PlanUpdate = updating(CarePlanBase, "PlanUpdate", doc="Changes to a plan's title, date, language.")
ProblemUpdate = updating(ProblemBase, "ProblemUpdate", doc="Changes to a problem.")
GoalUpdate = updating(GoalBase, "GoalUpdate", doc="Changes to a goal.")
ActivityUpdate = updating(ActivityBase, "ActivityUpdate", doc="Changes to an activity.")


class ProgressForm(Form):
    value: str | None = Field(default=None, max_length=100)
    note: Lines | None = Field(default=None, max_length=20_000)
    noted_at: UtcTime | None = None

    @model_validator(mode="after")
    def _something_noted(self) -> ProgressForm:
        if self.value is None and self.note is None:
            raise refuse("value", "give a value or a note")
        return self


class VersionNote(Form):
    note: str | None = Field(default=None, max_length=300)


# ----- read models ----------------------------------------------------------------------------
class PlanRead(ReadModel):
    id: str
    patient_id: str
    title: str
    status: str
    version_no: int
    review_date: date | None
    language: str
    updated_at: datetime


class ProblemRead(ReadModel):
    id: str
    plan_id: str
    patient_id: str
    description: str
    condition_id: str | None
    position: int


class GoalRead(ReadModel):
    id: str
    problem_id: str
    plan_id: str
    patient_id: str
    description: str
    patient_words: str | None
    measure: str | None
    target: str | None
    due_date: date | None
    status: str
    achieved_on: date | None
    position: int
    measure_loinc: str | None = None
    target_rule: str | None = None
    target_value: float | None = None
    target_value2: float | None = None
    target_unit: str | None = None


class ProgressRead(ReadModel):
    id: str
    goal_id: str
    patient_id: str
    noted_at: datetime
    value: str | None
    note: str | None


class ActivityRead(ReadModel):
    id: str
    goal_id: str
    plan_id: str
    patient_id: str
    kind: str
    description: str
    patient_words: str | None
    owner: str
    owner_name: str | None
    schedule: str | None
    due_date: date | None
    status: str
    done_on: date | None
    test_code: str | None
    medication_id: str | None
    resource_id: str | None
    position: int


class GoalNode(GoalRead):
    """A goal with its progress entries (oldest first) and activities (in order)."""

    progress: tuple[ProgressRead, ...] = ()
    activities: tuple[ActivityRead, ...] = ()


class ProblemNode(ProblemRead):
    goals: tuple[GoalNode, ...] = ()


class PlanTree(PlanRead):
    """The whole plan as plain nested data (for the UI, handouts and frozen versions)."""

    problems: tuple[ProblemNode, ...] = ()


class VersionInfo(ReadModel):
    id: str
    plan_id: str
    number: int
    note: str | None
    saved_at: datetime
    saved_by: str | None


class PlanVersionRead(VersionInfo):
    """A saved version with the plan exactly as it stood then."""

    tree: PlanTree


__all__ = [
    "ActivityCreate",
    "ActivityRead",
    "ActivityStatus",
    "ActivityUpdate",
    "GoalCreate",
    "GoalNode",
    "GoalRead",
    "GoalStatus",
    "GoalUpdate",
    "PlanCreate",
    "PlanRead",
    "PlanStatus",
    "PlanTree",
    "PlanUpdate",
    "PlanVersionRead",
    "ProblemCreate",
    "ProblemNode",
    "ProblemRead",
    "ProblemUpdate",
    "ProgressForm",
    "ProgressRead",
    "VersionInfo",
    "VersionNote",
]
