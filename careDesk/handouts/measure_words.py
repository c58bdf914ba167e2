"""A linked goal's latest value and target in plain words, for the handout (issue 17).

"Your last A1c was 8.2% on March 3, 2026. Your goal is below 7%." Every word is a phrase of
the language's phrase file (``measure.*``); numbers come from the measurements, in the unit the
goal's target was written in (a weight goal in pounds is printed in pounds). A blood pressure is
"142 over 88", and its goal names both numbers ("a top number below 130 and a bottom number
below 80"), so neither reads as the other. An old value says so ("It is time to check it
again.").
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from careDesk.care.measures.catalog import by_key, measure_of
from careDesk.care.measures.progress import Progress
from careDesk.care.measures.targets import Target
from careDesk.care.measures.units import convert
from careDesk.handouts.phrases import Phrasebook
from careDesk.handouts.wording import short_date


def _number(value: float, places: int) -> str:
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _amount(book: Phrasebook, value: float, unit: str | None, places: int) -> str:
    number = _number(value, places)
    if not unit or unit in ("{score}", "mm[Hg]") or not book.has(f"measure.units.{unit}"):
        return number
    word = book.text(f"measure.units.{unit}")
    return f"{number}{word}" if word == "%" else f"{number} {word}"


def _goal(book: Phrasebook, t: Target, places: int) -> str:
    if t.value2 is not None and t.rule == "below" and t.unit == "mm[Hg]":
        return book.text(
            "measure.goal.pair_below", top=_number(t.value, 0), bottom=_number(t.value2, 0)
        )
    if t.rule == "between":
        high = t.value2 if t.value2 is not None else t.value
        return book.text(
            "measure.goal.between",
            low=_amount(book, t.value, t.unit, places),
            high=_amount(book, high, t.unit, places),
        )
    return book.text(f"measure.goal.{t.rule}", value=_amount(book, t.value, t.unit, places))


def reading_words(book: Phrasebook, p: Progress, zone: ZoneInfo) -> str:
    """The sentences about a linked goal's latest value and target ("" when nothing recorded)."""
    measure = measure_of(p.measure_loinc)
    if measure is None or p.latest is None or p.latest.value is None:
        return ""
    key = measure.key if book.has(f"measure.names.{measure.key}") else None
    name = book.text(f"measure.names.{key}") if key else measure.display
    places = by_key()[measure.key].decimals
    unit = p.unit
    shown = p.latest.value
    if p.rule is not None and p.rule.unit in ("lb", "kg") and p.rule.unit != unit:
        shown, unit = convert(measure, shown, unit, p.rule.unit), p.rule.unit
    if p.latest.value2 is not None:
        value = book.text("measure.pair", top=_number(shown, 0), bottom=_number(p.latest.value2, 0))
    else:
        value = _amount(book, shown, unit, places)
    day = short_date(book, p.latest.at.astimezone(zone).date())
    parts = [book.text("measure.last", measure=name, value=value, date=day)]
    if p.stale:
        parts.append(book.text("measure.again"))
    if p.rule is not None:
        parts.append(_goal(book, p.rule, places))
    return " ".join(parts)
