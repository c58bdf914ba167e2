"""FHIR ``Timing`` ↔ careDesk's structured medication schedule.

Patients see the Universal Medication Schedule (IOM / NCPDP 2013): morning, noon, evening,
bedtime. Convention (docs/clinical-sources.md#medication-timing): daily → morning; twice → morning +
evening; three times → morning + noon + evening; four times → all four; at bedtime → bedtime;
as needed → no slot; every N hours stays "every N hours". ``repeat.when`` codes are the FHIR R4
EventTiming value set (hl7.org/fhir/R4/valueset-event-timing.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SLOTS = ("morning", "noon", "evening", "bedtime")
BY_COUNT = {1: ("morning",), 2: ("morning", "evening"), 3: ("morning", "noon", "evening"), 4: SLOTS}
WHEN_TO_SLOT = {
    "MORN": "morning", "MORN.early": "morning", "MORN.late": "morning", "WAKE": "morning",
    "ACM": "morning", "CM": "morning", "PCM": "morning",
    "NOON": "noon", "AFT": "noon", "AFT.early": "noon", "AFT.late": "noon",
    "ACD": "noon", "CD": "noon", "PCD": "noon",
    "EVE": "evening", "EVE.early": "evening", "EVE.late": "evening",
    "ACV": "evening", "CV": "evening", "PCV": "evening",
    "NIGHT": "bedtime", "HS": "bedtime", "PHS": "bedtime",
}  # fmt: skip
SLOT_TO_WHEN = {"morning": "MORN", "noon": "NOON", "evening": "EVE", "bedtime": "HS"}
HOURS_PER_UNIT = {"h": 1.0, "d": 24.0}


@dataclass(frozen=True)
class Schedule:
    """The structured schedule fields of a careDesk medication."""

    slots: str = ""
    times_per_day: int | None = None
    every_hours: int | None = None
    note: str | None = None  # a schedule the four slots cannot show, in plain words


def from_repeat(repeat: dict[str, Any]) -> Schedule:
    """Map a validated ``Timing.repeat`` to slots / times a day / every N hours."""
    when = [WHEN_TO_SLOT[w] for w in repeat.get("when") or [] if w in WHEN_TO_SLOT]
    frequency = repeat.get("frequency")
    period = repeat.get("period")
    unit = repeat.get("periodUnit")
    freq = int(frequency) if isinstance(frequency, int | float) and frequency > 0 else None
    per = float(period) if isinstance(period, int | float) and period > 0 else None
    if when:
        ordered = ",".join(s for s in SLOTS if s in when)
        return Schedule(
            slots=ordered,
            times_per_day=freq if unit in (None, "d") and per in (None, 1.0) else None,
        )
    if freq is None or per is None or unit not in HOURS_PER_UNIT:
        return Schedule(note=_words(freq, per, unit))
    hours_between = per * HOURS_PER_UNIT[unit] / freq
    if unit == "h" or (unit == "d" and per == 1 and freq > 4):
        if hours_between < 1 or hours_between != int(hours_between):
            return Schedule(note=_words(freq, per, unit))
        return Schedule(every_hours=int(hours_between))
    if per == 1 and freq in BY_COUNT:
        return Schedule(slots=",".join(BY_COUNT[freq]), times_per_day=freq)
    return Schedule(note=_words(freq, per, unit))


def _words(freq: int | None, per: float | None, unit: Any) -> str | None:
    names = {
        "s": "seconds",
        "min": "minutes",
        "h": "hours",
        "d": "days",
        "wk": "weeks",
        "mo": "months",
        "a": "years",
    }
    if freq is None or per is None or unit not in names:
        return None
    times = "once" if freq == 1 else f"{freq} times"
    return f"{times} every {per:g} {names[unit]}"


def to_timing(
    slots: str, times_per_day: int | None, every_hours: int | None
) -> dict[str, Any] | None:
    """A FHIR ``Timing`` for a careDesk schedule (``None`` when there is none)."""
    if every_hours:
        return {"repeat": {"frequency": 1, "period": every_hours, "periodUnit": "h"}}
    chosen = [s for s in SLOTS if s in slots.split(",")]
    repeat: dict[str, Any] = {}
    if times_per_day:
        repeat.update({"frequency": times_per_day, "period": 1, "periodUnit": "d"})
    if chosen:
        repeat["when"] = [SLOT_TO_WHEN[s] for s in chosen]
    return {"repeat": repeat} if repeat else None
