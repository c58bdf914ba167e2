"""A goal linked to a measure computes its own progress from the measurements.

Status, in the order it is decided:

- **no recent value**: no reading, or the latest is older than the measure's look-back (the
  last one is still shown, as stale, never as current);
- **at goal**: the latest reading meets the target;
- **not at goal yet**: only one reading so far (no trend to judge);
- **improving**: the latest is nearer the target than the baseline by at least the measure's
  minimal change (``measures.json`` ``min_change``, e.g. 5 PHQ-9 points: Löwe 2004);
- **not improving**: otherwise (no change, or worse).

The baseline is the last reading on or before the day the goal was set, else the first after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from careDesk.care.measures.catalog import Measure, measure_of
from careDesk.care.measures.series import Point, Series
from careDesk.care.measures.targets import Target, gap, in_measure_unit, meets
from careDesk.model.base import aware

AT_GOAL = "at goal"
IMPROVING = "improving"
NOT_IMPROVING = "not improving"
NOT_YET = "not at goal yet"
NO_RECENT = "no recent value"
NO_TARGET = "no target"


@dataclass(frozen=True)
class GoalLink:
    """What progress needs to know about a goal."""

    goal_id: str
    description: str
    measure_loinc: str
    target_text: str | None
    target: Target | None
    started: datetime


@dataclass(frozen=True)
class Progress:
    """A linked goal's computed progress, with the numbers behind it."""

    goal_id: str
    description: str
    measure_loinc: str
    measure: str  # the series' name
    status: str
    target: str | None  # in words
    rule: Target | None  # the target as a rule, in the units it was written in
    unit: str  # the unit of ``latest`` and ``baseline``
    latest: Point | None
    latest_text: str | None
    baseline: Point | None
    baseline_text: str | None
    stale: bool

    def words(self) -> str:
        """One line for staff: "A1c 8.2 % on 2026-03-03 (target below 7%): not improving…"."""
        if self.latest is None:
            return f"{self.measure}: no value recorded ({self.status})"
        when = f"{self.latest.at:%Y-%m-%d}"
        target = f" (target {self.target})" if self.target else ""
        since = ""
        if self.baseline is not None and self.baseline.record_ids != self.latest.record_ids:
            since = f", from {self.baseline_text} on {self.baseline.at:%Y-%m-%d}"
        return f"{self.measure} {self.latest_text} on {when}{target}: {self.status}{since}"


def baseline_of(points: list[Point], started: datetime) -> Point | None:
    """The last usable point on or before ``started``, else the first after."""
    before = [p for p in points if p.at <= started]
    if before:
        return before[-1]
    return points[0] if points else None


def _status(
    measure: Measure | None, target: Target | None, latest: Point, baseline: Point | None
) -> str:
    if target is None:
        return NO_TARGET
    assert latest.value is not None
    base = baseline.value if baseline is not None else None
    if meets(target, latest.value, latest.value2, base):
        return AT_GOAL
    if baseline is None or baseline.record_ids == latest.record_ids or base is None:
        return NOT_YET
    step = measure.min_change if measure is not None else 0.0
    before = gap(target, base, baseline.value2, base)
    now = gap(target, latest.value, latest.value2, base)
    return IMPROVING if before - now >= step else NOT_IMPROVING


def progress(link: GoalLink, series: Series | None, now: datetime) -> Progress:
    """The progress of one linked goal on its series (None: nothing recorded yet)."""
    measure = series.measure if series is not None else measure_of(link.measure_loinc)
    target = link.target
    if target is not None and measure is not None:
        target = in_measure_unit(target, measure)
    name = series.display if series is not None else (measure.display if measure else "")
    points = series.usable() if series is not None else []
    latest = points[-1] if points else None
    baseline = baseline_of(points, aware(link.started))
    stale = series is None or series.is_stale(latest, now)
    fresh = latest is not None and not stale
    status = _status(measure, target, latest, baseline) if fresh and latest else NO_RECENT
    return Progress(
        goal_id=link.goal_id,
        description=link.description,
        measure_loinc=link.measure_loinc,
        measure=name or link.measure_loinc,
        status=status,
        target=link.target.words() if link.target else link.target_text,
        rule=link.target,
        unit=series.unit if series is not None else (measure.unit if measure else ""),
        latest=latest,
        latest_text=series.format(latest) if series is not None and latest else None,
        baseline=baseline,
        baseline_text=series.format(baseline) if series is not None and baseline else None,
        stale=stale,
    )


def series_for(loinc: str, found: list[Series]) -> Series | None:
    """The series a goal's LOINC code belongs to (any code of a named measure)."""
    measure = measure_of(loinc)
    for s in found:
        if s.loinc == loinc or (measure is not None and s.measure and s.measure.key == measure.key):
            return s
    return None
