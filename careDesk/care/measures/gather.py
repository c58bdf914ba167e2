"""What the risk engine learns from measurements, read in batches with its other facts.

For each patient of a refresh: the latest A1c and blood pressure (uncontrolled values add
explained priority points), and for the treat-to-target registries (``measures.json``
``registries``) the baseline and latest value of the episode, stored as ``registry_entry``
rows (derived, like ``risk_score``). A handful of queries per chunk of patients, never one per
patient.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlmodel import Session, col

from careDesk.care.measures.catalog import Registry, by_key, catalog
from careDesk.care.measures.outcomes import Episode, Score, candidate_not_improving, episode_of
from careDesk.care.measures.series import (
    CHUNK,
    Point,
    Series,
    build_series,
    observation_readings,
    screener_readings,
)
from careDesk.care.measures.targets import Target, in_measure_unit, meets, parse_target
from careDesk.errors import ValidationFailed
from careDesk.model.plan import Goal
from careDesk.store.reads import column_rows

OPEN = ("enrolled", "active")


@dataclass
class Person:
    """What membership needs to know about a patient (filled by the risk engine's reads)."""

    status: str = "candidate"
    enrolled_on: date | None = None
    codes: list[tuple[str | None, str | None]] = field(default_factory=list)  # active ones


@dataclass
class MeasureFacts:
    """A patient's measurement facts for the priority and the registry rows."""

    a1c: Point | None = None  # the latest, if within its look-back
    bp: Point | None = None
    episodes: dict[str, Episode] = field(default_factory=dict)  # score registries
    candidate: Episode | None = None  # PHQ-9 not improving while still a candidate
    entries: list[dict[str, Any]] = field(default_factory=list)  # registry_entry rows


@cache
def _codes() -> list[str]:
    """The LOINC codes the risk engine and the registries read."""
    keys = {"a1c", "bp"} | {r.measure for r in catalog().registries}
    wanted = [by_key()[k] for k in sorted(keys)]
    return sorted({c for m in wanted for c in (*m.codes, *m.components.values())})


class GoalTarget(NamedTuple):
    """What the registries read of a patient's active goal linked to a measurement."""

    patient_id: str
    measure_loinc: str | None
    target_rule: str | None
    target_value: float | None
    target_value2: float | None
    target_unit: str | None


def _goals(session: Session, ids: Sequence[str]) -> dict[str, list[GoalTarget]]:
    """Plain columns, not ``Goal`` objects: building the objects was a sixth of a bulk refresh."""
    q = select(*(col(getattr(Goal, name)) for name in GoalTarget._fields)).where(
        col(Goal.patient_id).in_(ids),
        col(Goal.deleted_at).is_(None),
        col(Goal.status) == "active",
        col(Goal.measure_loinc).is_not(None),
    )
    found: dict[str, list[GoalTarget]] = defaultdict(list)
    for row in column_rows(session, q):
        goal = GoalTarget(*row)
        found[goal.patient_id].append(goal)
    return found


def _fresh(series: Series | None, now: datetime) -> Point | None:
    if series is None:
        return None
    latest = series.latest()
    return None if series.is_stale(latest, now) else latest


@cache
def _linked(measure_key: str) -> frozenset[str]:
    """The LOINC codes a goal may name to be linked to a measure (its codes and components)."""
    measure = by_key()[measure_key]
    return frozenset((*measure.codes, *measure.components.values()))


def _member(registry: Registry, person: Person, goals: list[GoalTarget]) -> bool:
    if person.status not in OPEN:
        return False
    codes = _linked(registry.measure)
    linked = any(g.measure_loinc in codes for g in goals)
    return linked or any(registry.conditions.match(i, s) for i, s in person.codes)


def _episode_start(person: Person) -> datetime | None:
    if person.enrolled_on is None:
        return None
    window = timedelta(days=catalog().outcomes.baseline_window_days)
    return datetime.combine(person.enrolled_on, time(0), tzinfo=UTC) - window


def _target(registry: Registry, goals: list[GoalTarget]) -> Target | None:
    measure = by_key()[registry.measure]
    codes = _linked(registry.measure)
    for goal in goals:
        if goal.measure_loinc in codes and goal.target_rule and goal.target_value is not None:
            t = Target(goal.target_rule, goal.target_value, goal.target_value2, goal.target_unit)
            return in_measure_unit(t, measure)
    if measure.default_target is None:
        return None
    try:
        return in_measure_unit(parse_target(measure.default_target, measure), measure)
    except ValidationFailed:
        return None


def _entry(
    pid: str,
    registry: Registry,
    series: Series | None,
    person: Person,
    goals: list[GoalTarget],
    now: datetime,
) -> tuple[dict[str, Any], Episode | None]:
    start = _episode_start(person)
    points = [p for p in (series.usable() if series else []) if start is None or p.at >= start]
    row: dict[str, Any] = {"patient_id": pid, "registry_name": registry.key, "computed_at": now}
    episode = None
    if registry.kind == "score":
        episode = episode_of([Score(p.value or 0.0, p.at) for p in points], start, now)
        base, last = episode.baseline, episode.latest
        row |= {
            "baseline": base.value if base else None,
            "baseline_at": base.at if base else None,
            "latest": last.value if last else None,
            "latest_at": last.at if last else None,
        }
        return row, episode
    first, last_point = (points[0], points[-1]) if points else (None, None)
    target = _target(registry, goals)
    row |= {
        "baseline": first.value if first else None,
        "baseline2": first.value2 if first else None,
        "baseline_at": first.at if first else None,
        "latest": last_point.value if last_point else None,
        "latest2": last_point.value2 if last_point else None,
        "latest_at": last_point.at if last_point else None,
        "target_rule": target.rule if target else None,
        "target_value": target.value if target else None,
        "target_value2": target.value2 if target else None,
        "at_goal": (
            meets(
                target, last_point.value or 0.0, last_point.value2, first.value if first else None
            )
            if target is not None and last_point is not None
            else None
        ),
    }
    return row, episode


def _facts(
    pid: str, person: Person, found: list[Series], goals: list[GoalTarget], now: datetime
) -> MeasureFacts:
    by_measure = {s.measure.key: s for s in found if s.measure is not None}
    facts = MeasureFacts(
        a1c=_fresh(by_measure.get("a1c"), now), bp=_fresh(by_measure.get("bp"), now)
    )
    for registry in catalog().registries:
        if not _member(registry, person, goals):
            continue
        row, episode = _entry(pid, registry, by_measure.get(registry.measure), person, goals, now)
        facts.entries.append(row)
        if episode is not None:
            facts.episodes[registry.key] = episode
    phq9 = by_measure.get("phq9")
    if person.status == "candidate" and phq9 is not None:
        scores = [Score(p.value or 0.0, p.at) for p in phq9.usable()]
        facts.candidate = candidate_not_improving(scores, now)
    return facts


def measure_facts(
    session: Session, people: dict[str, Person], now: datetime
) -> dict[str, MeasureFacts]:
    """Measurement facts for these patients (a chunk of a risk refresh)."""
    ids = sorted(people)
    found: dict[str, MeasureFacts] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        readings = observation_readings(session, chunk, _codes())
        for pid, rows in screener_readings(session, chunk).items():
            readings[pid].extend(rows)
        goals = _goals(session, chunk)
        for pid in chunk:
            series = build_series(readings.get(pid, []))
            found[pid] = _facts(pid, people[pid], series, goals.get(pid, []), now)
    return found
