"""Where an imported record came from, for tables without their own ``source_id`` column.

Re-importing the same FHIR resource must update the record it created, never add a second one
(issue 7). Most clinical tables carry ``source_id``; plans, goals, screener results and care-team
members do not, so their origin is kept here: one row per (kind, source id) → local record.
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from careDesk.model.base import Record


class SourceLink(Record, table=True):
    """One imported resource (e.g. ``Goal/abc``) and the local record it became."""

    __tablename__ = "source_link"
    __table_args__ = (UniqueConstraint("kind", "patient_id", "source_id"),)

    kind: str = Field(max_length=40)  # the local table: care_plan, goal, screener_result…
    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    source_id: str = Field(max_length=200, index=True)  # "Goal/<id>" or the entry's fullUrl
    record_id: str = Field(max_length=36, index=True)
