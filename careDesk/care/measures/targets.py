"""A goal's target read as a rule: "below 7%", "below 130/80", "between 4 and 7", "lose 5%".

The target text stays what people read and edit (the plan, the handout); when a goal is linked
to a measure the text is read into a :class:`Target` (rule, numbers, unit) and stored beside it,
so progress is computed, not typed. A linked goal whose target cannot be read is refused with
the field named, never stored as a target nobody can check.

Rules: ``below`` (<) and ``above`` (>) are strict, as guidelines write them ("A1c < 7%": 7.0 is
not at goal; "BP < 130/80": 130 systolic is not); ``at_most`` (≤), ``at_least`` (≥) and
``between`` (both ends included) for targets written that way; ``lose`` an amount or a per cent
of the starting value (weight).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from careDesk.care.measures.catalog import Measure
from careDesk.care.measures.units import convert, known_unit, shown
from careDesk.errors import ValidationFailed

RULES = ("below", "at_most", "above", "at_least", "between", "lose")
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_UNIT = r"\s*([^\d\s].*?)?"
_WORDS = {
    "below": ("below", "under", "less than", "lower than", "<", "menos de", "por debajo de"),
    "at_most": ("at most", "at or below", "no more than", "<=", "≤"),
    "above": ("above", "over", "more than", "higher than", ">", "más de"),
    "at_least": ("at least", "at or above", "no less than", ">=", "≥"),
}
_PAIR = re.compile(rf"^{_NUMBER}\s*/\s*{_NUMBER}{_UNIT}$")
_ONE = re.compile(rf"^{_NUMBER}{_UNIT}$")
_BETWEEN = re.compile(rf"^(?:between\s+)?{_NUMBER}{_UNIT}\s*(?:and|to|-|–)\s*{_NUMBER}{_UNIT}$")
_LOSE = re.compile(rf"^(?:lose\s+)?{_NUMBER}\s*(%|[a-z\[\]_]+)?\s*(?:less|lower|down)?$")
HINT = "write it as 'below 7%', 'below 130/80', 'above 60', 'between 4 and 7' or 'lose 5%'"


@dataclass(frozen=True)
class Target:
    """A target rule with its numbers and the unit they are written in."""

    rule: str
    value: float
    value2: float | None = None
    unit: str | None = None

    def words(self) -> str:
        """The rule in plain English for staff ("below 130/80 mm Hg")."""
        unit = f" {shown(self.unit)}" if self.unit and shown(self.unit) else ""
        if self.unit == "%":
            unit = "%"
        a, b = _num(self.value), _num(self.value2)
        if self.rule == "between":
            return f"between {a} and {b}{unit}"
        if self.rule == "lose":
            return f"lose {a}{unit}"
        pair = f"/{b}" if self.value2 is not None else ""
        return f"{self.rule.replace('_', ' ')} {a}{pair}{unit}"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _unit(text: str | None, measure: Measure) -> str | None:
    """The target's unit: written (and known), else the measure's own."""
    if text is None or not text.strip():
        return measure.unit
    unit = known_unit(text)
    if unit is None:
        raise ValidationFailed("target", f"'{text.strip()}' is not a unit careDesk knows; {HINT}")
    return unit


def parse_target(text: str | None, measure: Measure) -> Target:
    """Read a goal's target text for ``measure``; ValidationFailed("target", …) if it cannot."""
    if text is None or not text.strip():
        raise ValidationFailed("target", f"give the target of a goal linked to a measure; {HINT}")
    words = " ".join(text.strip().lower().split())
    lose = _LOSE.match(words)
    if lose and (words.startswith("lose") or words.endswith(("less", "lower", "down"))):
        unit = "%" if lose.group(2) == "%" else _unit(lose.group(2), measure)
        return _checked(Target("lose", _float(lose.group(1)), None, unit), measure)
    for rule, starts in _WORDS.items():
        for start in sorted(starts, key=len, reverse=True):
            if words.startswith(start):
                return _checked(_bound(rule, words[len(start) :].strip(), measure), measure)
    between = _BETWEEN.match(words)
    if between:
        unit = _unit(between.group(4) or between.group(2), measure)
        low, high = _float(between.group(1)), _float(between.group(3))
        return _checked(Target("between", min(low, high), max(low, high), unit), measure)
    raise ValidationFailed("target", HINT)


def _bound(rule: str, rest: str, measure: Measure) -> Target:
    pair = _PAIR.match(rest)
    if pair:
        if not measure.is_pair:
            raise ValidationFailed("target", f"{measure.display} has one number, not two")
        return Target(
            rule, _float(pair.group(1)), _float(pair.group(2)), _unit(pair.group(3), measure)
        )
    one = _ONE.match(rest)
    if one is None:
        raise ValidationFailed("target", HINT)
    return Target(rule, _float(one.group(1)), None, _unit(one.group(2), measure))


def _checked(target: Target, measure: Measure) -> Target:
    """Refuse a target whose unit does not fit the measure ("below 7 kg" for an A1c)."""
    if target.rule == "lose" and target.unit == "%":
        if not 0 < target.value < 100:
            raise ValidationFailed("target", "a loss in per cent is between 0 and 100")
        return target
    if target.unit != measure.unit:
        try:
            convert(measure, 1.0, target.unit, measure.unit)
        except ValidationFailed:
            raise ValidationFailed(
                "target", f"{shown(target.unit)} is not a unit for {measure.display}"
            ) from None
    return target


def in_measure_unit(target: Target, measure: Measure) -> Target:
    """The target with its numbers in the measure's unit (a "lose 5%" stays in per cent)."""
    if target.unit in (None, measure.unit) or (target.rule == "lose" and target.unit == "%"):
        return target

    def to(value: float | None) -> float | None:
        return None if value is None else convert(measure, value, target.unit, measure.unit)

    value = to(target.value)
    assert value is not None
    return Target(target.rule, value, to(target.value2), measure.unit)


def meets(target: Target, value: float, value2: float | None, baseline: float | None) -> bool:
    """Whether a reading (in the measure's unit; ``target`` too) meets the target."""
    t, t2 = target.value, target.value2
    second_ok = value2 is None or t2 is None
    if target.rule == "below":
        return value < t and (second_ok or value2 < t2)  # type: ignore[operator]
    if target.rule == "at_most":
        return value <= t and (second_ok or value2 <= t2)  # type: ignore[operator]
    if target.rule == "above":
        return value > t and (second_ok or value2 > t2)  # type: ignore[operator]
    if target.rule == "at_least":
        return value >= t and (second_ok or value2 >= t2)  # type: ignore[operator]
    if target.rule == "between":
        return t <= value <= (t2 if t2 is not None else t)
    return lost(target, value, baseline) >= t


def lost(target: Target, value: float, baseline: float | None) -> float:
    """How much was lost from the baseline, in the target's terms (per cent or the unit)."""
    if baseline is None or baseline <= 0:
        return 0.0
    drop = baseline - value
    return drop / baseline * 100 if target.unit == "%" else drop


def gap(target: Target, value: float, value2: float | None, baseline: float | None) -> float:
    """How far a reading is from meeting the target (0 when it does), in the measure's unit."""
    t, t2 = target.value, target.value2
    if target.rule in ("below", "at_most"):
        extra = max(0.0, value2 - t2) if value2 is not None and t2 is not None else 0.0
        return max(0.0, value - t) + extra
    if target.rule in ("above", "at_least"):
        extra = max(0.0, t2 - value2) if value2 is not None and t2 is not None else 0.0
        return max(0.0, t - value) + extra
    if target.rule == "between":
        high = t2 if t2 is not None else t
        return max(0.0, t - value, value - high)
    if baseline is None or baseline <= 0:
        return t
    wanted = baseline * t / 100 if target.unit == "%" else t
    return max(0.0, wanted - (baseline - value))
