"""The patient's timeline (notes, calls, messages), time spent, and transitions."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from careDesk.model.base import Record


class TimelineEntry(Record, table=True):
    __tablename__ = "timeline_entry"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    kind: str = Field(max_length=20)  # note, call, message, letter, system
    at: datetime = Field(index=True)
    author_id: str | None = Field(default=None, max_length=36)
    summary: str = Field(max_length=300)
    body: str | None = None
    channel: str | None = Field(default=None, max_length=20)
    direction: str | None = Field(default=None, max_length=10)  # in, out
    outcome: str | None = Field(default=None, max_length=60)  # reached, voicemail, no answer…
    minutes: int | None = None


class TimeEntry(Record, table=True):
    """Care-management time (for the CCM minutes report, CPT 99490/99439/99487), with the
    billing category it counts towards (``careDesk.care.billing_codes``: ccm, ccm_complex, pcm,
    bhi, cocm, tcm or none). Rows from before schema 9 were all counted as CCM, so they are
    ``ccm``."""

    __tablename__ = "time_entry"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    user_id: str = Field(max_length=36, index=True)
    on_date: date = Field(index=True)
    minutes: int
    activity: str = Field(max_length=60)
    timeline_id: str | None = Field(default=None, max_length=36)
    category: str = Field(default="ccm", max_length=20, sa_column_kwargs={"server_default": "ccm"})


class Transition(Record, table=True):
    """Discharge from the program or transition to another provider."""

    __tablename__ = "transition"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    on_date: date
    outcome: str = Field(max_length=20)  # discharged, transitioned
    reason: str = Field(max_length=60)  # goals_met, moved, declined, hospice, deceased…
    summary: str
    to_provider: str | None = Field(default=None, max_length=200)
