"""FHIR Encounter and Observation → utilization, measurements and screener results."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from careDesk.care.instruments import by_loinc
from careDesk.interop import fhir_phq9, fhir_screeners
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_people import join_care_team
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import (
    LOINC,
    Place,
    code_in,
    codings,
    fhir_datetime,
    items,
    label,
    number,
    obj,
    text,
)
from careDesk.model.clinical import Encounter, Observation

KIND_BY_CLASS = {
    "EMER": "emergency",
    "IMP": "admission",
    "ACUTE": "admission",
    "NONAC": "admission",
}
# v3-ActPriority EM (emergency), UR (urgent), A (ASAP), S (stat) mean an emergent admission.
EMERGENT = {"EM", "UR", "A", "S"}
SAME_DAY = timedelta(hours=24)


def map_encounter(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """An Encounter: EMER → emergency, IMP → admission, others outpatient; period → stay.

    Acuity (LACE "A", van Walraven 2010: admitted through emergency): an admission is acute when
    its ``priority`` is EM/UR/A/S or ``hospitalization.admitSource`` is ``emd``; with no priority
    at all, when the patient had an emergency visit starting within the 24 hours up to the
    admission (Synthea admits from the emergency department this way and sets no priority).
    """
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    klass = obj(res.get("class"), place, "class")
    kind = KIND_BY_CLASS.get(str(klass.get("code")), "outpatient")
    period = obj(res.get("period"), place, "period")
    start = fhir_datetime(period.get("start"), place, "period.start")
    if start is None:
        raise place.reject("period.start", "is missing (when was this encounter?)")
    end = fhir_datetime(period.get("end"), place, "period.end")
    if end is not None and end < start:
        raise place.reject("period.end", "is before period.start")
    priority = next((c.get("code") for c in codings(res.get("priority"), place, "priority")), None)
    hosp = obj(res.get("hospitalization"), place, "hospitalization")
    admit_source = next(
        (
            c.get("code")
            for c in codings(hosp.get("admitSource"), place, "hospitalization.admitSource")
        ),
        None,
    )
    reasons = items(res.get("reasonCode"), place, "reasonCode")
    values: dict[str, Any] = {
        "kind": kind,
        "start": start,
        "end": end,
        "acute": kind == "admission" and (priority in EMERGENT or admit_source == "emd"),
        "facility": ctx.label(res.get("serviceProvider"), place, "serviceProvider"),
        "reason": label(reasons[0], place, "reasonCode[0]", 300) if reasons else None,
        "discharge_disposition": label(
            hosp.get("dischargeDisposition"), place, "hospitalization.dischargeDisposition", 60
        ),
    }
    encounter = ctx.upsert(Encounter, entry, patient_id, values)
    ctx.bind(entry, encounter.id)
    if kind == "admission" and priority is None and admit_source is None:
        ctx.finally_.append(lambda: _infer_acuity(ctx, encounter, patient_id))
    for i, part in enumerate(items(res.get("participant"), place, "participant")):
        who = ctx.resolve(
            obj(part, place, "participant").get("individual"), place, f"participant[{i}].individual"
        )
        if who:
            join_care_team(ctx, patient_id, who, "care provider")


def _infer_acuity(ctx: ImportContext, admission: Encounter, patient_id: str) -> None:
    emergency = ctx.tx.session.exec(
        select(Encounter.id).where(
            (col(Encounter.patient_id) == patient_id)
            & (col(Encounter.kind) == "emergency")
            & (col(Encounter.start) <= admission.start)
            & (col(Encounter.start) >= admission.start - SAME_DAY)
            & col(Encounter.deleted_at).is_(None)
        )
    ).first()
    if emergency is not None and not admission.acute:
        admission.acute = True
        ctx.tx.touch(admission, kind="encounter", patient_id=patient_id)


def _value(data: dict[str, Any], place: Place, where: str) -> dict[str, Any]:
    if "valueQuantity" in data:
        qty = obj(data["valueQuantity"], place, f"{where}valueQuantity")
        unit = qty.get("unit") or qty.get("code")
        return {
            "value": number(qty.get("value"), place, f"{where}valueQuantity.value"),
            "value_text": None,
            "unit": text(unit, place, f"{where}valueQuantity.unit", 30, clip=True),
        }
    if "valueInteger" in data:
        return {
            "value": number(data["valueInteger"], place, f"{where}valueInteger"),
            "value_text": None,
            "unit": None,
        }
    words = None
    if "valueCodeableConcept" in data:
        words = label(data["valueCodeableConcept"], place, f"{where}valueCodeableConcept", 200)
    elif "valueString" in data:
        words = text(data["valueString"], place, f"{where}valueString", 200, clip=True)
    return {"value": None, "value_text": words, "unit": None}


def map_observation(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """An Observation: a LOINC-coded measurement (one row per component), a screener total, or
    part of a PHQ-9 response (``fhir_phq9``: panel, items, total)."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    loinc = code_in(res.get("code"), LOINC, place, "code")
    effective = (
        fhir_datetime(res.get("effectiveDateTime"), place, "effectiveDateTime")
        or fhir_datetime(res.get("effectiveInstant"), place, "effectiveInstant")
        or fhir_datetime(
            obj(res.get("effectivePeriod"), place, "effectivePeriod").get("start"),
            place,
            "effectivePeriod.start",
        )
        or fhir_datetime(res.get("issued"), place, "issued")
    )
    if effective is None:
        raise place.reject("effectiveDateTime", "is missing (when was this measured?)")
    if loinc in fhir_phq9.CODES:  # joined into responses once the whole file is read
        fhir_phq9.read_observation(
            ctx,
            entry,
            place,
            patient_id,
            loinc,
            effective,
            lambda: _measurement(ctx, entry, place, patient_id, loinc, effective),
        )
        return
    inst = by_loinc(loinc) if loinc else None
    if inst is not None:  # a screener panel or total of the instrument registry
        fhir_screeners.read_screener(ctx, entry, place, patient_id, inst, effective)
        return
    _measurement(ctx, entry, place, patient_id, loinc, effective)


def _measurement(
    ctx: ImportContext,
    entry: Entry,
    place: Place,
    patient_id: str,
    loinc: str | None,
    effective: datetime,
) -> None:
    """A LOINC-coded measurement: one row, or one per component."""
    res = entry.resource
    display = label(res.get("code"), place, "code", 200) or loinc
    if not display:
        raise place.reject("code", "has no text, display or LOINC code")
    components = items(res.get("component"), place, "component")
    if not components or any(k.startswith("value") for k in res):
        values = {
            "loinc": loinc,
            "display": display,
            "effective": effective,
            **_value(res, place, ""),
        }
        ctx.upsert(Observation, entry, patient_id, values)
    for i, comp in enumerate(components):
        comp = obj(comp, place, f"component[{i}]")
        code = code_in(comp.get("code"), LOINC, place, f"component[{i}].code")
        name = label(comp.get("code"), place, f"component[{i}].code", 200) or code or display
        values = {
            "loinc": code,
            "display": name,
            "effective": effective,
            "panel": loinc,  # the two numbers of a blood pressure pair up again (issue 17)
            **_value(comp, place, f"component[{i}]."),
        }
        own = text(comp.get("id"), place, f"component[{i}].id", 64)  # careDesk's export
        ctx.upsert(Observation, entry, patient_id, values, part=code or str(i), record_id=own)
