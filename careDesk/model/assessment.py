"""Screener results (PHQ-9, PHQ-2, GAD-7, AHC-HRSN) and patient alerts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from careDesk.model.base import Record


class ScreenerResult(Record, table=True):
    __tablename__ = "screener_result"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    instrument: str = Field(max_length=20, index=True)  # phq9, phq2, gad7, ahc_hrsn
    loinc: str = Field(max_length=20)  # panel code: 44249-1, 55757-9, 69737-5, 96777-8
    answers: str = Field(default="{}")  # JSON {item id: answer value}
    total: int | None = None
    band: str | None = Field(default=None, max_length=40)
    positive: bool = Field(default=False)
    positive_domains: str = Field(default="[]")  # JSON list (AHC-HRSN domains)
    taken_at: datetime = Field(index=True)


class Alert(Record, table=True):
    """Something a coordinator must see on the chart, e.g. PHQ-9 item 9 answered ≥ 1."""

    __tablename__ = "alert"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    kind: str = Field(max_length=40)
    severity: str = Field(default="urgent", max_length=20)  # urgent, warning, info
    message: str = Field(max_length=300)
    raised_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=36)
    screener_id: str | None = Field(default=None, max_length=36)
