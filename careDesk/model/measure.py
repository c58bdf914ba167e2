"""The treat-to-target registry: one derived row per patient and registry (issue 17).

Like ``risk_score``, these rows are derived data kept current by the risk engine in the
transaction that changed the patient (and nightly), so the registry page is one query, not a
recomputation over the clinic. They hold the facts (baseline and latest value, their dates,
the target); the outcome (response, remission, not improving…) is read from them at the moment
of asking, so weeks in care never go stale. Not a ``Record``: rebuilt locally, never synced.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class RegistryEntry(SQLModel, table=True):
    """A patient in one registry (depression, anxiety, diabetes, hypertension)."""

    __tablename__ = "registry_entry"

    patient_id: str = Field(foreign_key="patient.id", primary_key=True, max_length=36)
    registry_name: str = Field(primary_key=True, max_length=20, index=True)
    baseline: float | None = None  # the first value of the episode (systolic for BP)
    baseline2: float | None = None  # the diastolic of a BP baseline
    baseline_at: datetime | None = None
    latest: float | None = None
    latest2: float | None = None
    latest_at: datetime | None = None
    target_rule: str | None = Field(default=None, max_length=10)  # the goal's, else the default
    target_value: float | None = None
    target_value2: float | None = None
    at_goal: bool | None = None  # the latest value meets the target (freshness checked on read)
    computed_at: datetime
