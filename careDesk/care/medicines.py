"""Medicine names and doses for the coordination checks.

A product counts every one of its ingredients ("Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG
Oral Tablet" is hydrochlorothiazide and lisinopril), each reduced to its base ingredient (salt,
ester and release words dropped: "Metoprolol succinate ER" and "metoprolol tartrate" are both
metoprolol), by the rules in ``medicine_names.json``. Doses are quantities in normalised units
(pint), so 0.1 mg equals 100 mcg and "1,000 mg" equals "1000 mg"; a dose written as a count
("2 tablets") is multiplied by the product's strength.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from careDesk.care.medicine_units import (
    NUMBER,
    amount_like,
    count,
    quantity,
    read_number,
    strength_of,
    units,
)
from careDesk.errors import ValidationFailed

if TYPE_CHECKING:
    from careDesk.care.medicine_units import Amount
    from careDesk.model.clinical import Medication

NAMES_FILE = "medicine_names.json"
# "120 ACTUAT", "24 HR", "NDA020800 0.3 ML" before the first ingredient (RxNorm quantity factor).
LEADING = re.compile(
    r"^(?:NDA\d+\s+)?(?:\d+(?:\.\d+)?\s*(?:HR|ML|ACTUAT|MG|UNT)\s+)+", re.IGNORECASE
)
BRAND = re.compile(r"\[[^\]]*\]")
STRENGTH = re.compile(rf"(?<![\w.])({NUMBER})\s*([^\s\d][^\s]*)?")
# Between products: " / ", " + ", " and ", or a bare "/" between two names (not "MG/ML").
SPLIT = re.compile(r"\s+/\s+|\s+\+\s+|\s+and\s+|\s*;\s*", re.IGNORECASE)
BARE_SLASH = re.compile(r"(?<=[^\W\d])/(?=[^\W\d])")


@dataclass(frozen=True)
class Component:
    """One ingredient of a product and its strength per unit (tablet, mL, actuation)."""

    ingredient: str
    strength: Amount | None = None


@dataclass(frozen=True)
class _Names:
    salts: frozenset[str]
    release: tuple[str, ...]
    aliases: dict[str, str]


@cache
def _names() -> _Names:
    """The name rules, loaded once and checked (a broken file names its field)."""
    path = resources.files("careDesk.care").joinpath(NAMES_FILE)
    data: Any = json.loads(path.read_text("utf-8"))
    for key in ("salts", "release"):
        words = data.get(key)
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise ValidationFailed(key, "must be a list of words", where=NAMES_FILE)
    aliases = data.get("aliases")
    if not isinstance(aliases, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in aliases.items()
    ):
        raise ValidationFailed("aliases", "must map names to names", where=NAMES_FILE)
    release = sorted((w.lower() for w in data["release"]), key=len, reverse=True)
    return _Names(frozenset(w.lower() for w in data["salts"]), tuple(release), aliases)


def base_ingredient(words: str) -> str:
    """ "Metoprolol succinate ER" → "metoprolol"; "Potassium chloride" → "potassium"."""
    names = _names()
    text = " " + re.sub(r"[^\w\s,.-]", " ", words.lower()) + " "
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", "", text)  # "24 hr" → "24hr"
    for phrase in names.release:
        text = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", text)
    parts = [w.strip(",.") for w in text.split()]
    parts = [w for w in parts if w]
    while len(parts) > 1 and parts[-1] in names.salts:
        parts.pop()
    base = " ".join(parts)
    return names.aliases.get(base, base)


def _slash_splits(piece: str) -> list[str]:
    """ "hydrochlorothiazide/lisinopril" → two names; "MG/ML" and "20/12.5" stay whole."""
    cuts = [0]
    for found in BARE_SLASH.finditer(piece):
        left = re.search(r"[^\s/]+$", piece[: found.start()])
        right = re.match(r"[^\s/]+", piece[found.end() :])
        words = [m.group(0) for m in (left, right) if m is not None]
        if len(words) == 2 and all(units().token(w) is None for w in words):
            cuts.append(found.start())
    bounds = [*cuts, len(piece)]
    return [piece[a:b].lstrip("/") for a, b in pairwise(bounds)]


def _chunks(text: str) -> list[str]:
    text = LEADING.sub("", BRAND.sub(" ", text).strip())
    out = [part for piece in SPLIT.split(text) for part in _slash_splits(piece)]
    return [c.strip() for c in out if c.strip()]


def _component(chunk: str) -> Component | None:
    found = STRENGTH.search(chunk)
    words = chunk[: found.start()] if found else chunk
    name = base_ingredient(words)
    if not name or not re.search(r"[a-z]", name):
        return None
    strength = strength_of(found.group(1), found.group(2)) if found else None
    return Component(name, strength)


def components(text: str | None) -> list[Component]:
    """Every ingredient of a product name or an ingredient list, in order, without repeats."""
    found: dict[str, Component] = {}
    for chunk in _chunks(text or ""):
        part = _component(chunk)
        if part is not None and (part.ingredient not in found or part.strength is not None):
            found[part.ingredient] = part
    return list(found.values())


def product_components(med: Medication) -> list[Component]:
    """A medicine's ingredients: from its name, and from its ``ingredient`` field when given.

    The field is what a person (or the importer, which keeps only the first ingredient of a
    combination) recorded; the name adds the other ingredients of a combination product and the
    strengths. A one-ingredient name that differs from a one-ingredient field is the brand of
    that ingredient ("Glucophage 500 MG" with ingredient metformin), not a second ingredient.
    """
    named = components(med.name)
    given = components(med.ingredient)
    if not given:
        return named
    if len(given) == 1 and len(named) == 1 and named[0].ingredient != given[0].ingredient:
        return [Component(given[0].ingredient, named[0].strength)]
    merged = {c.ingredient: c for c in given}
    for part in named:
        if part.ingredient in merged or part.strength is not None:
            merged[part.ingredient] = part
    return list(merged.values())


def dose_of(med: Medication) -> Amount | None:
    """The amount given each time, as written on the medicine (None if not recorded)."""
    if med.dose_amount is not None and med.dose_unit:
        return quantity(float(med.dose_amount), med.dose_unit)
    if med.dose:
        return parse_dose(med.dose)
    if med.dose_amount is not None:  # FHIR doseQuantity without a unit: a count of the form
        return count(float(med.dose_amount))
    return None


def parse_dose(text: str) -> Amount | None:
    """The first amount in ``text``: "1,000 mg", "0.1 mg", "2 tablets", "100 mcg", or a bare
    count ("1", a FHIR dose without a unit); None when there is none."""
    bare = text.strip()
    if re.fullmatch(rf"(?:{NUMBER})", bare):
        return count(read_number(bare))
    for found in STRENGTH.finditer(text):
        if found.group(2):
            amount = quantity(read_number(found.group(1)), found.group(2))
            if amount is not None:
                return amount
    return None


def per_dose(part: Component, dose: Amount | None, *, single: bool) -> Amount | None:
    """How much of one ingredient each dose gives, when it can be known.

    A count of tablets or puffs (or no dose recorded: one unit) times the strength per unit; a
    volume times a concentration; an amount given directly, for a one-ingredient product.
    """
    strength = part.strength
    if dose is None:
        return _amount(strength * count(1)) if strength is not None else None
    if strength is not None:
        product = _amount(strength * dose)
        if product is not None:
            return product
    return dose if single and amount_like(dose) else None


def _amount(value: Amount) -> Amount | None:
    return value if amount_like(value) else None


def ingredient_doses(med: Medication) -> dict[str, Amount | None]:
    """Each ingredient of ``med`` with the amount of it per dose (None where unknown)."""
    parts = product_components(med)
    dose = dose_of(med)
    return {p.ingredient: per_dose(p, dose, single=len(parts) == 1) for p in parts}


def same_amount(a: Amount, b: Amount) -> bool | None:
    """Whether two amounts are equal in normalised units; None if they cannot be compared
    (mg against units, say)."""
    if a.dimensionality != b.dimensionality:
        return None
    left = a.to_base_units().magnitude
    right = b.to_base_units().magnitude
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=0.0)


def describe(amount: Amount) -> str:
    """An amount as a person writes it: "100 mcg", "12.5 mg", "20 units"."""
    return units().describe(amount)
