"""The medical record: conditions by prevalence, fitting medicines, allergies, utilization
(measurement series are in ``measures.py``).

Conditions are drawn from ``data/conditions.json`` with probability prevalence × an age factor
× the patient's complexity, so older and sicker patients collect more of them, as a
care-management caseload does. Medicines come from each condition's own list (FDA-label
doses, Universal Medication Schedule slots), so every medicine fits a reason to take it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from careDesk.care.demo.catalog import ConditionSpec
from careDesk.care.demo.context import Draft, Person
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication

# Length of stay in days, drawn from this list: mostly short stays, a long tail (demo tuning).
STAY_DAYS = (0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8, 9, 11, 14, 16, 21)
UTILIZATION_DAYS = 540  # admissions and ED visits fall in the last 18 months
HIGH_USE = {"chf", "copd", "cirrhosis", "bone_mets", "dementia", "oud", "schizophrenia"}


def _age_factor(draft: Draft) -> float:
    factor = 1.0
    for threshold, value in draft.clinic.catalog.age_factor:
        if draft.age >= threshold:
            factor = value
    return factor


def _eligible(draft: Draft, spec: ConditionSpec, chosen: dict[str, ConditionSpec]) -> bool:
    if draft.age < spec.min_age or (spec.sex and spec.sex != draft.sex):
        return False
    if any(key in chosen for key in spec.excludes):
        return False
    return not spec.requires or any(key in chosen for key in spec.requires)


def _choose_conditions(draft: Draft) -> list[ConditionSpec]:
    """Conditions in catalog order; the ones with ``replaces`` take their parent's place."""
    scale = _age_factor(draft) * draft.complexity * 0.8
    chosen: dict[str, ConditionSpec] = {}
    for spec in draft.clinic.catalog.conditions:
        if not _eligible(draft, spec, chosen):
            continue
        p = spec.prevalence * (draft.complexity**0.5 if spec.requires else scale)
        if draft.chance(min(0.85, p)):
            chosen[spec.key] = spec
    if not chosen:  # everyone in a care-management program has at least one chronic condition
        first = draft.pick(("htn", "t2dm", "copd", "chf", "depression", "ckd3"))
        chosen[first] = draft.clinic.catalog.condition(first)
    return list(chosen.values())


def conditions(draft: Draft) -> None:
    """Queue the patient's conditions (ICD-10-CM and SNOMED CT coded)."""
    specs = _choose_conditions(draft)
    draft.conditions = specs
    replaced = {s.replaces for s in specs if s.replaces}
    for spec in specs:
        if spec.key in replaced:
            continue
        years = 1 + int(draft.rng.random() * max(1, min(20, draft.age - 18)))
        record_id = draft.new_id()
        draft.condition_ids[spec.key] = record_id
        draft.out.add(
            Condition,
            id=record_id,
            patient_id=draft.id,
            display=spec.display,
            icd10=spec.icd10,
            snomed=spec.snomed,
            onset=draft.clinic.day(-years * 365 - int(draft.rng.random() * 365)),
            status="active",
            chronic=True,
        )


def _prescriber(draft: Draft, spec: ConditionSpec | None) -> Person | None:
    if spec is not None and spec.specialty and draft.chance(0.6):
        people = draft.clinic.providers.get(spec.specialty)
        if people:
            specialist: Person = draft.pick(people)
            if specialist not in draft.specialists:
                draft.specialists.append(specialist)
            return specialist
    return draft.pcp


def _medication(draft: Draft, key: str, spec: ConditionSpec | None, taken: set[str]) -> None:
    med: dict[str, Any] = draft.clinic.catalog.medications[key]
    ingredient = med["ingredient"]
    if ingredient in taken and not draft.chance(0.05):
        return  # now and then the same ingredient twice, as coordination checks must catch
    taken.add(ingredient)
    prescriber = _prescriber(draft, spec)
    stopped = draft.chance(0.08)
    start = draft.clinic.day(-30 - int(draft.rng.random() * 1500))
    row = draft.out.add(
        Medication,
        id=draft.new_id(),
        patient_id=draft.id,
        name=med["name"],
        ingredient=ingredient,
        dose=med["dose"],
        dose_amount=med["dose_amount"],
        dose_unit=med["dose_unit"],
        route=med["route"],
        purpose=med["purpose"],
        prescriber=prescriber.name if prescriber else None,
        start_date=start,
        stop_date=draft.clinic.day(-int(draft.rng.random() * 25)) if stopped else None,
        status="stopped" if stopped else "active",
        slots=med["slots"],
        times_per_day=med["times_per_day"],
        every_hours=med["every_hours"],
        as_needed=med["as_needed"],
        as_needed_for=med["as_needed_for"],
        instructions="Take with food" if draft.chance(0.15) else None,
    )
    if not stopped:
        draft.medications.append(row)


def medications(draft: Draft) -> None:
    """Queue medicines that fit the conditions, plus a few everyday extras."""
    taken: set[str] = set()
    for spec in draft.conditions:
        for group in spec.meds:
            if draft.chance(group.p):
                _medication(draft, draft.pick(group.choices), spec, taken)
    extras = draft.clinic.catalog.extra_medications
    for _ in range(draft.count(0.4 * draft.complexity, 4)):
        _medication(draft, draft.pick(extras), None, taken)


def allergies(draft: Draft) -> None:
    """Queue zero to three allergies (penicillin and sulfa drugs the most common)."""
    options = draft.clinic.catalog.clinic["allergies"]
    pool = [a for a in options for _ in range(a["weight"])]
    seen: set[str] = set()
    for _ in range(draft.count(0.5, 3)):
        allergy = draft.pick(pool)
        if allergy["substance"] in seen:
            continue
        seen.add(allergy["substance"])
        draft.out.add(
            Allergy,
            id=draft.new_id(),
            patient_id=draft.id,
            substance=allergy["substance"],
            reaction=allergy["reaction"],
            severity=allergy["severity"],
        )


def encounters(draft: Draft) -> None:
    """Queue admissions (length of stay, acuity) and emergency visits in the last 18 months."""
    clinic = draft.clinic
    keys = {s.key for s in draft.conditions}
    heavy = 1.0 + 0.8 * len(keys & HIGH_USE)
    reasons = clinic.catalog.clinic["admission_reasons"]
    cause = next((reasons[k] for k in keys if k in reasons), reasons["default"])
    for _ in range(draft.count(0.22 * draft.complexity * heavy, 6)):
        start = clinic.now - timedelta(days=draft.rng.random() * UTILIZATION_DAYS)
        stay = draft.pick(STAY_DAYS)
        draft.out.add(
            Encounter,
            id=draft.new_id(),
            patient_id=draft.id,
            kind="admission",
            start=start,
            end=min(start + timedelta(days=stay, hours=draft.rng.random() * 8), clinic.now),
            acute=draft.chance(0.85),
            facility=draft.pick(clinic.hospitals).name,
            reason=cause if draft.chance(0.7) else reasons["default"],
            discharge_disposition=draft.pick(
                ("home", "home", "home", "home health", "skilled nursing")
            ),
        )
    for _ in range(draft.count(0.45 * draft.complexity * heavy, 10)):
        start = clinic.now - timedelta(days=draft.rng.random() * UTILIZATION_DAYS)
        draft.out.add(
            Encounter,
            id=draft.new_id(),
            patient_id=draft.id,
            kind="emergency",
            start=start,
            end=start + timedelta(hours=2 + draft.rng.random() * 8),
            acute=True,
            facility=draft.pick(clinic.hospitals).name,
            reason=draft.pick(clinic.catalog.clinic["ed_reasons"]),
            discharge_disposition="home",
        )
