"""FHIR Condition, MedicationRequest/Statement, AllergyIntolerance → careDesk records."""

from __future__ import annotations

import re
from typing import Any

from careDesk.interop.chronic import is_chronic
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import (
    ICD10_SYSTEMS,
    SNOMED,
    Place,
    boolean,
    code_in,
    extension,
    fhir_date,
    items,
    label,
    number,
    obj,
    text,
)
from careDesk.interop.timing import from_repeat
from careDesk.model.clinical import Allergy, Condition, Medication

CONDITION_STATUS = {
    "active": "active", "recurrence": "active", "relapse": "active",
    "inactive": "inactive", "remission": "inactive", "resolved": "resolved",
}  # fmt: skip
STOPPED = {"completed", "stopped", "cancelled", "entered-in-error", "not-taken"}


def _status(concept: Any, place: Place, field: str) -> str | None:
    for code in [
        code_in(concept, s, place, field)
        for s in (
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
        )
    ]:
        if code:
            return code
    return None


def map_condition(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A Condition with SNOMED CT and/or ICD-10-CM codes, onset, abatement and status."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    display = label(res.get("code"), place, "code", 300)
    if not display:
        raise place.reject("code", "has no text or display")
    snomed = code_in(res.get("code"), SNOMED, place, "code")
    icd10 = code_in(res.get("code"), ICD10_SYSTEMS, place, "code")
    if icd10 and len(icd10) > 12:
        raise place.reject("code.coding.code", "is not an ICD-10-CM code")
    onset = fhir_date(res.get("onsetDateTime"), place, "onsetDateTime") or fhir_date(
        obj(res.get("onsetPeriod"), place, "onsetPeriod").get("start"), place, "onsetPeriod.start"
    )
    abated = fhir_date(res.get("abatementDateTime"), place, "abatementDateTime") or fhir_date(
        obj(res.get("abatementPeriod"), place, "abatementPeriod").get("end"),
        place,
        "abatementPeriod.end",
    )
    clinical = _status(res.get("clinicalStatus"), place, "clinicalStatus")
    status = CONDITION_STATUS.get(clinical or "", "resolved" if abated else "active")
    flagged = boolean(extension(res, "chronic", place), place, "extension")
    values = {
        "display": display,
        "snomed": snomed,
        "icd10": icd10,
        "onset": onset,
        "abated": abated,
        "status": status,
        "chronic": is_chronic(
            snomed=snomed,
            icd10=icd10,
            display=display,
            abated=abated is not None,
            status=status,
            flagged=flagged,
        ),
    }
    condition = ctx.upsert(Condition, entry, patient_id, values)
    ctx.bind(entry, condition.id, display)


def ingredient_of(name: str) -> str | None:
    """The generic ingredient from an RxNorm-style name: "Acetaminophen 325 MG Oral Tablet" →
    "acetaminophen" (words before the first strength; "24 HR" release prefixes skipped)."""
    words = re.sub(r"^\d+\s*(HR|ML)\s+", "", name.strip(), flags=re.IGNORECASE).split()
    head: list[str] = []
    for word in words:
        if any(ch.isdigit() for ch in word) or word.startswith(("[", "/")):
            break
        head.append(word)
    joined = " ".join(head).lower()
    return joined[:200] or None


def _medication_name(ctx: ImportContext, res: dict[str, Any], place: Place) -> str:
    name = label(res.get("medicationCodeableConcept"), place, "medicationCodeableConcept", 300)
    if name is None and res.get("medicationReference") is not None:
        name = ctx.label(res["medicationReference"], place, "medicationReference")
    if not name:
        raise place.reject("medication", "has no name (medicationCodeableConcept.text)")
    return name


def _dosage(res: dict[str, Any], place: Place) -> dict[str, Any]:
    key = "dosageInstruction" if res.get("resourceType") == "MedicationRequest" else "dosage"
    dosages = items(res.get(key), place, key)
    if not dosages:
        return {}
    dosage = obj(dosages[0], place, f"{key}[0]")
    where = f"{key}[0]"
    repeat = obj(
        obj(dosage.get("timing"), place, f"{where}.timing").get("repeat"),
        place,
        f"{where}.timing.repeat",
    )
    for field in ("frequency", "period"):
        number(repeat.get(field), place, f"{where}.timing.repeat.{field}")
    schedule = from_repeat(repeat)
    as_needed = bool(boolean(dosage.get("asNeededBoolean"), place, f"{where}.asNeededBoolean"))
    as_needed_for = label(
        dosage.get("asNeededCodeableConcept"), place, f"{where}.asNeededCodeableConcept", 200
    )
    values: dict[str, Any] = {
        "slots": schedule.slots,
        "times_per_day": schedule.times_per_day,
        "every_hours": schedule.every_hours,
        "as_needed": as_needed or as_needed_for is not None,
        "as_needed_for": as_needed_for,
        "route": label(dosage.get("route"), place, f"{where}.route", 40),
        "instructions": text(dosage.get("text"), place, f"{where}.text", 2000, clip=True)
        or schedule.note,
    }
    rates = items(dosage.get("doseAndRate"), place, f"{where}.doseAndRate")
    if rates:
        qty = obj(
            obj(rates[0], place, f"{where}.doseAndRate").get("doseQuantity"),
            place,
            f"{where}.doseAndRate.doseQuantity",
        )
        amount = number(qty.get("value"), place, f"{where}.doseAndRate.doseQuantity.value")
        unit = text(
            qty.get("unit") or qty.get("code"), place, f"{where}.doseAndRate.doseQuantity.unit", 30
        )
        values.update({"dose_amount": amount, "dose_unit": unit})
        if amount is not None:
            values["dose"] = f"{amount:g} {unit or ''}".strip()[:100]
    return values


def map_medication(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """MedicationRequest or MedicationStatement → a medicine with a structured schedule."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    name = _medication_name(ctx, res, place)
    period = obj(res.get("effectivePeriod"), place, "effectivePeriod")
    start = (
        fhir_date(res.get("authoredOn"), place, "authoredOn")
        or fhir_date(res.get("effectiveDateTime"), place, "effectiveDateTime")
        or fhir_date(period.get("start"), place, "effectivePeriod.start")
    )
    values: dict[str, Any] = {
        "name": name,
        "ingredient": text(extension(res, "ingredient", place), place, "extension", 200)
        or ingredient_of(name),
        "purpose": text(extension(res, "purpose", place), place, "extension", 200),
        "prescriber": text(extension(res, "prescriber", place), place, "extension", 200)
        or ctx.label(res.get("requester"), place, "requester")
        or ctx.label(res.get("informationSource"), place, "informationSource"),
        "start_date": start,
        "stop_date": fhir_date(period.get("end"), place, "effectivePeriod.end"),
        "status": "stopped" if res.get("status") in STOPPED else "active",
        "dose": None,
        "dose_amount": None,
        "dose_unit": None,
        **_dosage(res, place),
    }
    dose = text(extension(res, "dose", place), place, "extension dose", 100)
    if dose:
        values["dose"] = dose
    ctx.upsert(Medication, entry, patient_id, values)


def map_allergy(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """An AllergyIntolerance: substance, first reaction and its severity, status."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "patient")
    substance = label(res.get("code"), place, "code", 200)
    if not substance:
        raise place.reject("code", "has no text or display (which substance?)")
    reactions = items(res.get("reaction"), place, "reaction")
    reaction = severity = None
    if reactions:
        first = obj(reactions[0], place, "reaction[0]")
        manifest = items(first.get("manifestation"), place, "reaction[0].manifestation")
        reaction = label(manifest[0], place, "reaction[0].manifestation", 200) if manifest else None
        severity = (
            first.get("severity")
            if first.get("severity") in ("mild", "moderate", "severe")
            else None
        )
    status = _status(res.get("clinicalStatus"), place, "clinicalStatus") or "active"
    values = {"substance": substance, "reaction": reaction, "severity": severity, "status": status}
    ctx.upsert(Allergy, entry, patient_id, values)
