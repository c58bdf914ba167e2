"""Follow-up tasks and appointments: rows with due times (the scheduler is only the clock).

``FollowUpBase`` and ``AppointmentBase`` declare each field once, with its column size and
rule (``careDesk/model/fields.py``); tables, forms and read models derive from them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from careDesk.model.base import PatientOwned, Record
from careDesk.model.fields import Recurrence, TimeZoneName, Url, UtcTime, one_of


class FollowUpKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    LAB_CHECK = "lab_check"
    MEDICATION_REVIEW = "medication_review"
    PLAN_REVIEW = "plan_review"


class FollowUpBase(SQLModel):
    """A staff task about a patient: call, visit, lab check, medication or plan review."""

    # Its progress is recorded by the follow-up verbs and the reminder clock.
    set_by_core: ClassVar[frozenset[str]] = frozenset(
        {"status", "snoozed_until", "completed_at", "result", "notified_at"}
    )

    kind: Annotated[str, one_of(FollowUpKind)] = Field(max_length=30)
    title: str = Field(max_length=200)
    due_at: UtcTime = Field(index=True)
    timezone: TimeZoneName | None = Field(default=None, max_length=60)  # for the recurrence
    recurrence: Recurrence | None = Field(default=None, max_length=200)  # RFC 5545 RRULE
    # No index of their own on ``assignee_id`` or ``status`` (schema 11): each is the first
    # column of an index below, which serves the same reads.
    assignee_id: str | None = Field(default=None, max_length=36)
    urgent: bool = Field(default=False)
    status: str = Field(default="open", max_length=20)  # open, done, cancelled
    snoozed_until: datetime | None = None
    completed_at: datetime | None = None
    result: str | None = None
    notified_at: datetime | None = None
    origin: str | None = Field(default=None, max_length=60)  # e.g. "phq9_item9", "plan"
    activity_id: str | None = Field(default=None, max_length=36)


class FollowUp(FollowUpBase, PatientOwned, Record, table=True):
    __tablename__ = "follow_up"
    # "What is due now" is one range scan over open rows: 100,000 follow-ups, one query
    # (docs/architecture.md#scheduling-the-reminder-clock).
    # "What is due for me" is the same range scan within one assignee (desk.followups.due).
    __table_args__ = (
        Index("ix_follow_up_open_due", "status", "due_at"),
        Index("ix_follow_up_assignee_due", "assignee_id", "status", "due_at"),
        # ix_follow_up_open_urgent_due (status, urgent DESC, due_at) is written by hand in the
        # migrations (named in careDesk/store/schema_extras.py): Alembic cannot autogenerate an
        # index with a sort direction on SQLite.
    )


class AppointmentBase(SQLModel):
    """Where, when, with whom, and how to get there (transport, video visit link)."""

    # The status is recorded by the appointment verbs; the source id by an import.
    set_by_core: ClassVar[frozenset[str]] = frozenset({"status", "source_id"})

    starts_at: UtcTime = Field(index=True)
    ends_at: UtcTime | None = None
    with_whom: str | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=200)
    place: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)  # how to get there (handouts)
    telehealth_url: Url | None = Field(default=None, max_length=500)
    transport_needed: bool = Field(default=False)
    transport_note: str | None = Field(default=None, max_length=300)
    # scheduled, completed, missed, cancelled
    status: str = Field(default="scheduled", max_length=20)
    confirmed_at: datetime | None = None  # the patient (or caregiver) replied to confirm
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Appointment(AppointmentBase, PatientOwned, Record, table=True):
    __tablename__ = "appointment"
