"""Conditions, medications, allergies, utilization (encounters) and observations.

Each kind has one base model (``XBase``): its fields, declared once with their column sizes and
rules (``careDesk/model/fields.py``). The table derives from it, and so do the input forms and
read models (``careDesk/care/forms/clinical.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic import Field as _Constraint
from sqlmodel import Field, SQLModel

from careDesk.model.base import PatientOwned, Record
from careDesk.model.fields import (
    Day,
    Dose,
    DoseAmount,
    Icd10,
    Lines,
    Loinc,
    PastDay,
    PastTime,
    Snomed,
    one_of,
)

# FHIR R4 condition-clinical and allergyintolerance-clinical value sets.
CONDITION_STATUSES = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
ALLERGY_STATUSES = ("active", "inactive", "resolved")
SEVERITIES = ("mild", "moderate", "severe")
ENCOUNTER_KINDS = ("admission", "emergency", "outpatient")
MEDICATION_STATUSES = ("active", "stopped")
# Universal Medication Schedule times of day (IOM 2008; NCPDP 2013 UMS white paper), in order.
SLOTS = ("morning", "noon", "evening", "bedtime")


def _slots(value: Any) -> Any:
    """Accept "morning, bedtime" or ["morning", "bedtime"]; store a comma list in day order."""
    if value is None:
        return ""
    if not isinstance(value, str | list | tuple | set | frozenset):
        return value  # not text: the str type refuses it
    items = value.split(",") if isinstance(value, str) else list(value)
    names = {str(item).strip().lower() for item in items if str(item).strip()}
    if names - set(SLOTS):
        raise ValueError(f"use only {', '.join(SLOTS)}")
    return ",".join(slot for slot in SLOTS if slot in names)


Slots = Annotated[str, BeforeValidator(_slots)]
TimesPerDay = Annotated[int, _Constraint(ge=1, le=24)]
EveryHours = Annotated[int, _Constraint(ge=1, le=72)]


class ConditionBase(SQLModel):
    """A diagnosis, coded with ICD-10-CM and/or SNOMED CT."""

    display: str = Field(max_length=300)
    icd10: Icd10 | None = Field(default=None, max_length=12, index=True)  # e.g. E11.9
    snomed: Snomed | None = Field(default=None, max_length=20)  # SNOMED CT concept id
    onset: PastDay | None = None
    abated: PastDay | None = None
    status: Annotated[str, one_of(CONDITION_STATUSES)] = Field(default="active", max_length=20)
    chronic: bool = Field(default=True)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Condition(ConditionBase, PatientOwned, Record, table=True):
    __tablename__ = "condition"


class MedicationBase(SQLModel):
    """A medicine with structured timing (Universal Medication Schedule slots or every N hours).

    ``slots`` is a comma list of ``morning``, ``noon``, ``evening``, ``bedtime``
    (IOM/NCPDP 2013 Universal Medication Schedule); ``every_hours`` keeps "every N hours";
    ``as_needed`` is FHIR ``asNeededBoolean``.
    """

    name: str = Field(max_length=300)
    ingredient: str | None = Field(default=None, max_length=200)  # generic, lower case
    dose: Dose | None = Field(default=None, max_length=100)  # as written: "500 mg"
    dose_amount: DoseAmount | None = None
    dose_unit: str | None = Field(default=None, max_length=30)
    route: str | None = Field(default=None, max_length=40)  # by mouth, inhaled…
    purpose: str | None = Field(default=None, max_length=200)  # plain words: "for blood sugar"
    prescriber: str | None = Field(default=None, max_length=200)
    start_date: Day | None = None
    stop_date: Day | None = None
    status: Annotated[str, one_of(MEDICATION_STATUSES)] = Field(default="active", max_length=20)
    slots: Slots = Field(default="", max_length=60)
    times_per_day: TimesPerDay | None = None
    every_hours: EveryHours | None = None
    as_needed: bool = Field(default=False)
    as_needed_for: str | None = Field(default=None, max_length=200)
    instructions: Lines | None = None
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Medication(MedicationBase, PatientOwned, Record, table=True):
    __tablename__ = "medication"


class AllergyBase(SQLModel):
    """An allergy or intolerance: substance, reaction, severity."""

    substance: str = Field(max_length=200)
    reaction: str | None = Field(default=None, max_length=200)
    severity: Annotated[str, one_of(SEVERITIES)] | None = Field(default=None, max_length=20)
    status: Annotated[str, one_of(ALLERGY_STATUSES)] = Field(default="active", max_length=20)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Allergy(AllergyBase, PatientOwned, Record, table=True):
    __tablename__ = "allergy"


class EncounterBase(SQLModel):
    """Utilization: an admission (start/end give the length of stay and acuity), an emergency
    or office visit."""

    kind: Annotated[str, one_of(ENCOUNTER_KINDS)] = Field(max_length=20, index=True)
    start: PastTime = Field(index=True)
    end: PastTime | None = None
    acute: bool = Field(default=False)  # emergent admission (LACE "A")
    facility: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=300)
    discharge_disposition: str | None = Field(default=None, max_length=60)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Encounter(EncounterBase, PatientOwned, Record, table=True):
    __tablename__ = "encounter"


class ObservationBase(SQLModel):
    """A measurement (blood pressure, A1c, weight…) coded with LOINC (e.g. 4548-4 hemoglobin
    A1c, 8480-6 systolic blood pressure)."""

    # No index on ``loinc`` or ``effective`` (schema 10): every observation read is one
    # patient's, or a chunk of patients' (the risk refresh), through the patient index. These
    # two indexes served no query, and the planner took the loinc one for a per-patient read,
    # reading every patient's rows of the code. A first sync built them in single statements
    # that could not step aside for a save for up to 1.4 s.
    loinc: Loinc | None = Field(default=None, max_length=20)
    display: str = Field(max_length=200)
    value: float | None = None
    value_text: str | None = Field(default=None, max_length=200)
    unit: str | None = Field(default=None, max_length=30)
    effective: PastTime
    source_id: str | None = Field(default=None, max_length=200, index=True)
    # The panel a component belongs to (85354-9 blood pressure: 8480-6 systolic and 8462-4
    # diastolic are two rows with the same panel and time), so they pair up again (issue 17).
    panel: str | None = Field(default=None, max_length=20)


class Observation(ObservationBase, PatientOwned, Record, table=True):
    __tablename__ = "observation"
