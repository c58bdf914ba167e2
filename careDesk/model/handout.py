"""Per-patient handout choices remembered between prints (language, large print)."""

from __future__ import annotations

from sqlmodel import Field

from careDesk.model.base import Record


class HandoutPreference(Record, table=True):
    """How a patient's handouts are printed: remembered when staff choose them (issue 6)."""

    __tablename__ = "handout_preference"

    patient_id: str = Field(foreign_key="patient.id", unique=True, index=True, max_length=36)
    language: str | None = Field(default=None, max_length=10)  # None: the patient's language
    large_print: bool = Field(default=False)
