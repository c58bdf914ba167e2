"""careDesk records → FHIR R4 resources: the patient, family, conditions, medicines, allergies,
encounters, observations and screeners. Each function returns one resource as a JSON dict.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from careDesk.care.instruments import registry
from careDesk.interop.fhir_measures import category, quantity
from careDesk.interop.fhir_people import INTERPRETER, MR_TYPE
from careDesk.interop.fhir_values import EXT, ICD10_SYSTEMS, LOINC, SNOMED
from careDesk.interop.timing import to_timing
from careDesk.model.assessment import ScreenerResult
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication, Observation
from careDesk.model.patient import FamilyMember, Patient

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
CLASS_BY_KIND = {"emergency": "EMER", "admission": "IMP", "outpatient": "AMB"}


def ref(record_id: str, display: str | None = None) -> dict[str, Any]:
    """A Reference to another resource of the bundle (full URLs are ``urn:uuid:<id>``)."""
    out: dict[str, Any] = {"reference": f"urn:uuid:{record_id}"}
    if display:
        out["display"] = display
    return out


def ext(name: str, value: Any) -> dict[str, Any]:
    """A careDesk extension with the value type chosen from the Python type."""
    kind = {bool: "valueBoolean", int: "valueInteger", str: "valueString"}[type(value)]
    return {"url": EXT + name, kind: value}


def extensions(**values: Any) -> dict[str, Any]:
    """``{"extension": [...]}`` for the values that are set (nothing when none are)."""
    found = [
        ext(_camel(k), v) for k, v in values.items() if v is not None and v is not False and v != ""
    ]
    return {"extension": found} if found else {}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def day(value: date | None) -> str | None:
    """A date as FHIR ``date`` text."""
    return value.isoformat() if value else None


def instant(value: datetime | None) -> str | None:
    """An aware datetime as FHIR ``dateTime`` text (with its UTC offset)."""
    return value.isoformat() if value else None


def clean(resource: dict[str, Any]) -> dict[str, Any]:
    """Drop empty elements (FHIR forbids empty strings, arrays and objects)."""
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if isinstance(value, dict):
            value = clean(value)
        elif isinstance(value, list):
            value = [clean(v) if isinstance(v, dict) else v for v in value]
            value = [v for v in value if v not in (None, "", {}, [])]
        if value not in (None, "", {}, []):
            out[key] = value
    return out


def _telecom(phone: str | None, email: str | None) -> list[dict[str, Any]]:
    points = [{"system": "phone", "value": phone}] if phone else []
    return points + ([{"system": "email", "value": email}] if email else [])


def patient(p: Patient) -> dict[str, Any]:
    """A Patient: MR identifier, names, contacts, address, language, interpreter flag."""
    names: list[dict[str, Any]] = [
        {"use": "official", "family": p.family_name, "given": [p.given_name]}
    ]
    if p.preferred_name:
        names.append({"use": "usual", "given": [p.preferred_name]})
    return clean(
        {
            "resourceType": "Patient",
            "id": p.id,
            "extension": [{"url": INTERPRETER, "valueBoolean": True}]
            if p.interpreter_needed
            else [],
            "identifier": [
                {
                    "type": {"coding": [{"system": MR_TYPE[0], "code": MR_TYPE[1]}]},
                    "value": p.mrn,
                }
            ],
            "name": names,
            "telecom": _telecom(p.phone, p.email),
            "gender": p.sex if p.sex in ("female", "male", "other", "unknown") else "unknown",
            "birthDate": day(p.birth_date),
            "deceasedDateTime": day(p.deceased_on),
            "address": [
                {
                    "line": [p.address_line] if p.address_line else [],
                    "city": p.city,
                    "state": p.state,
                    "postalCode": p.postal_code,
                }
            ],
            "communication": [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": p.language}]}}
            ],
        }
    )


def related_person(m: FamilyMember) -> dict[str, Any]:
    """A family member or caregiver as a RelatedPerson (what they may be told as an extension)."""
    return clean(
        {
            "resourceType": "RelatedPerson",
            "id": m.id,
            **extensions(
                caregiver=m.caregiver,
                emergency_contact=m.emergency_contact,
                legal_representative=m.legal_representative,
                may_be_told=m.may_be_told,
            ),
            "patient": ref(m.patient_id),
            "relationship": [{"text": m.relationship}],
            "name": [{"text": m.name}],
            "telecom": _telecom(m.phone, m.email),
        }
    )


def condition(c: Condition) -> dict[str, Any]:
    """A Condition with its SNOMED CT / ICD-10-CM codes and careDesk's chronic flag."""
    codes = []
    if c.snomed:
        codes.append({"system": SNOMED, "code": c.snomed})
    if c.icd10:
        codes.append({"system": ICD10_SYSTEMS[0], "code": c.icd10})
    return clean(
        {
            "resourceType": "Condition",
            "id": c.id,
            "extension": [ext("chronic", c.chronic)],
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": c.status}]},
            "code": {"coding": codes, "text": c.display},
            "subject": ref(c.patient_id),
            "onsetDateTime": day(c.onset),
            "abatementDateTime": day(c.abated),
        }
    )


def _dosage(m: Medication) -> dict[str, Any]:
    dose = {"value": m.dose_amount, "unit": m.dose_unit} if m.dose_amount is not None else None
    dosage: dict[str, Any] = {
        "text": m.instructions,
        "timing": to_timing(m.slots, m.times_per_day, m.every_hours),
        "route": {"text": m.route} if m.route else None,
        "doseAndRate": [{"doseQuantity": dose}] if dose else [],
    }
    if m.as_needed_for:
        dosage["asNeededCodeableConcept"] = {"text": m.as_needed_for}
    else:
        dosage["asNeededBoolean"] = m.as_needed
    return dosage


def medication_statement(m: Medication) -> dict[str, Any]:
    """A medicine as a MedicationStatement, its schedule as a FHIR ``Timing``."""
    return clean(
        {
            "resourceType": "MedicationStatement",
            "id": m.id,
            **extensions(
                ingredient=m.ingredient, purpose=m.purpose, prescriber=m.prescriber, dose=m.dose
            ),
            "status": "stopped" if m.status == "stopped" else "active",
            "medicationCodeableConcept": {"text": m.name},
            "subject": ref(m.patient_id),
            "effectivePeriod": {"start": day(m.start_date), "end": day(m.stop_date)},
            "dosage": [_dosage(m)],
        }
    )


def allergy(a: Allergy) -> dict[str, Any]:
    """An AllergyIntolerance with the first reaction and its severity."""
    reaction = []
    if a.reaction:
        reaction = [{"manifestation": [{"text": a.reaction}], "severity": a.severity}]
    status = a.status if a.status in ("active", "inactive", "resolved") else "active"
    return clean(
        {
            "resourceType": "AllergyIntolerance",
            "id": a.id,
            "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": status}]},
            "code": {"text": a.substance},
            "patient": ref(a.patient_id),
            "reaction": reaction,
        }
    )


def encounter(e: Encounter) -> dict[str, Any]:
    """An Encounter; admissions carry priority EM (acute) or R (routine) for LACE."""
    priority = None
    if e.kind == "admission":
        priority = {"coding": [{"system": PRIORITY, "code": "EM" if e.acute else "R"}]}
    return clean(
        {
            "resourceType": "Encounter",
            "id": e.id,
            "status": "finished" if e.end else "in-progress",
            "class": {"system": ACT_CODE, "code": CLASS_BY_KIND.get(e.kind, "AMB")},
            "priority": priority,
            "subject": ref(e.patient_id),
            "period": {"start": instant(e.start), "end": instant(e.end)},
            "reasonCode": [{"text": e.reason}] if e.reason else [],
            "hospitalization": {"dischargeDisposition": {"text": e.discharge_disposition}}
            if e.discharge_disposition
            else None,
            "serviceProvider": {"display": e.facility} if e.facility else None,
        }
    )


def observation(o: Observation) -> dict[str, Any]:
    """A LOINC-coded measurement as an Observation (category and UCUM unit where known)."""
    value: dict[str, Any] = {}
    if o.value is not None:
        value["valueQuantity"] = quantity(o.value, o.unit)
    elif o.value_text is not None:
        value["valueString"] = o.value_text
    coding = [{"system": LOINC, "code": o.loinc}] if o.loinc else []
    return clean(
        {
            "resourceType": "Observation",
            "id": o.id,
            "status": "final",
            "category": category(o.loinc),
            "code": {"coding": coding, "text": o.display},
            "subject": ref(o.patient_id),
            "effectiveDateTime": instant(o.effective),
            **value,
        }
    )


def _screener_code(s: ScreenerResult) -> tuple[str, str, dict[str, Any]]:
    """The code, words and value of a screener's Observation: the instrument's total code with
    the total, or (scored by domains: AHC-HRSN) its panel code with positive or negative.

    The codes come from the instrument registry. A result of an instrument this version does
    not know (synced from a newer careDesk) keeps the panel code it was stored with: a result
    is never exported under another instrument's code."""
    inst = registry().by_id(s.instrument)
    outcome = {"valueCodeableConcept": {"text": "positive" if s.positive else "negative"}}
    if inst is None:
        return s.loinc, f"{s.instrument} screening", outcome
    if inst.has_total:  # no value when only some answers came in (an imported PHQ-9 item 9)
        code = inst.loinc_total or inst.loinc_panel
        return code, f"{inst.short_name} total score", {"valueInteger": s.total}
    return inst.loinc_panel, f"{inst.short_name} screening", outcome


def screener_observation(s: ScreenerResult) -> dict[str, Any]:
    """A screener result as an Observation, coded as :func:`_screener_code` says."""
    loinc, words, value = _screener_code(s)
    code = {"coding": [{"system": LOINC, "code": loinc}], "text": words}
    return clean(
        {
            "resourceType": "Observation",
            "id": s.id,
            **extensions(answers=s.answers, positive_domains=s.positive_domains),
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "survey",
                        }
                    ]
                }
            ],
            "code": code,
            "subject": ref(s.patient_id),
            "effectiveDateTime": instant(s.taken_at),
            **value,
        }
    )


def questionnaire_response(s: ScreenerResult, response_id: str) -> dict[str, Any]:
    """The screener's answers, item by item (linkId = careDesk's item id)."""
    try:
        answers = json.loads(s.answers or "{}")
    except ValueError:
        answers = {}
    items = []
    for link_id, answer in answers.items() if isinstance(answers, dict) else []:
        if isinstance(answer, bool) or not isinstance(answer, int | str):
            answer = str(answer)
        kind = "valueInteger" if isinstance(answer, int) else "valueString"
        items.append({"linkId": str(link_id), "answer": [{kind: answer}]})
    inst = registry().by_id(s.instrument)
    panel = inst.loinc_panel if inst is not None else s.loinc
    return clean(
        {
            "resourceType": "QuestionnaireResponse",
            "id": response_id,
            "questionnaire": f"http://loinc.org/q/{panel}",
            "status": "completed",
            "subject": ref(s.patient_id),
            "authored": instant(s.taken_at),
            "item": items,
        }
    )
