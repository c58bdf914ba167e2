"""Care plan input forms and read models: plan → problems → goals (progress) → activities.

The nested read models (:class:`PlanTree`) are what the UI and handouts show, and also what a
plan version freezes as JSON, so an old version reads back exactly as it stood.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, StringConstraints, model_validator

from careDesk.care.forms.fields import CheckedLoinc
from careDesk.care.verb_kit import (
    Form,
    Line,
    Long,
    OptBody,
    OptId,
    OptLine,
    OptLong,
    OptShort,
    ReadModel,
    UtcTime,
    check_rrule,
    looks_like_rrule,
)
from careDesk.errors import ValidationFailed
from careDesk.model.plan import ActivityKind, Owner


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


def _schedule(value: str | None) -> str | None:
    """A schedule is plain words ("every morning") or an RFC 5545 RRULE, which must parse."""
    if value is not None and looks_like_rrule(value):
        check_rrule(value)
    return value


Language = Annotated[
    str, StringConstraints(min_length=2, max_length=10, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
]
Schedule = Annotated[OptLine, AfterValidator(_schedule)]
TestCode = CheckedLoinc | None  # a test's LOINC code: what the duplicate-test check matches


# ----- input forms ----------------------------------------------------------------------------
class PlanForm(Form):
    title: Line = "Care plan"
    review_date: date | None = None
    language: Language = "en"


class PlanUpdate(Form):
    not_null: ClassVar[frozenset[str]] = frozenset({"title", "language"})
    title: Line | None = None
    review_date: date | None = None
    language: Language | None = None


class ProblemForm(Form):
    description: Long
    condition_id: OptId = None


class ProblemUpdate(Form):
    not_null: ClassVar[frozenset[str]] = frozenset({"description"})
    description: Long | None = None
    condition_id: OptId = None


class GoalUpdate(Form):
    not_null: ClassVar[frozenset[str]] = frozenset({"description", "status"})
    description: Long | None = None
    patient_words: OptLong = None
    measure: OptShort = None
    target: OptShort = None
    # The LOINC code of the series this goal is measured by (issue 17): its progress is then
    # computed from the measurements and ``target`` must read as a rule ("below 7%").
    measure_loinc: CheckedLoinc | None = None
    due_date: date | None = None
    status: GoalStatus | None = None
    achieved_on: date | None = None


class GoalForm(GoalUpdate):
    description: Long
    status: GoalStatus = GoalStatus.ACTIVE


class ProgressForm(Form):
    value: OptShort = None
    note: OptBody = None
    noted_at: UtcTime | None = None

    @model_validator(mode="after")
    def _something_noted(self) -> ProgressForm:
        if self.value is None and self.note is None:
            raise ValidationFailed("value", "give a value or a note")
        return self


class ActivityUpdate(Form):
    not_null: ClassVar[frozenset[str]] = frozenset({"kind", "description", "owner", "status"})
    kind: ActivityKind | None = None
    description: Long | None = None
    patient_words: OptLong = None
    owner: Owner | None = None
    owner_name: OptLine = None
    schedule: Schedule = None
    due_date: date | None = None
    status: ActivityStatus | None = None
    done_on: date | None = None
    test_code: TestCode = None
    medication_id: OptId = None
    resource_id: OptId = None


class ActivityForm(ActivityUpdate):
    kind: ActivityKind
    description: Long
    owner: Owner = Owner.PATIENT
    status: ActivityStatus = ActivityStatus.PLANNED


class VersionNote(Form):
    note: OptLong = None


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
    "ActivityForm",
    "ActivityRead",
    "ActivityStatus",
    "ActivityUpdate",
    "GoalForm",
    "GoalNode",
    "GoalRead",
    "GoalStatus",
    "GoalUpdate",
    "PlanForm",
    "PlanRead",
    "PlanStatus",
    "PlanTree",
    "PlanUpdate",
    "PlanVersionRead",
    "ProblemForm",
    "ProblemNode",
    "ProblemRead",
    "ProblemUpdate",
    "ProgressForm",
    "ProgressRead",
    "VersionInfo",
    "VersionNote",
]
