"""Dose units in normalised form, on pint's unit registry (pint does the conversions).

Only the unit words medicine doses are written in are recognised, each mapped to one pint unit
by this table (so "MG" can never be read as pint's megagram): mass (g, mg, mcg), volume (mL,
L), international/USP units, milliequivalents, millimoles, and the dose form counted whole
(tablet, capsule, puff, actuation, patch…), one dimension of its own. Strengths in a product
name ("10 MG" of a tablet, "1 MG/ML", "0.044 MG/ACTUAT") become amounts per unit of the form or
per mL, so a dose times a strength is an amount of the ingredient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pint import Quantity, UnitRegistry

    Amount = Quantity[float]  # an amount with its unit

FORM = "dose_form_unit"  # one tablet, capsule, puff, actuation, patch…
ACTIVITY = "activity_unit"  # "units" and "IU" (insulin, heparin, vitamin D)
EQUIVALENT = "drug_milliequivalent"  # mEq (potassium chloride)

# Unit words as written on prescriptions and in RxNorm names → pint unit names.
TOKENS: dict[str, str] = {
    **dict.fromkeys(("g", "gm", "gram", "grams"), "gram"),
    **dict.fromkeys(("mg", "milligram", "milligrams"), "milligram"),
    **dict.fromkeys(("mcg", "µg", "μg", "ug", "microgram", "micrograms"), "microgram"),
    **dict.fromkeys(("ml", "milliliter", "milliliters", "millilitre", "millilitres"), "milliliter"),
    **dict.fromkeys(("l", "liter", "liters", "litre", "litres"), "liter"),
    **dict.fromkeys(("unt", "unit", "units", "u", "iu", "[iu]"), ACTIVITY),
    **dict.fromkeys(("meq", "milliequivalent", "milliequivalents"), EQUIVALENT),
    **dict.fromkeys(("mmol", "millimole", "millimoles"), "millimole"),
    **dict.fromkeys(
        (
            "tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps",
            "puff", "puffs", "actuat", "actuation", "actuations", "spray", "sprays",
            "inhalation", "inhalations", "patch", "patches", "lozenge", "lozenges",
            "suppository", "suppositories", "drop", "drops",
            "tableta", "tabletas", "comprimido", "comprimidos", "cápsula", "cápsulas",
            "capsula", "capsulas", "gota", "gotas",
        ),
        FORM,
    ),
}  # fmt: skip
# "1,000" (thousands), "12.5", "2,5" (a decimal comma), ".5"
NUMBER = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+"
AMOUNT_DIMENSIONS = ("[mass]", "[activity]", "[charge_equivalent]", "[substance]")
SHOWN = {"gram": "g", "milligram": "mg", "microgram": "mcg", "milliliter": "mL"}


@dataclass(frozen=True)
class Units:
    """The unit registry with careDesk's dose units defined on it."""

    registry: UnitRegistry[float]

    def token(self, word: str) -> str | None:
        """The pint unit a written unit word stands for, or None."""
        return TOKENS.get(word.strip("()., ;:").lower())

    def unit_of(self, text: str) -> Amount | None:
        """One unit of ``text``: "mg", "MG/ML", "mg/actuation"; None for other words."""
        top, _, bottom = text.strip("()., ;:").partition("/")
        name = self.token(top)
        if name is None:
            return None
        unit: Amount = 1.0 * self.registry.Unit(name)
        if bottom:
            below = self.token(bottom)
            if below is None:
                return None
            unit = unit / self.registry.Unit(below)
        return unit

    def describe(self, amount: Amount) -> str:
        """An amount in the unit a person would use (mg, or mcg below 1 mg)."""
        value = amount
        if value.dimensionality == self.registry.Unit("gram").dimensionality:
            value = value.to("milligram")
            if value.magnitude < 1:
                value = value.to("microgram")
        unit = str(value.units)
        shown = SHOWN.get(unit) or {ACTIVITY: "units", EQUIVALENT: "mEq", FORM: "units"}.get(
            unit, unit
        )
        return f"{value.magnitude:.6g} {shown}"


@cache
def units() -> Units:
    """The registry, made once (pint reads its definitions file; about 0.3 s)."""
    from pint import UnitRegistry

    # cache_folder=None: pint writes no cache files (nothing about patients, but nothing at all)
    registry: UnitRegistry[float] = UnitRegistry(cache_folder=None)
    registry.define(f"{FORM} = [dose_form]")
    registry.define(f"{ACTIVITY} = [activity]")
    registry.define(f"{EQUIVALENT} = [charge_equivalent]")
    return Units(registry)


def count(number: float) -> Amount:
    """``number`` tablets, capsules, puffs…: the unit of the product's form."""
    value: Amount = number * units().registry.Unit(FORM)
    return value


def quantity(amount: float, unit_text: str) -> Amount | None:
    """``amount`` of the unit written as ``unit_text``, or None if the unit is not a dose unit."""
    unit = units().unit_of(unit_text)
    if unit is None:
        return None
    value: Amount = amount * unit
    return value


def strength_of(amount_text: str, unit_text: str | None) -> Amount | None:
    """A product strength per unit of its form ("10 MG" of a tablet → 10 mg per tablet) or per
    volume ("1 MG/ML"); None if ``unit_text`` is not a dose unit ("28 Day Pack")."""
    if not unit_text:
        return None
    value = quantity(read_number(amount_text), unit_text)
    if value is None or value.dimensionality == count(1).dimensionality:
        return None
    if amount_like(value):
        per_unit: Amount = value / units().registry.Unit(FORM)
        return per_unit
    return value


def read_number(text: str) -> float:
    """ "1,000" → 1000; "12.5" → 12.5; "2,5" (as written in Spanish) → 2.5."""
    if re.fullmatch(r"\d+(?:,\d{3})+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def amount_like(value: Amount) -> bool:
    """An amount of a substance (mass, units, mEq, mmol), not a count, volume or ratio."""
    dims = value.dimensionality
    return len(dims) == 1 and next(iter(dims)) in AMOUNT_DIMENSIONS and dict(dims).popitem()[1] == 1
