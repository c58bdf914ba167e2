"""How much of a medicine to take, written the way the patient counts it.

The Universal Medication Schedule writes the amount as the patient takes it — "1 tablet",
"2 puffs", "10 units" — and keeps the strength ("10 mg") in the medicine's name (Wolf MS, Curtis
LM, Waite K, et al. Helping patients simplify and safely use complex prescription regimens. Arch
Intern Med 2011;171(4):300-305; Davis TC, Federman AD, Bass PF 3rd, et al. Improving patient
understanding of prescription drug label instructions. J Gen Intern Med 2009;24(1):57-62; IOM
2008 "Standardizing Medication Labels" and the NCPDP 2013 white paper on the UMS).

The count comes only from the record: the dose as written ("2 puffs"), the structured amount and
unit (FHIR ``doseQuantity``: 1 with no unit is one of the product, whose form the RxNorm name
gives: "Clopidogrel 75 MG Oral Tablet"), or a dose that is a whole number (1 to 4) of the single
strength in the name ("1000 mg" of "Metformin 500 MG Oral Tablet" is 2 tablets). When the form
is not known no count is invented: the amount prints as prescribed ("500 mg"), in safe words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from careDesk.handouts.phrases import Phrasebook
from careDesk.handouts.safe_words import Context
from careDesk.handouts.wording import plain
from careDesk.model.clinical import Medication

# How a dose form may be written in the record → the form's key in the phrase file ("forms").
FORM_WORDS = {
    **dict.fromkeys(("tablet", "tablets", "tab", "tabs"), "tablet"),
    **dict.fromkeys(("pill", "pills"), "pill"),
    **dict.fromkeys(("capsule", "capsules", "cap", "caps"), "capsule"),
    **dict.fromkeys(("puff", "puffs", "inhalation", "inhalations", "actuation"), "puff"),
    **dict.fromkeys(("spray", "sprays"), "spray"),
    **dict.fromkeys(("drop", "drops"), "drop"),
    **dict.fromkeys(("unit", "units", "u"), "unit"),
    **dict.fromkeys(("patch", "patches"), "patch"),
    **dict.fromkeys(("ml",), "ml"),
}
STRENGTH_UNITS = {"mg", "mcg", "µg", "ug", "g", "gm", "meq"}
# The form in an RxNorm-style name ("… Oral Tablet", "… Metered Dose Inhaler").
NAME_FORMS = (
    (re.compile(r"\btablets?\b", re.IGNORECASE), "tablet"),
    (re.compile(r"\bcapsules?\b", re.IGNORECASE), "capsule"),
    (re.compile(r"\binhaler\b", re.IGNORECASE), "puff"),
    (re.compile(r"\bspray\b", re.IGNORECASE), "spray"),
    (re.compile(r"\b(?:patch|transdermal system)\b", re.IGNORECASE), "patch"),
)
_DOSE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-zµ]+)\b\.?(.*)$")
_STRENGTH_IN_NAME = re.compile(r"(\d+(?:\.\d+)?)\s*(MG|MCG|G|mg|mcg|g)\b")
_PER_AMOUNT = re.compile(r"\d\s*(?:MG|MCG|G)\s*/", re.IGNORECASE)  # "0.4 MG/ACTUAT", "10 MG/ML"
_BARE_NUMBER = re.compile(r"^\s*\d*\.?\d+\s*$")
MAX_COUNT = 4


@dataclass(frozen=True)
class Amount:
    """The words for one dose ("1 tablet", or "500 mg" as prescribed) and the name to print."""

    words: str
    name: str


def _number(value: float) -> str:
    return f"{value:g}"


def form_in_name(name: str) -> str | None:
    """The dose form an RxNorm-style name states, if exactly one."""
    found = {form for pattern, form in NAME_FORMS if pattern.search(name)}
    return found.pop() if len(found) == 1 else None


def _names_strength(name: str, value: float, unit: str) -> bool:
    """Whether ``name`` already says this strength ("Lisinopril 10 mg" names 10 mg)."""
    pattern = rf"(?<![\d.]){re.escape(_number(value))}\s*{re.escape(unit)}\b"
    return re.search(pattern, name, re.IGNORECASE) is not None


def _count_words(book: Phrasebook, count: float, form: str) -> str:
    singular, plural = book.items(f"forms.{form}")
    return f"{_number(count)} {singular if count <= 1 else plural}"


def _strength_count(name: str, amount: float, unit: str) -> float | None:
    """How many of the product a strength dose is, when the name has one matching strength."""
    strengths = _STRENGTH_IN_NAME.findall(name)
    if len(strengths) != 1 or _PER_AMOUNT.search(name) or strengths[0][1].lower() != unit.lower():
        return None
    count = amount / float(strengths[0][0])
    return count if count.is_integer() and 1 <= count <= MAX_COUNT else None


@dataclass(frozen=True)
class _Parsed:
    count: float | None = None
    form: str | None = None
    rest: str = ""
    strength: tuple[float, str] | None = None
    written: str = ""


def _parse(med: Medication) -> _Parsed:
    written = (med.dose or "").strip()
    match = _DOSE.match(written) if written else None
    structured = med.dose_amount
    unit = (med.dose_unit or "").strip().lower()
    strength = (structured, unit) if structured is not None and unit in STRENGTH_UNITS else None
    if match:
        value, word, rest = float(match.group(1)), match.group(2).lower(), match.group(3)
        if word in FORM_WORDS:
            return _Parsed(value, FORM_WORDS[word], rest.strip(), strength, written)
        if word in STRENGTH_UNITS and not rest.strip():
            strength = (value, word)
    if structured is not None and unit in FORM_WORDS:
        return _Parsed(structured, FORM_WORDS[unit], "", strength, written)
    if structured is not None and not unit and (not written or _BARE_NUMBER.match(written)):
        form = form_in_name(med.name)
        if form is not None:
            return _Parsed(structured, form, "", None, written)
    if strength is not None:
        counted = _strength_count(med.name, *strength)
        form = form_in_name(med.name)
        if counted is not None and form is not None:
            return _Parsed(counted, form, "", None, written)
    return _Parsed(strength=strength, written=written or _structured_text(med))


def _structured_text(med: Medication) -> str:
    if med.dose_amount is not None and med.dose_unit:
        return f"{_number(med.dose_amount)} {med.dose_unit}"
    return ""


def amount(book: Phrasebook, med: Medication) -> Amount:
    """The dose as the patient counts it, and the name with the strength in it."""
    context = Context(medicine=True, ingredient=med.ingredient or "")
    name = plain(book, med.name, field="medicine name", context=context)
    parsed = _parse(med)
    if parsed.count is None or parsed.form is None:
        words = plain(book, parsed.written, field="medicine dose", context=context)
        return Amount(words, name)
    words = _count_words(book, parsed.count, parsed.form)
    if parsed.rest:
        words += " " + plain(book, parsed.rest, field="medicine dose", context=context)
    if parsed.strength is not None:
        value, unit = parsed.strength
        strength = plain(book, f"{_number(value)} {unit}", field="medicine dose", context=context)
        if not _names_strength(name, value, unit):
            name = f"{name} {strength}"
    return Amount(words, name)
