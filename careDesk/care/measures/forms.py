"""Recording a measurement by hand: one short form, the unit always named and checked.

Blood pressure (systolic/diastolic, mm Hg), weight (kg or lb), A1c (% or mmol/mol) and glucose
(mg/dL or mmol/L); the PHQ-9 and GAD-7 are recorded with their screener forms. The value is
converted to the series' unit (``units.py``) and checked against the measure's plausible bounds
(``measures.json``), which catch a slip such as an A1c of 53 typed as per cent instead of
mmol/mol; the message says which unit was probably meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import model_validator

from careDesk.care.forms.base import Form
from careDesk.care.measures.catalog import Measure, catalog
from careDesk.care.measures.units import known_unit, shown, to_measure_unit
from careDesk.errors import ValidationFailed
from careDesk.model.fields import PastTime

Kind = Literal["blood_pressure", "weight", "a1c", "glucose"]
# The LOINC code and name each hand-entered value is stored under (single-value kinds).
STORED = {
    "weight": ("29463-7", "Body weight"),
    "a1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
    "glucose": ("2339-0", "Glucose [Mass/volume] in Blood"),
}
BP_PARTS = (
    ("systolic", "8480-6", "Systolic blood pressure"),
    ("diastolic", "8462-4", "Diastolic blood pressure"),
)


def measure_for(kind: str) -> Measure:
    """The measure a hand-entry kind records."""
    for m in catalog().measures:
        if kind in m.forms:
            return m
    raise ValidationFailed("kind", "choose blood_pressure, weight, a1c or glucose")


def units_for(kind: str) -> tuple[str, ...]:
    """The units the form accepts for ``kind`` (the first is the usual one)."""
    return measure_for(kind).forms[kind]


class MeasurementForm(Form):
    """What a person types: the kind, the number(s), the unit and when it was measured."""

    kind: Kind
    value: float | None = None
    systolic: float | None = None
    diastolic: float | None = None
    unit: str | None = None
    taken_at: PastTime | None = None

    @model_validator(mode="after")
    def _numbers_given(self) -> MeasurementForm:
        if self.kind == "blood_pressure":
            for name in ("systolic", "diastolic"):
                if getattr(self, name) is None:
                    raise ValidationFailed(name, "give both numbers of the blood pressure")
        elif self.value is None:
            raise ValidationFailed("value", "give the value")
        return self


@dataclass(frozen=True)
class Checked:
    """A validated measurement: the stored rows' values in the series' unit."""

    measure: Measure
    values: tuple[tuple[str, str, float], ...]  # (loinc, display, value)
    taken_at: datetime | None


def _unit(form: MeasurementForm, measure: Measure) -> str:
    allowed = measure.forms[form.kind]
    if form.unit is None and len(allowed) == 1:
        return allowed[0]
    unit = known_unit(form.unit)
    if unit is None or unit not in allowed:
        choices = " or ".join(shown(u) for u in allowed)
        raise ValidationFailed("unit", f"choose the unit: {choices}")
    return unit


def _in_bounds(
    field: str, typed: float, unit: str, bounds: tuple[float, float], m: Measure
) -> None:
    """Refuse a value outside the plausible bounds, naming the unit it probably was in."""
    low, high = bounds
    if low <= to_measure_unit(m, typed, unit) <= high:
        return
    hint = ""
    for units in m.forms.values():
        for other in units:
            if other != unit and low <= to_measure_unit(m, typed, other) <= high:
                hint = f"; was it in {shown(other)}?"
    raise ValidationFailed(
        field, f"is not a possible {m.display} value ({low:g}–{high:g} {shown(m.unit)}){hint}"
    )


def check(form: MeasurementForm) -> Checked:
    """Convert and check a filled form; ValidationFailed names the field at fault."""
    measure = measure_for(form.kind)
    unit = _unit(form, measure)
    if form.kind == "blood_pressure":
        assert form.systolic is not None and form.diastolic is not None
        top, bottom = form.systolic, form.diastolic
        _in_bounds("systolic", top, unit, measure.plausible, measure)
        _in_bounds("diastolic", bottom, unit, measure.plausible2 or measure.plausible, measure)
        if bottom >= top:
            raise ValidationFailed("diastolic", "must be lower than the systolic (top) number")
        parts = tuple(
            (code, name, v) for (_, code, name), v in zip(BP_PARTS, (top, bottom), strict=True)
        )
        return Checked(measure, parts, form.taken_at)
    assert form.value is not None
    _in_bounds("value", form.value, unit, measure.plausible, measure)
    value = to_measure_unit(measure, form.value, unit)
    code, name = STORED[form.kind]
    return Checked(measure, ((code, name, round(value, 4)),), form.taken_at)
