"""Each patient's current risk score with its parts and reasons (derived, refreshed on change)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class RiskScore(SQLModel, table=True):
    """Kept per patient so the worklist is one indexed query, not a recomputation."""

    __tablename__ = "risk_score"

    patient_id: str = Field(foreign_key="patient.id", primary_key=True, max_length=36)
    priority: float = Field(default=0.0, index=True)
    band: str = Field(default="low", max_length=20, index=True)
    charlson_quan2011: int = 0
    charlson_1987: int = 0
    charlson_age_adjusted: int = 0
    lace: int | None = None  # of the latest discharge in the look-back (van Walraven 2010)
    lace_discharged: date | None = None  # that discharge: LACE predicts the 30 days after it
    admissions_6m: int = 0
    admissions_12m: int = 0
    ed_visits_6m: int = 0
    ed_visits_12m: int = 0
    active_medications: int = 0
    phq9: int | None = None
    phq9_band: str | None = Field(default=None, max_length=40)
    gad7: int | None = None
    gad7_band: str | None = Field(default=None, max_length=40)
    social_needs: str = Field(default="[]")  # JSON list of positive AHC-HRSN domains
    overdue: int = 0
    urgent_alerts: int = 0
    reasons: str = Field(default="[]")  # JSON list of reasons in words
    computed_at: datetime
    rules_version: int = 0  # risk/engine.py RULES_VERSION when computed; older ones are redone
