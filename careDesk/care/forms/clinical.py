"""Input forms for conditions, medications, allergies, encounters and observations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from careDesk.care.forms.base import Form
from careDesk.care.forms.fields import (
    Icd10,
    Loinc,
    LongText,
    PastDate,
    PastTime,
    Snomed,
    Text40,
    Text60,
    Text100,
    Text200,
    Text300,
)
from careDesk.errors import ValidationFailed

# FHIR R4 condition-clinical and allergyintolerance-clinical value sets.
ConditionStatus = Literal["active", "recurrence", "relapse", "inactive", "remission", "resolved"]
AllergyStatus = Literal["active", "inactive", "resolved"]
Severity = Literal["mild", "moderate", "severe"]
EncounterKind = Literal["admission", "emergency", "outpatient"]
MedicationStatus = Literal["active", "stopped"]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
DoseAmount = Annotated[float, Field(gt=0, le=100_000)]
TimesPerDay = Annotated[int, Field(ge=1, le=24)]
EveryHours = Annotated[int, Field(ge=1, le=72)]

# Universal Medication Schedule times of day (IOM 2008; NCPDP 2013 UMS white paper), in order.
SLOTS = ("morning", "noon", "evening", "bedtime")


def _slots(value: Any) -> Any:
    """Accept "morning, bedtime" or ["morning", "bedtime"]; store a comma list in day order."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    names = {str(item).strip().lower() for item in items if str(item).strip()}
    unknown = names - set(SLOTS)
    if unknown:
        raise ValueError(f"use only {', '.join(SLOTS)}")
    return ",".join(slot for slot in SLOTS if slot in names)


class ConditionCreate(Form):
    """A diagnosis, coded with ICD-10-CM and/or SNOMED CT."""

    display: Text300
    icd10: Icd10 | None = None
    snomed: Snomed | None = None
    onset: PastDate | None = None
    abated: PastDate | None = None
    status: ConditionStatus = "active"
    chronic: bool = True
    source_id: Text200 | None = None


class ConditionUpdate(Form):
    """Changes to a condition; only the fields set are applied."""

    display: Text300 | None = None
    icd10: Icd10 | None = None
    snomed: Snomed | None = None
    onset: PastDate | None = None
    abated: PastDate | None = None
    status: ConditionStatus | None = None
    chronic: bool | None = None


class MedicationCreate(Form):
    """A medicine with structured timing: UMS slots, times a day, every N hours, as needed."""

    name: Text300
    ingredient: Text200 | None = None
    dose: Text100 | None = None
    dose_amount: DoseAmount | None = None
    dose_unit: Unit | None = None
    route: Text40 | None = None
    purpose: Text200 | None = None
    prescriber: Text200 | None = None
    start_date: date | None = None
    stop_date: date | None = None
    status: MedicationStatus | None = None
    slots: str = ""
    times_per_day: TimesPerDay | None = None
    every_hours: EveryHours | None = None
    as_needed: bool = False
    as_needed_for: Text200 | None = None
    instructions: LongText | None = None
    source_id: Text200 | None = None

    _check_slots = field_validator("slots", mode="before")(_slots)


class MedicationUpdate(Form):
    """Changes to a medicine; only the fields set are applied."""

    name: Text300 | None = None
    ingredient: Text200 | None = None
    dose: Text100 | None = None
    dose_amount: DoseAmount | None = None
    dose_unit: Unit | None = None
    route: Text40 | None = None
    purpose: Text200 | None = None
    prescriber: Text200 | None = None
    start_date: date | None = None
    stop_date: date | None = None
    status: MedicationStatus | None = None
    slots: str | None = None
    times_per_day: TimesPerDay | None = None
    every_hours: EveryHours | None = None
    as_needed: bool | None = None
    as_needed_for: Text200 | None = None
    instructions: LongText | None = None

    _check_slots = field_validator("slots", mode="before")(_slots)


class AllergyCreate(Form):
    """An allergy or intolerance: substance, reaction, severity."""

    substance: Text200
    reaction: Text200 | None = None
    severity: Severity | None = None
    status: AllergyStatus = "active"
    source_id: Text200 | None = None


class AllergyUpdate(Form):
    """Changes to an allergy; only the fields set are applied."""

    substance: Text200 | None = None
    reaction: Text200 | None = None
    severity: Severity | None = None
    status: AllergyStatus | None = None


class EncounterCreate(Form):
    """Utilization: an admission (start/end give the length of stay), an ED or office visit."""

    kind: EncounterKind
    start: PastTime
    end: PastTime | None = None
    acute: bool = False
    facility: Text200 | None = None
    reason: Text300 | None = None
    discharge_disposition: Text60 | None = None
    source_id: Text200 | None = None


class EncounterUpdate(Form):
    """Changes to an encounter (e.g. the discharge time); only the fields set apply."""

    kind: EncounterKind | None = None
    start: PastTime | None = None
    end: PastTime | None = None
    acute: bool | None = None
    facility: Text200 | None = None
    reason: Text300 | None = None
    discharge_disposition: Text60 | None = None


class ObservationCreate(Form):
    """A measurement coded with LOINC (e.g. 4548-4 hemoglobin A1c, 8480-6 systolic BP)."""

    loinc: Loinc | None = None
    display: Text200
    value: float | None = None
    value_text: Text200 | None = None
    unit: Unit | None = None
    effective: PastTime
    source_id: Text200 | None = None


class ObservationUpdate(Form):
    """Changes to an observation; only the fields set are applied."""

    loinc: Loinc | None = None
    display: Text200 | None = None
    value: float | None = None
    value_text: Text200 | None = None
    unit: Unit | None = None
    effective: PastTime | None = None


REQUIRED: dict[str, set[str]] = {
    "condition": {"display", "status", "chronic"},
    "medication": {"name", "status", "slots", "as_needed"},
    "allergy": {"substance", "status"},
    "encounter": {"kind", "start", "acute"},
    "observation": {"display", "effective"},
}


def check_condition(values: Mapping[str, Any]) -> None:
    """Abatement cannot come before onset."""
    onset, abated = values.get("onset"), values.get("abated")
    if onset is not None and abated is not None and abated < onset:
        raise ValidationFailed("abated", "cannot be before the onset")


def check_medication(values: dict[str, Any], today: date) -> None:
    """Timing must say one thing; a stop date in the past means the medicine is stopped."""
    start, stop = values.get("start_date"), values.get("stop_date")
    if start is not None and stop is not None and stop < start:
        raise ValidationFailed("stop_date", "cannot be before the start date")
    slots = [s for s in (values.get("slots") or "").split(",") if s]
    if slots and values.get("every_hours"):
        raise ValidationFailed("every_hours", "give times of day or every N hours, not both")
    times = values.get("times_per_day")
    if slots and times is not None and times != len(slots):
        raise ValidationFailed("times_per_day", "does not match the times of day chosen")
    if slots and times is None:
        values["times_per_day"] = len(slots)
    if values.get("as_needed_for") and not values.get("as_needed"):
        raise ValidationFailed("as_needed_for", "only for a medicine taken as needed")
    if values.get("ingredient"):
        values["ingredient"] = values["ingredient"].lower()
    if values.get("status") is None:
        values["status"] = "stopped" if stop is not None and stop <= today else "active"


def check_encounter(values: Mapping[str, Any]) -> None:
    """A stay ends after it starts."""
    start, end = values.get("start"), values.get("end")
    if start is not None and end is not None and end < start:
        raise ValidationFailed("end", "cannot be before the start")


def check_observation(values: Mapping[str, Any]) -> None:
    """An observation has a value, as a number or as text."""
    if values.get("value") is None and not values.get("value_text"):
        raise ValidationFailed("value", "give a value (a number or text)")
