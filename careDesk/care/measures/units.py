"""Units of measurements: each named series has one unit, and values in another are converted.

Written units ("lbs", "mmHg", "mmol/mol", "mEq/L", UCUM codes such as ``[lb_av]`` or
``mm[Hg]``) are read into a short list of known units; what cannot be read or converted is
refused (a form names the field; a series marks the point and leaves it out of every
calculation) — a value is never shown or compared in the wrong unit.

- Mass (kg, g, lb) and pressure (mm Hg, kPa) convert with pint (``careDesk.care.medicine_units``).
- A1c: IFCC mmol/mol → NGSP %: NGSP = 0.09148 × IFCC + 2.152, the IFCC–NGSP master equation
  (Hoelzel W, Weykamp C, Jeppsson JO, et al. IFCC reference system for measurement of
  hemoglobin A1c in human blood and the national standardization schemes in the United States,
  Japan, and Sweden: a method-comparison study. Clin Chem 2004;50(1):166–74).
- Glucose mmol/L × 18.016 = mg/dL (molar mass of glucose 180.16 g/mol); LDL cholesterol
  mmol/L × 38.67 = mg/dL (cholesterol 386.65 g/mol); potassium mEq/L = mmol/L (one charge).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from careDesk.care.measures.catalog import Measure
from careDesk.errors import ValidationFailed

NGSP_SLOPE, NGSP_INTERCEPT = 0.09148, 2.152  # Hoelzel 2004 master equation
GLUCOSE_MG_PER_MMOL = 18.016
CHOLESTEROL_MG_PER_MMOL = 38.67
EGFR = "mL/min/{1.73_m2}"
SCORE = "{score}"

# Written unit (lower case, spaces removed) → the unit careDesk means by it.
_WORDS: dict[str, str] = {
    **dict.fromkeys(("%", "percent", "%{hba1c}", "%{hb}", "%oftotalhgb", "%hb", "%hba1c"), "%"),
    **dict.fromkeys(("mmol/mol", "mmol/mol{hb}", "mmol/mol{hba1c}"), "mmol/mol"),
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"), "kg"),
    **dict.fromkeys(("g", "gram", "grams"), "g"),
    **dict.fromkeys(("lb", "lbs", "[lb_av]", "pound", "pounds", "libra", "libras"), "lb"),
    **dict.fromkeys(("mm[hg]", "mmhg", "mmofhg", "millimetersofmercury"), "mm[Hg]"),
    **dict.fromkeys(("kpa", "kilopascal"), "kPa"),
    **dict.fromkeys(("mg/dl", "mg/100ml"), "mg/dL"),
    **dict.fromkeys(("mmol/l", "mmol/litre", "mmol/liter"), "mmol/L"),
    **dict.fromkeys(("meq/l", "meq/litre", "meq/liter"), "mEq/L"),
    **dict.fromkeys(
        (
            "ml/min/{1.73_m2}", "ml/min/1.73m2", "ml/min/1.73m^2", "ml/min/{1.73m2}",
            "ml/min/1.73_m2", "ml/min/1.73sqm", "ml/min/1.73m²", "ml/min",
        ),
        EGFR,
    ),
    **dict.fromkeys(("{score}", "(score)", "score", "{#}", "points"), SCORE),
}  # fmt: skip
_PINT = {"kg": "kilogram", "g": "gram", "lb": "pound", "mm[Hg]": "mmHg", "kPa": "kilopascal"}
# What a unit is shown as to people.
SHOWN = {"mm[Hg]": "mm Hg", EGFR: "mL/min/1.73 m²", SCORE: "", "%": "%"}


@lru_cache(maxsize=512)
def known_unit(text: str | None) -> str | None:
    """The unit careDesk means by ``text`` ("lbs" → "lb", "mmHg" → "mm[Hg]"), or None."""
    if text is None:
        return None
    return _WORDS.get("".join(text.split()).lower())


def shown(unit: str | None) -> str:
    """A unit as people read it ("mm[Hg]" → "mm Hg")."""
    if not unit:
        return ""
    return SHOWN.get(unit, unit)


def _pint(value: float, source: str, target: str) -> float:
    from careDesk.care.medicine_units import units

    quantity = value * units().registry.Unit(_PINT[source])
    return float(quantity.to(_PINT[target]).magnitude)


def _molar(factor: float) -> tuple[Callable[[float], float], Callable[[float], float]]:
    return (lambda v: v * factor, lambda v: v / factor)


# (measure key, from unit, to unit) → conversion, for the conversions that depend on the analyte.
_SPECIAL: dict[tuple[str, str, str], Callable[[float], float]] = {
    ("a1c", "mmol/mol", "%"): lambda v: NGSP_SLOPE * v + NGSP_INTERCEPT,
    ("a1c", "%", "mmol/mol"): lambda v: (v - NGSP_INTERCEPT) / NGSP_SLOPE,
    ("glucose", "mmol/L", "mg/dL"): _molar(GLUCOSE_MG_PER_MMOL)[0],
    ("glucose", "mg/dL", "mmol/L"): _molar(GLUCOSE_MG_PER_MMOL)[1],
    ("ldl", "mmol/L", "mg/dL"): _molar(CHOLESTEROL_MG_PER_MMOL)[0],
    ("ldl", "mg/dL", "mmol/L"): _molar(CHOLESTEROL_MG_PER_MMOL)[1],
    ("potassium", "mEq/L", "mmol/L"): lambda v: v,
    ("potassium", "mmol/L", "mEq/L"): lambda v: v,
}


@lru_cache(maxsize=512)
def converter(key: str, unit: str | None) -> Callable[[float], float] | None:
    """A function from values written in ``unit`` to measure ``key``'s unit (None: no way),
    made once per unit, so a series of thousands of values converts quickly."""
    from careDesk.care.measures.catalog import by_key

    measure = by_key()[key]
    try:
        to_measure_unit(measure, 1.0, unit)
    except ValidationFailed:
        return None
    source = known_unit(unit) if unit is not None and unit.strip() else SCORE
    if source == measure.unit:
        return _same
    special = _SPECIAL.get((key, source or "", measure.unit))
    if special is not None:
        return special
    factor = to_measure_unit(measure, 1.0, unit)  # mass and pressure are proportional
    return lambda v: v * factor


def _same(value: float) -> float:
    return value


def convertible(measure: Measure, unit: str | None) -> bool:
    """Whether a value written in ``unit`` can be brought to the measure's unit."""
    try:
        to_measure_unit(measure, 1.0, unit)
    except ValidationFailed:
        return False
    return True


def to_measure_unit(measure: Measure, value: float, unit: str | None) -> float:
    """``value`` written in ``unit`` as a value in ``measure.unit``.

    A score needs no unit; every other measure does. Raises :class:`ValidationFailed` on the
    field ``unit`` when the unit is unknown or does not fit the measure.
    """
    source = known_unit(unit)
    if unit is None or not unit.strip():
        source = SCORE if measure.unit == SCORE else None
    return convert(measure, value, source, measure.unit)


def convert(measure: Measure, value: float, source: str | None, target: str) -> float:
    """``value`` from unit ``source`` to unit ``target`` for ``measure`` (both known units)."""
    if source is None:
        raise ValidationFailed("unit", f"give the unit of the {measure.display} value")
    if source == target:
        return value
    special = _SPECIAL.get((measure.key, source, target))
    if special is not None:
        return special(value)
    if source in _PINT and target in _PINT:
        from pint.errors import DimensionalityError

        try:
            return _pint(value, source, target)
        except DimensionalityError:
            pass
    raise ValidationFailed("unit", f"{shown(source) or source} is not a unit for {measure.display}")
