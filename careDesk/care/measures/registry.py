"""The treat-to-target registry: who is in it, their baseline and latest value, their outcome.

Rows are derived (``registry_entry``, refreshed with the risk scores); the outcome is judged
when asked (``outcomes.py`` for scores, the target for A1c and blood pressure), so the weeks in
care and "no score in 30 days" never go stale between refreshes. A page reads the registry's
numbers (one indexed query), ranks them in Python by the one definition of each outcome — not
improving and overdue first — and fetches names for the page only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session, col

from careDesk.care.measures.catalog import Registry, by_key
from careDesk.care.measures.outcomes import (
    BASELINE_ONLY,
    IN_TREATMENT,
    NO_SCORE,
    NOT_ELEVATED,
    NOT_IMPROVING,
    REMISSION,
    RESPONSE,
    Episode,
    Score,
    no_recent_score,
    outcome,
)
from careDesk.care.measures.series import CHUNK, aware, format_value
from careDesk.care.measures.targets import Target
from careDesk.model.measure import RegistryEntry
from careDesk.model.patient import Patient

AT_GOAL, NOT_AT_GOAL, NO_RECENT = "at goal", "not at goal", "no recent value"
# Most pressing first: who needs a case review or a call.
RANK = {
    NOT_IMPROVING: 0,
    NO_SCORE: 1,
    NO_RECENT: 1,
    NOT_AT_GOAL: 2,
    IN_TREATMENT: 3,
    BASELINE_ONLY: 3,
    NOT_ELEVATED: 4,
    RESPONSE: 5,
    REMISSION: 6,
    AT_GOAL: 6,
}


def store_entries(
    session: Session, patient_ids: Sequence[str] | None, rows: list[dict[str, Any]]
) -> None:
    """Replace the registry rows of ``patient_ids`` (everyone when None) with ``rows``."""
    if patient_ids is None:
        session.execute(delete(RegistryEntry))
    else:
        ordered = sorted(set(patient_ids))
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            session.execute(delete(RegistryEntry).where(col(RegistryEntry.patient_id).in_(chunk)))
    if rows:
        session.execute(insert(RegistryEntry), rows)


@dataclass(frozen=True)
class RegistryRow:
    """One patient's line in a registry."""

    patient_id: str
    name: str
    status: str
    coordinator_id: str | None
    registry: str
    baseline: str | None  # as shown ("16", "142/88 mm Hg")
    baseline_at: datetime | None
    latest: str | None
    latest_at: datetime | None
    weeks: int | None
    change_percent: float | None
    outcome: str
    overdue: bool  # no score in 30 days (scores) / value older than the look-back (targets)
    target: str | None

    def as_json(self) -> dict[str, Any]:
        """The ``caredesk registry --json`` row."""
        return {
            "id": self.patient_id,
            "name": self.name,
            "status": self.status,
            "registry": self.registry,
            "baseline": self.baseline,
            "baseline_date": self.baseline_at.date().isoformat() if self.baseline_at else None,
            "latest": self.latest,
            "latest_date": self.latest_at.date().isoformat() if self.latest_at else None,
            "weeks_in_care": self.weeks,
            "change_percent": None if self.change_percent is None else round(self.change_percent),
            "outcome": self.outcome,
            "overdue": self.overdue,
            "target": self.target,
        }


@dataclass(frozen=True)
class Judged:
    """A stored entry with its outcome judged now."""

    entry: RegistryEntry
    outcome: str
    overdue: bool
    weeks: int | None
    change: float | None


def _opt(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


def judge(registry: Registry, e: RegistryEntry, now: datetime) -> Judged:
    """The outcome of one entry at ``now``."""
    base_at, last_at = _opt(e.baseline_at), _opt(e.latest_at)
    base = Score(e.baseline, base_at) if e.baseline is not None and base_at else None
    last = Score(e.latest, last_at) if e.latest is not None and last_at else None
    episode = Episode(base, last, now)
    if registry.kind == "score":
        return Judged(
            e, outcome(episode), no_recent_score(episode), episode.weeks, episode.change_percent
        )
    measure = by_key()[registry.measure]
    stale = last_at is None or now - last_at > timedelta(days=measure.lookback_days)
    label = NO_RECENT if last is None or stale else (AT_GOAL if e.at_goal else NOT_AT_GOAL)
    return Judged(e, label, stale, episode.weeks, episode.change_percent)


def judged(session: Session, registry: Registry, now: datetime) -> list[Judged]:
    """Every entry of a registry, judged and ranked (most pressing first)."""
    rows = session.execute(
        select(RegistryEntry).where(col(RegistryEntry.registry_name) == registry.key)
    ).scalars()
    found = [judge(registry, e, now) for e in rows]
    found.sort(key=lambda j: (RANK.get(j.outcome, 9), -(j.weeks or 0), j.entry.patient_id))
    return found


def _target_words(registry: Registry, e: RegistryEntry) -> str | None:
    measure = by_key()[registry.measure]
    if registry.kind == "score":
        return measure.default_target
    if e.target_rule is None or e.target_value is None:
        return None
    return Target(e.target_rule, e.target_value, e.target_value2, measure.unit).words()


def rows_for(session: Session, registry: Registry, page: Sequence[Judged]) -> list[RegistryRow]:
    """Registry rows for a page of judged entries (names read for these patients only)."""
    ids = [j.entry.patient_id for j in page]
    people = {
        p.id: p for p in session.execute(select(Patient).where(col(Patient.id).in_(ids))).scalars()
    }
    series_like = _Shown(registry)
    out: list[RegistryRow] = []
    for j in page:
        e, p = j.entry, people.get(j.entry.patient_id)
        if p is None:
            continue
        out.append(
            RegistryRow(
                patient_id=p.id,
                name=f"{p.family_name}, {p.preferred_name or p.given_name}",
                status=p.status,
                coordinator_id=p.coordinator_id,
                registry=registry.key,
                baseline=series_like.text(e.baseline, e.baseline2),
                baseline_at=_opt(e.baseline_at),
                latest=series_like.text(e.latest, e.latest2),
                latest_at=_opt(e.latest_at),
                weeks=j.weeks,
                change_percent=j.change,
                outcome=j.outcome,
                overdue=j.overdue,
                target=_target_words(registry, e),
            )
        )
    return out


class _Shown:
    """Formats registry numbers like the registry's series."""

    def __init__(self, registry: Registry) -> None:
        from careDesk.care.measures.series import Series

        m = by_key()[registry.measure]
        self.series = Series(m.loinc, m.display, m.unit, (), m, m.lookback_days)

    def text(self, value: float | None, value2: float | None) -> str | None:
        return None if value is None else format_value(self.series, value, value2)
