"""Follow-up tasks and appointments: rows with due times (the scheduler is only the clock)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from careDesk.model.base import Record


class FollowUp(Record, table=True):
    """A staff task about a patient: call, visit, lab check, medication or plan review."""

    __tablename__ = "follow_up"
    # "What is due now" is one range scan over open rows: 100,000 follow-ups, one query
    # (docs/architecture.md#scheduling-the-reminder-clock).
    # "What is due for me" is the same range scan within one assignee (desk.followups.due).
    __table_args__ = (
        Index("ix_follow_up_open_due", "status", "due_at"),
        Index("ix_follow_up_assignee_due", "assignee_id", "status", "due_at"),
        # ix_follow_up_open_urgent_due (status, urgent DESC, due_at) is in schema_extras:
        # Alembic cannot autogenerate an index with a sort direction on SQLite.
    )

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    kind: str = Field(max_length=30)  # call, visit, lab_check, medication_review, plan_review
    title: str = Field(max_length=200)
    due_at: datetime = Field(index=True)  # UTC
    timezone: str | None = Field(default=None, max_length=60)  # IANA zone for recurrence
    recurrence: str | None = Field(default=None, max_length=200)  # RFC 5545 RRULE
    assignee_id: str | None = Field(default=None, max_length=36, index=True)
    urgent: bool = Field(default=False)
    status: str = Field(default="open", max_length=20, index=True)  # open, done, cancelled
    snoozed_until: datetime | None = None
    completed_at: datetime | None = None
    result: str | None = None
    notified_at: datetime | None = None
    origin: str | None = Field(default=None, max_length=60)  # e.g. "phq9_item9", "plan"
    activity_id: str | None = Field(default=None, max_length=36)


class Appointment(Record, table=True):
    __tablename__ = "appointment"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    starts_at: datetime = Field(index=True)  # UTC
    ends_at: datetime | None = None
    with_whom: str | None = Field(default=None, max_length=200)
    purpose: str | None = Field(default=None, max_length=200)
    place: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)  # how to get there (handouts)
    telehealth_url: str | None = Field(default=None, max_length=500)
    transport_needed: bool = Field(default=False)
    transport_note: str | None = Field(default=None, max_length=300)
    # scheduled, completed, missed, cancelled
    status: str = Field(default="scheduled", max_length=20)
    confirmed_at: datetime | None = None  # the patient (or caregiver) replied to confirm
    source_id: str | None = Field(default=None, max_length=200, index=True)
