"""Input forms for conditions, medications, allergies, encounters and observations.

Each is derived from its base model (``careDesk/model/clinical.py``): ``XCreate`` takes the
base's fields, ``XUpdate`` the same fields all optional (the import's ``source_id`` is not
editable). Rules across fields are the ``check_*`` functions, run on the record as it will be
saved (an update merged over the stored row).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from careDesk.care.forms.base import Form, refuse, updating
from careDesk.model.clinical import (
    AllergyBase,
    ConditionBase,
    EncounterBase,
    MedicationBase,
    ObservationBase,
)

_IMPORTED = frozenset({"source_id"})


class ConditionCreate(ConditionBase, Form):
    """A diagnosis, coded with ICD-10-CM and/or SNOMED CT."""


class MedicationCreate(MedicationBase, Form):
    """A medicine with structured timing: UMS slots, times a day, every N hours, as needed.

    Left out, ``status`` follows the stop date (:func:`check_medication`).
    """


class AllergyCreate(AllergyBase, Form):
    """An allergy or intolerance: substance, reaction, severity."""


class EncounterCreate(EncounterBase, Form):
    """Utilization: an admission (start/end give the length of stay), an ED or office visit."""


class ObservationCreate(ObservationBase, Form):
    """A measurement coded with LOINC (e.g. 4548-4 hemoglobin A1c, 8480-6 systolic BP)."""


ConditionUpdate = updating(
    ConditionBase, "ConditionUpdate", exclude=_IMPORTED, doc="Changes to a condition."
)
MedicationUpdate = updating(
    MedicationBase, "MedicationUpdate", exclude=_IMPORTED, doc="Changes to a medicine."
)
AllergyUpdate = updating(
    AllergyBase, "AllergyUpdate", exclude=_IMPORTED, doc="Changes to an allergy."
)
EncounterUpdate = updating(
    EncounterBase, "EncounterUpdate", exclude=_IMPORTED, doc="Changes to an encounter."
)
ObservationUpdate = updating(
    ObservationBase, "ObservationUpdate", exclude=_IMPORTED, doc="Changes to an observation."
)


def check_condition(values: Mapping[str, Any]) -> None:
    """Abatement cannot come before onset."""
    onset, abated = values.get("onset"), values.get("abated")
    if onset is not None and abated is not None and abated < onset:
        raise refuse("abated", "cannot be before the onset")


def merge_medication(
    merged: dict[str, Any], given: Mapping[str, Any], stored: Mapping[str, Any]
) -> None:
    """What an update of a medicine changes besides the fields given.

    A new stop date decides the status again (unless one is given). A dose written differently
    replaces the structured amount stored beside it (from an import, say) unless that is given
    too: handouts print the written dose while the coordination checks compare the structured
    one, and the two must never tell different doses. (An edit form sends the dose unchanged
    with the other fields: that keeps the structured amount.)
    """
    if "stop_date" in given and "status" not in given:
        merged["status"] = None
    new_dose = "dose" in given and given["dose"] != stored.get("dose")
    if new_dose and not {"dose_amount", "dose_unit"} & given.keys():
        merged["dose_amount"] = merged["dose_unit"] = None


def check_medication(values: dict[str, Any], today: date) -> None:
    """Timing must say one thing, the written and structured doses must agree, and a stop date
    in the past means the medicine is stopped (unless a status is given)."""
    start, stop = values.get("start_date"), values.get("stop_date")
    if start is not None and stop is not None and stop < start:
        raise refuse("stop_date", "cannot be before the start date")
    slots = [s for s in (values.get("slots") or "").split(",") if s]
    if slots and values.get("every_hours"):
        raise refuse("every_hours", "give times of day or every N hours, not both")
    times = values.get("times_per_day")
    if slots and times is not None and times != len(slots):
        raise refuse("times_per_day", "does not match the times of day chosen")
    if slots and times is None:
        values["times_per_day"] = len(slots)
    if values.get("as_needed_for") and not values.get("as_needed"):
        raise refuse("as_needed_for", "only for a medicine taken as needed")
    _check_doses_agree(values)
    if values.get("ingredient"):
        values["ingredient"] = values["ingredient"].lower()
    if values.get("status") is None:
        values["status"] = "stopped" if stop is not None and stop <= today else "active"


def _check_doses_agree(values: Mapping[str, Any]) -> None:
    dose, amount, unit = values.get("dose"), values.get("dose_amount"), values.get("dose_unit")
    if not dose or amount is None or not unit:
        return
    from careDesk.care.medicine_units import quantity
    from careDesk.care.medicines import parse_dose, same_amount

    written, structured = parse_dose(dose), quantity(float(amount), unit)
    if written is None or structured is None:
        return  # a count ("1 tablet") or a unit pint does not know: nothing to compare
    if same_amount(written, structured) is False:
        raise refuse("dose", "does not match the dose amount and unit")


def check_encounter(values: Mapping[str, Any]) -> None:
    """A stay ends after it starts."""
    start, end = values.get("start"), values.get("end")
    if start is not None and end is not None and end < start:
        raise refuse("end", "cannot be before the start")


def check_observation(values: Mapping[str, Any]) -> None:
    """An observation has a value, as a number or as text."""
    if values.get("value") is None and not values.get("value_text"):
        raise refuse("value", "give a value (a number or text)")
