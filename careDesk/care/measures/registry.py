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

from sqlalchemy import case, delete, func, insert, or_, select
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
    rules,
)
from careDesk.care.measures.series import CHUNK, format_value
from careDesk.care.measures.targets import Target
from careDesk.errors import ValidationFailed
from careDesk.model.base import aware
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
    if rows:  # one Core statement for them all (the ORM's bulk path costs several times more)
        table = RegistryEntry.__table__  # type: ignore[attr-defined]
        names = [c.name for c in table.columns]  # a column a row leaves out is NULL
        session.execute(insert(table), [{n: r.get(n) for n in names} for r in rows])


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


def outcome_sql(registry: Registry, now: datetime) -> Any:
    """The outcome label of each entry at ``now`` as a SQL expression, so the database ranks,
    filters and pages a registry of thousands without reading it into Python.

    It mirrors :func:`judge` (the one definition, from ``outcomes.py``) clause by clause;
    ``tests/careDesk/care/measures/test_registry_sql.py`` checks that both always agree.
    """
    e = RegistryEntry
    if registry.kind == "target":
        measure = by_key()[registry.measure]
        fresh = now - timedelta(days=measure.lookback_days)
        return case(
            (or_(col(e.latest).is_(None), col(e.latest_at).is_(None)), NO_RECENT),
            (col(e.latest_at) < fresh, NO_RECENT),
            (col(e.at_goal).is_(True), AT_GOAL),
            else_=NOT_AT_GOAL,
        )
    o = rules()
    base, last = col(e.baseline), col(e.latest)
    week_cut = now - timedelta(days=7 * o.not_improving_weeks)
    return case(
        (or_(base.is_(None), last.is_(None), col(e.baseline_at).is_(None)), NO_SCORE),
        (col(e.latest_at).is_(None), NO_SCORE),
        (base < o.elevated_at, NOT_ELEVATED),
        (last < o.remission_below, REMISSION),
        (last <= base * (1 - o.response_drop_percent / 100), RESPONSE),
        (col(e.baseline_at) <= week_cut, NOT_IMPROVING),
        (col(e.latest_at) == col(e.baseline_at), BASELINE_ONLY),
        else_=IN_TREATMENT,
    )


def _rank_sql(label: Any) -> Any:
    return case(*((label == name, rank) for name, rank in RANK.items()), else_=9)


def _entries(registry: Registry, now: datetime, outcome: str | None,
             coordinator_id: str | None) -> Any:  # fmt: skip
    label = outcome_sql(registry, now)
    q = select(RegistryEntry).where(col(RegistryEntry.registry_name) == registry.key)
    if coordinator_id is not None:
        q = q.join(Patient, col(Patient.id) == col(RegistryEntry.patient_id)).where(
            col(Patient.coordinator_id) == coordinator_id
        )
    if outcome is not None:
        q = q.where(label == outcome)
    return q, label


#: What a registry page can be ordered by besides the default (a header click).
ORDERS = ("outcome", "name", "weeks")


def _ordered(q: Any, label: Any, order: str, descending: bool, joined: bool) -> Any:
    """The query in the asked order; ties keep the most pressing first."""
    if order not in ORDERS:
        raise ValidationFailed("order", f"must be one of {', '.join(ORDERS)}")
    pressing = [_rank_sql(label), col(RegistryEntry.baseline_at), col(RegistryEntry.patient_id)]
    if order == "outcome":
        return q.order_by(*(t.desc() for t in pressing) if descending else pressing)
    if order == "weeks":  # weeks in care: the earlier the baseline, the more weeks
        baseline = col(RegistryEntry.baseline_at)
        return q.order_by(baseline if descending else baseline.desc(), *pressing)
    if not joined:
        q = q.join(Patient, col(Patient.id) == col(RegistryEntry.patient_id))
    names = [
        col(Patient.family_name).collate("FOLDED"),
        func.coalesce(col(Patient.preferred_name), col(Patient.given_name)).collate("FOLDED"),
    ]
    return q.order_by(*(n.desc() for n in names) if descending else names, *pressing)


def page(
    session: Session,
    registry: Registry,
    now: datetime,
    *,
    limit: int,
    offset: int,
    outcome: str | None = None,
    coordinator_id: str | None = None,
    order: str = "outcome",
    descending: bool = False,
) -> list[Judged]:
    """One page of a registry, most pressing first (not improving, then no recent score or
    value, …), oldest baseline first within an outcome; judged in Python for the page only.
    ``order`` "name" or "weeks" orders by the patient's name or the weeks in care instead."""
    q, label = _entries(registry, now, outcome, coordinator_id)
    q = _ordered(q, label, order, descending, coordinator_id is not None)
    rows = session.execute(q.limit(limit).offset(offset)).scalars()
    return [judge(registry, e, now) for e in rows]


def count(
    session: Session,
    registry: Registry,
    now: datetime,
    *,
    outcome: str | None = None,
    coordinator_id: str | None = None,
) -> int:
    """How many entries a registry lists with these filters."""
    q, _label = _entries(registry, now, outcome, coordinator_id)
    return int(session.execute(select(func.count()).select_from(q.subquery())).scalar_one())


def judged(session: Session, registry: Registry, now: datetime) -> list[Judged]:
    """Every entry of a registry, judged (for the dashboard's rates), most pressing first."""
    return page(session, registry, now, limit=-1, offset=0)


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
