"""Do-Not-Use and error-prone abbreviations rewritten into safe words before anything prints.

Sources (the forms and the words to write instead):

- The Joint Commission, Official "Do Not Use" List (National Patient Safety Goal / standard
  IM.02.02.01, in force since 2004; applies to all orders and medication-related documentation):
  "U"/"u" → write "unit"; "IU" → write "International Unit"; "Q.D., QD, q.d., qd" → write
  "daily"; "Q.O.D., QOD, q.o.d., qod" → write "every other day"; trailing zero "X.0 mg" → write
  "X mg"; lack of leading zero ".X mg" → write "0.X mg"; "MS", "MSO4", "MgSO4" (confused with
  one another) → write "morphine sulfate" or "magnesium sulfate".
- ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations (Institute for Safe
  Medication Practices, 2021 edition): "SC", "SQ", "sub q" → write "subcutaneously" (here "under
  the skin"); "qhs", "q.n." → write "nightly at bedtime"; "HS" (half-strength) / "hs" (bedtime),
  mistaken for each other → write it out; "q1d" → "daily"; "cc" → "mL"; "µg" → "mcg". "QAM" and
  "QPM" are written out the same way ("every morning", "every evening").

Only unambiguous forms are rewritten. "MS" names morphine sulfate only when the medicine's own
ingredient (or the brand "MS Contin") says so, magnesium sulfate only when its ingredient says
so; "HS" means bedtime only right after a dose, a route or "take" ("1 tablet HS", "by mouth HS",
"Take HS"); alone it may mean half-strength. Anything left that is still on either list is
refused by :func:`check` with the field named, so staff write it out: the software never guesses
a medicine or a dose.

Letters (case) matter where a short form is also an everyday word or place: "SC" (South
Carolina), "MS" (multiple sclerosis, Mississippi) and "U" are only treated as Do-Not-Use forms in
a dose ("10 U", "5 mg SC", "MS 15 mg") or inside a medicine's own fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from careDesk.errors import ValidationFailed
from careDesk.handouts.phrases import Phrasebook

# Dose units and dose forms that may follow a number (any language in the library).
_UNIT = (
    r"(?i:mg|mcg|µg|ug|g|gm|kg|mL|L|units?|unidad(?:es)?|đơn vị|mEq|mmol|%|"
    r"tablets?|tabs?|capsules?|caps?|pills?|puffs?|drops?|sprays?|patch(?:es)?|"
    r"pastillas?|tabletas?|cápsulas?|gotas?|inhalaciones|inhalación|viên|giọt)"
)
_NUMBER_BEFORE = r"(?<=\d)"
_START = r"(?<![\w.])"
_END = r"(?![\w])"
# A dose or route just before a word: "1 tablet HS", "by mouth HS", "10 units SC".
_DOSE_BEFORE = re.compile(
    rf"(?:\d\s?{_UNIT}?|\b(?:PO|po|by mouth|orally|oral|at|[Tt]ake|inject|injected|injection))\s*$"
)

_TRAILING_ZERO = re.compile(rf"(?<![\d.])(\d+)\.(\d*?)0+(?=\s?{_UNIT}(?![\w]))")
_LEADING_ZERO = re.compile(r"(?<![\w.,])\.(\d)")
_MGSO4 = re.compile(rf"{_START}MgSO4{_END}", re.IGNORECASE)
_MSO4 = re.compile(rf"{_START}MSO4{_END}", re.IGNORECASE)
_MS_CONTIN = re.compile(rf"{_START}MS(?=\s+Contin\b)")
_MS = re.compile(rf"{_START}M\.?S\.?(?![\w])")
_IU = re.compile(rf"(?:{_NUMBER_BEFORE}|{_START})\s?(?:IU|I\.U\.)(?![\w])")
_UNITS_AFTER_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?[Uu](?![\w]|\.\w)")
_QOD = re.compile(rf"{_START}[Qq]\.?[Oo]\.?[Dd](?:\.|(?![\w]))")
_QD = re.compile(rf"{_START}(?:[Qq]\.?[Dd]|[Qq]1[Dd])(?:\.|(?![\w]))")
_QAM = re.compile(rf"{_START}[Qq]\.?\s?(?:AM|am|A\.M\.|a\.m\.)(?![\w])")
_QPM = re.compile(rf"{_START}[Qq]\.?\s?(?:PM|pm|P\.M\.|p\.m\.)(?![\w])")
_QHS = re.compile(rf"{_START}[Qq]\.?\s?(?:HS|hs|h\.s\.|N|n\.)(?![\w])")
_HS = re.compile(rf"{_START}(?:HS|hs|h\.s\.)(?![\w])")
_SUBCUT = re.compile(
    rf"{_START}(?:S\.C\.|S\.Q\.|s\.c\.|s\.q\.|SC|SQ|sc|sq|SUBQ|SubQ|subQ|subq|"
    rf"[Ss]ub[ -]?[Qq])(?![\w])"
)
_CC = re.compile(r"(?<=\d)\s?cc(?![\w])")
_MICROGRAM = re.compile(r"(?<=\d)\s?(?:µg|μg)(?![\w])")
_CLOCK = re.compile(
    r"(?<![\w:])(\d{1,2})(?::(\d\d))?\s?(AM|PM|am|pm|A\.M\.|P\.M\.|a\.m\.|p\.m\.)(?![\w])"
)


@dataclass(frozen=True)
class Context:
    """Where the text comes from: a medicine's own field (with its ingredient) or other text."""

    medicine: bool = False
    ingredient: str = ""


OTHER = Context()


def _word(book: Phrasebook, key: str) -> str:
    return book.text(f"safe_words.{key}")


def _clock(book: Phrasebook, match: re.Match[str]) -> str:
    """ "8 PM" → "8 in the evening"; "12 PM" → noon's hour in the afternoon phrase."""
    hour, minute = int(match.group(1)), match.group(2)
    if not 1 <= hour <= 12:
        return match.group(0)
    evening = match.group(3).lower().startswith("p")
    hour24 = (hour % 12) + (12 if evening else 0)
    time_text = f"{hour}:{minute}" if minute else str(hour)
    if hour24 < 12:
        part = "date.morning"
    elif hour24 < 17:
        part = "date.afternoon"
    else:
        part = "date.evening"
    return book.text(part, time=time_text)


def _trailing(match: re.Match[str]) -> str:
    whole, fraction = match.group(1), match.group(2)
    return f"{whole}.{fraction}" if fraction else whole


def _units(book: Phrasebook) -> Callable[[re.Match[str]], str]:
    def write(match: re.Match[str]) -> str:
        number = match.group(1)
        return f"{number} {_word(book, 'unit' if number == '1' else 'units')}"

    return write


def _hs(book: Phrasebook) -> Callable[[re.Match[str]], str]:
    def write(match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - 30) : match.start()]
        return _word(book, "at_bedtime") if _DOSE_BEFORE.search(before) else match.group(0)

    return write


def _ms(book: Phrasebook, context: Context) -> str | None:
    ingredient = context.ingredient.lower()
    if "morphine" in ingredient:
        return _word(book, "morphine_sulfate")
    if "magnesium" in ingredient:
        return _word(book, "magnesium_sulfate")
    return None


def rewrite(book: Phrasebook, text: str, context: Context = OTHER) -> str:
    """``text`` with every unambiguous Do-Not-Use / error-prone form written in safe words."""
    result = _TRAILING_ZERO.sub(_trailing, text)
    result = _LEADING_ZERO.sub(r"0.\1", result)
    result = _MGSO4.sub(_word(book, "magnesium_sulfate"), result)
    result = _MSO4.sub(_word(book, "morphine_sulfate"), result)
    result = _MS_CONTIN.sub(_word(book, "morphine_sulfate"), result)
    named = _ms(book, context) if context.medicine else None
    if named is not None:
        result = _MS.sub(named, result)
    result = _IU.sub(lambda m: _after_number(m, _word(book, "international_units")), result)
    result = _UNITS_AFTER_NUMBER.sub(_units(book), result)
    result = _QOD.sub(_word(book, "every_other_day"), result)
    result = _QD.sub(_word(book, "daily"), result)
    result = _QAM.sub(_word(book, "every_morning"), result)
    result = _QPM.sub(_word(book, "every_evening"), result)
    result = _QHS.sub(_word(book, "at_bedtime"), result)
    result = _HS.sub(_hs(book), result)
    result = _SUBCUT.sub(_subcut(book, context), result)
    result = _CC.sub(" mL", result)
    result = _MICROGRAM.sub(" mcg", result)
    return _CLOCK.sub(lambda m: _clock(book, m), result)


def _after_number(match: re.Match[str], words: str) -> str:
    """``words`` with one space before them when they follow a number ("10IU" → "10 …")."""
    start = match.start()
    spaced = match.group(0)[:1].isspace() or (start > 0 and match.string[start - 1].isdigit())
    return f" {words}" if spaced else words


def _subcut(book: Phrasebook, context: Context) -> Callable[[re.Match[str]], str]:
    def write(match: re.Match[str]) -> str:
        before = match.string[max(0, match.start() - 30) : match.start()]
        if context.medicine or _DOSE_BEFORE.search(before):
            return _word(book, "under_the_skin")
        return match.group(0)

    return write


# ----- what must never be printed --------------------------------------------------------------
_ALWAYS = {
    "U after a number (write 'units')": _UNITS_AFTER_NUMBER,
    "IU (write 'international units')": _IU,
    "QD / q.d. (write 'daily')": _QD,
    "QOD / q.o.d. (write 'every other day')": _QOD,
    "a trailing zero after a dose (write '5 mg', not '5.0 mg')": re.compile(
        rf"(?<![\d.])\d+\.\d*0(?=\s?{_UNIT}(?![\w]))"
    ),
    "a dose without its leading zero (write '0.5 mg', not '.5 mg')": _LEADING_ZERO,
    "MSO4 / MgSO4 (write 'morphine sulfate' or 'magnesium sulfate')": re.compile(
        rf"{_START}(?:MSO4|MgSO4){_END}", re.IGNORECASE
    ),
    "QAM / QPM / QHS (write 'every morning', 'every evening', 'at bedtime')": re.compile(
        f"{_QAM.pattern}|{_QPM.pattern}|{_QHS.pattern}"
    ),
    "HS / hs (write 'at bedtime' or 'half-strength')": _HS,
    "cc (write 'mL')": _CC,
}
_DOSE_ONLY = {
    "MS (write 'morphine sulfate' or 'magnesium sulfate')": _MS,
    "SC / SQ (write 'under the skin')": _SUBCUT,
}
_DOSE_AFTER = re.compile(rf"^\s*\.?\d[\d.,]*\s?{_UNIT}(?![\w])")


def forbidden(text: str, context: Context = OTHER) -> list[str]:
    """The Do-Not-Use / error-prone forms still in ``text`` (their names), none when safe."""
    found = [name for name, pattern in _ALWAYS.items() if pattern.search(text)]
    for name, pattern in _DOSE_ONLY.items():
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()]
            after = text[match.end() : match.end() + 12]
            if context.medicine or _DOSE_BEFORE.search(before) or _DOSE_AFTER.search(after):
                found.append(name)
                break
    return found


def check(text: str, *, field: str, context: Context = OTHER) -> None:
    """Refuse ``text`` (already rewritten) if a Do-Not-Use form is left; names the field only."""
    found = forbidden(text, context)
    if found:
        raise ValidationFailed(
            field,
            f"uses {found[0]}, which The Joint Commission 'Do Not Use' list or the ISMP list of "
            "error-prone abbreviations forbids on anything printed; write it out in the record, "
            "then print again",
        )
