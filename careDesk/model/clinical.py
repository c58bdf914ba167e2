"""Conditions, medications, allergies, utilization (encounters) and observations."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from careDesk.model.base import Record


class Condition(Record, table=True):
    __tablename__ = "condition"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    display: str = Field(max_length=300)
    icd10: str | None = Field(default=None, max_length=12, index=True)  # ICD-10-CM, e.g. E11.9
    snomed: str | None = Field(default=None, max_length=20)  # SNOMED CT concept id
    onset: date | None = None
    abated: date | None = None
    status: str = Field(default="active", max_length=20)  # active, resolved, inactive
    chronic: bool = Field(default=True)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Medication(Record, table=True):
    """A medicine with structured timing (Universal Medication Schedule slots or every N hours).

    ``slots`` is a comma list of ``morning``, ``noon``, ``evening``, ``bedtime``
    (IOM/NCPDP 2013 Universal Medication Schedule); ``every_hours`` keeps "every N hours";
    ``as_needed`` is FHIR ``asNeededBoolean``.
    """

    __tablename__ = "medication"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    name: str = Field(max_length=300)
    ingredient: str | None = Field(default=None, max_length=200)  # generic, lower case
    dose: str | None = Field(default=None, max_length=100)  # as written: "500 mg"
    dose_amount: float | None = None
    dose_unit: str | None = Field(default=None, max_length=30)
    route: str | None = Field(default=None, max_length=40)  # by mouth, inhaled…
    purpose: str | None = Field(default=None, max_length=200)  # plain words: "for blood sugar"
    prescriber: str | None = Field(default=None, max_length=200)
    start_date: date | None = None
    stop_date: date | None = None
    status: str = Field(default="active", max_length=20)  # active, stopped
    slots: str = Field(default="", max_length=60)
    times_per_day: int | None = None
    every_hours: int | None = None
    as_needed: bool = Field(default=False)
    as_needed_for: str | None = Field(default=None, max_length=200)
    instructions: str | None = None
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Allergy(Record, table=True):
    __tablename__ = "allergy"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    substance: str = Field(max_length=200)
    reaction: str | None = Field(default=None, max_length=200)
    severity: str | None = Field(default=None, max_length=20)  # mild, moderate, severe
    status: str = Field(default="active", max_length=20)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Encounter(Record, table=True):
    """Utilization: admissions (with length of stay and acuity) and emergency visits."""

    __tablename__ = "encounter"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    kind: str = Field(max_length=20, index=True)  # admission, emergency, outpatient
    start: datetime = Field(index=True)
    end: datetime | None = None
    acute: bool = Field(default=False)  # emergent admission (LACE "A")
    facility: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=300)
    discharge_disposition: str | None = Field(default=None, max_length=60)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Observation(Record, table=True):
    """A measurement (blood pressure, A1c, weight…) coded with LOINC."""

    __tablename__ = "observation"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    loinc: str | None = Field(default=None, max_length=20, index=True)
    display: str = Field(max_length=200)
    value: float | None = None
    value_text: str | None = Field(default=None, max_length=200)
    unit: str | None = Field(default=None, max_length=30)
    effective: datetime = Field(index=True)
    source_id: str | None = Field(default=None, max_length=200, index=True)
    # The panel a component belongs to (85354-9 blood pressure: 8480-6 systolic and 8462-4
    # diastolic are two rows with the same panel and time), so they pair up again (issue 17).
    panel: str | None = Field(default=None, max_length=20)
