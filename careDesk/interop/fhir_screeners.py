"""Screener results from FHIR Observations, for every instrument of the registry.

An Observation coded with an instrument's panel or total LOINC code (``careDesk.care.
instruments``: the codes live in each instrument's data file) is a screener result. The PHQ-9
has its own reader (``fhir_phq9``: its answers arrive in many shapes and item 9 raises same-day
work); every other instrument is read here, from what the Observation carries:

- a total (``valueInteger``, ``valueQuantity``, ``valueDecimal``, or a component coded with the
  total's code);
- answers as components coded with the items' LOINC codes, each a LOINC answer code (``LA…``)
  or a number, and careDesk's own ``answers`` extension (its export);
- for an instrument scored by domains (AHC-HRSN), the answers, else careDesk's
  ``positiveDomains`` extension.

With every answer the instrument needs, the result is scored by the registry (a total that
disagrees rejects the file); with some answers and a total, the total is banded and the answers
kept; a panel with neither is noted and skipped (its parts, sent as their own Observations, are
kept as measurements). Where the cut-off depends on sex (AUDIT-C) the patient's recorded sex
chooses it, as on the screener form.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from careDesk.care.instruments import (
    Instrument,
    Item,
    Scored,
    required_items,
    score,
    score_total,
)
from careDesk.errors import ValidationFailed
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import (
    LOINC,
    Place,
    codings,
    extension,
    items,
    number,
    obj,
    text,
)
from careDesk.model.assessment import ScreenerResult
from careDesk.model.patient import Patient

VOID = frozenset({"entered-in-error", "cancelled"})


def read_screener(
    ctx: ImportContext,
    entry: Entry,
    place: Place,
    patient_id: str,
    inst: Instrument,
    taken: datetime,
) -> None:
    """Store the screener result an Observation carries (see the module docstring)."""
    res = entry.resource
    if res.get("status") in VOID:
        ctx.report.notes.append(
            f"A {inst.short_name} Observation marked {res['status']} was not imported."
        )
        return
    given, blob = _own_answers(res, place)
    total = _components(res, place, inst, given)
    total = _value_total(res, place, "") if total is None else total
    patient = ctx.tx.session.get(Patient, patient_id)
    sex = patient.sex if patient is not None else None
    if inst.has_total:
        scored = _scored_total(place, inst, given, total, sex)
        if scored is None:
            ctx.report.notes.append(
                f"A {inst.short_name} panel without a total or its answers was skipped."
            )
            return
        domains = "[]"
    else:
        scored, domains = _scored_domains(res, place, inst, given)
    kept = blob if blob is not None and json.loads(blob) == scored.answers else None
    values = {
        "instrument": inst.id,
        "loinc": inst.loinc_panel,
        "answers": kept or json.dumps(scored.answers, sort_keys=True),
        "total": scored.total,
        "band": scored.band,
        "positive": scored.positive,
        "positive_domains": domains,
        "taken_at": taken,
    }
    ctx.upsert_linked(ScreenerResult, entry, patient_id, values)


def _own_answers(res: dict[str, Any], place: Place) -> tuple[dict[str, Any], str | None]:
    """careDesk's own export: the answers as a JSON object in an extension."""
    blob = text(extension(res, "answers", place), place, "extension answers", 20000)
    if blob is None:
        return {}, None
    try:
        data = json.loads(blob)
    except ValueError:
        raise place.reject("extension answers", "is not valid JSON") from None
    if not isinstance(data, dict):
        raise place.reject("extension answers", "should map question ids to answers")
    return data, blob


def _components(
    res: dict[str, Any], place: Place, inst: Instrument, given: dict[str, Any]
) -> int | None:
    """Answers and the total from components coded with the instrument's LOINC codes."""
    total = None
    for i, comp in enumerate(items(res.get("component"), place, "component")):
        comp = obj(comp, place, f"component[{i}]")
        at = f"component[{i}]."
        for coding in codings(comp.get("code"), place, f"{at}code"):
            code = coding.get("code") if coding.get("system") in (LOINC, None) else None
            item = inst.item_by_loinc(code) if isinstance(code, str) else None
            if code is not None and code == inst.loinc_total:
                total = _value_total(comp, place, at)
            elif item is not None:
                _put(place, item, given, _answer(comp, place, at, item), f"{at}value")
    return total


def _put(place: Place, item: Item, given: dict[str, Any], value: Any, where: str) -> None:
    if value is None:
        return
    if item.kind == "multi":
        picked = given.setdefault(item.id, [])
        if isinstance(picked, list) and value not in picked:
            picked.append(value)
        return
    if given.setdefault(item.id, value) != value:
        raise place.reject(where, f"answers the same {item.id} question twice, differently")


def _answer(data: dict[str, Any], place: Place, at: str, item: Item) -> Any:
    """One answer: a LOINC answer code of the item's options, or a number on its scale."""
    concept = data.get("valueCodeableConcept")
    if "valueCoding" in data:
        concept = {"coding": [obj(data["valueCoding"], place, f"{at}valueCoding")]}
    if concept is not None:
        for coding in codings(concept, place, f"{at}value"):
            found = next((o for o in item.options if o.answer_loinc == coding.get("code")), None)
            if found is not None and coding.get("system") in (LOINC, None):
                return found.key
        coded = ", ".join(o.answer_loinc for o in item.options if o.answer_loinc)
        raise place.reject(f"{at}value", f"should be one of the answer codes {coded}")
    value = _value_total(data, place, at)
    if value is None:
        return None
    if item.option(value) is None:
        raise place.reject(f"{at}value", f"is not an answer of question {item.id}")
    return value


def _value_total(data: dict[str, Any], place: Place, at: str) -> int | None:
    """A whole number from ``valueInteger``, ``valueQuantity`` or ``valueDecimal``."""
    raw: float | None = None
    if "valueInteger" in data:
        raw = number(data["valueInteger"], place, f"{at}valueInteger")
    elif "valueDecimal" in data:
        raw = number(data["valueDecimal"], place, f"{at}valueDecimal")
    elif "valueQuantity" in data:
        qty = obj(data["valueQuantity"], place, f"{at}valueQuantity")
        raw = number(qty.get("value"), place, f"{at}valueQuantity.value")
    if raw is None:
        return None
    if raw != int(raw):
        raise place.reject(f"{at}value", "should be a whole number")
    return int(raw)


def _scored_total(
    place: Place, inst: Instrument, given: dict[str, Any], total: int | None, sex: str | None
) -> Scored | None:
    complete = bool(given) and all(item.id in given for item in required_items(inst, given))
    try:
        if complete:
            scored = score(inst, given, sex=sex)
            if total is not None and total != scored.total:
                raise place.reject("value", "the total is not the sum of the answers")
            return scored
        if total is None:
            return None
        return score_total(inst, total, sex=sex, answers=given)
    except ValidationFailed as exc:
        field = "value" if exc.field == "total" else f"answers {exc.field}"
        raise place.reject(field, exc.reason) from None


def _scored_domains(
    res: dict[str, Any], place: Place, inst: Instrument, given: dict[str, Any]
) -> tuple[Scored, str]:
    """A domain instrument: scored from its answers, else the domains careDesk exported."""
    if given:
        try:
            scored = score(inst, given)
        except ValidationFailed as exc:
            raise place.reject(f"answers {exc.field}", exc.reason) from None
        return scored, json.dumps(list(scored.positive_domains))
    blob = text(extension(res, "positiveDomains", place), place, "extension", 2000) or "[]"
    known = {d.key for d in inst.domains}
    try:
        domains = json.loads(blob)
    except ValueError:
        raise place.reject("extension positiveDomains", "is not valid JSON") from None
    if not isinstance(domains, list) or not set(map(str, domains)) <= known:
        raise place.reject("extension positiveDomains", f"should list among {sorted(known)}")
    found = tuple(str(d) for d in domains)
    return Scored(inst.id, {}, None, None, bool(found), found, False), blob
