"""Measurements and linked goals in FHIR R4, as US Core and Synthea write them (issue 17).

Export: each observation carries its category (``vital-signs`` or ``laboratory``, from the
measure catalog) and a UCUM-coded ``valueQuantity`` (system http://unitsofmeasure.org); the two
rows of a blood pressure (8480-6 systolic, 8462-4 diastolic, one panel and time) go out as one
85354-9 panel Observation with two components, as the US Core / FHIR vital-signs blood pressure
profile requires. Each component carries its row's id, so importing the bundle back finds the
same rows. A goal linked to a measure names it in ``target.measure`` as a LOINC coding.

Import (``fhir_events``): a panel's components become rows that remember the panel; Synthea's
older 55284-4 panel is read the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from careDesk.care.measures.catalog import measure_of
from careDesk.care.measures.units import known_unit
from careDesk.interop.fhir_values import LOINC
from careDesk.model.clinical import Observation

UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# careDesk's unit names that differ from their UCUM code.
UCUM_CODES = {"lb": "[lb_av]", "mEq/L": "meq/L"}


def quantity(value: float, unit: str | None) -> dict[str, Any]:
    """A valueQuantity, UCUM-coded when careDesk knows the unit."""
    out: dict[str, Any] = {"value": value}
    if unit:
        out["unit"] = unit
        known = known_unit(unit)
        if known is not None:
            out |= {"system": UCUM, "code": UCUM_CODES.get(known, known)}
    return out


def category(code: str | None) -> list[dict[str, Any]] | None:
    """The observation category of a LOINC code the catalog knows (None otherwise)."""
    measure = measure_of(code)
    if measure is None:
        return None
    return [{"coding": [{"system": CATEGORY, "code": measure.category}]}]


def _panel_resource(
    rows: Sequence[Observation], resource_id: str, patient_ref: dict[str, Any], when: str | None
) -> dict[str, Any]:
    panel = rows[0].panel or ""
    measure = measure_of(panel)
    components = []
    for row in sorted(rows, key=lambda r: r.loinc or ""):
        comp: dict[str, Any] = {
            "id": row.id,
            "code": {"coding": [{"system": LOINC, "code": row.loinc}], "text": row.display},
        }
        if row.value is not None:
            comp["valueQuantity"] = quantity(row.value, row.unit)
        components.append(comp)
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": category(panel),
        "code": {
            "coding": [{"system": LOINC, "code": panel}],
            "text": measure.display if measure else panel,
        },
        "subject": patient_ref,
        "effectiveDateTime": when,
        "component": components,
    }


def observation_resources(
    rows: Sequence[Observation],
    single: Callable[[Observation], dict[str, Any]],
    derived_id: Callable[..., str],
    patient_ref: dict[str, Any],
    instant: Callable[[datetime | None], str | None],
) -> list[dict[str, Any]]:
    """One resource per observation, except panel parts: one panel resource per panel and time."""
    panels: dict[tuple[str, datetime], list[Observation]] = defaultdict(list)
    out: list[dict[str, Any]] = []
    for row in rows:
        if row.panel and row.loinc != row.panel:
            panels[(row.panel, row.effective)].append(row)
        else:
            out.append(single(row))
    for (_panel, effective), parts in panels.items():
        resource_id = derived_id("Observation", *sorted(r.id for r in parts))
        out.append(_panel_resource(parts, resource_id, patient_ref, instant(effective)))
    return out


def goal_measure(measure_loinc: str | None, words: str | None) -> dict[str, Any] | None:
    """A Goal's ``target.measure``: the LOINC coding of a linked goal, and its words."""
    if measure_loinc is None:
        return {"text": words} if words else None
    measure = measure_of(measure_loinc)
    coding = {"system": LOINC, "code": measure_loinc}
    if measure is not None:
        coding["display"] = measure.display
    out: dict[str, Any] = {"coding": [coding]}
    if words:
        out["text"] = words
    return out
