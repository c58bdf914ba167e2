"""The worklist (``desk.worklist``): patients ranked by priority with reasons and due work.

Ranking is one indexed query over the stored ``RiskScore`` rows (kept current by the risk
engine), so the first page costs a range scan, not a recomputation (≤ 300 ms on 50,000
patients: docs/architecture.md#performance-budgets). Urgent alerts come first because their
points outweigh every other
component together (``risk_weights.json``, checked when the weights load). Every patient not
discharged or transitioned is listed — candidates too: finding them is the worklist's first job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import TextClause

from careDesk.care.due_work import (
    QUICK_FILTERS,
    DueItem,
    bind,
    day_params,
    due_work,
    quick_condition,
    scope_condition,
)
from careDesk.care.measures.outcomes import NOT_IMPROVING
from careDesk.care.risk.engine import scores_by_name
from careDesk.care.risk.weights import default_weights
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.patient import ProgramStatus
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

__all__ = ["DueItem", "Worklist", "WorklistRow", "due_work"]

OPEN_STATUSES = (ProgramStatus.CANDIDATE, ProgramStatus.ENROLLED, ProgramStatus.ACTIVE)
BANDS = ("high", "moderate", "low")


@dataclass(frozen=True)
class WorklistRow:
    """A patient on the worklist."""

    id: str
    name: str
    status: str
    coordinator_id: str | None
    priority: float
    band: str
    scores: dict[str, int | None]
    reasons: list[str]
    due: list[DueItem] = field(default_factory=list)
    lace_discharged: date | None = None  # the discharge ``scores["lace"]`` was scored for

    def as_json(self) -> dict[str, Any]:
        """The ``caredesk worklist --json`` row: id, name, priority, band, scores (LACE with its
        discharge date), reasons, due."""
        charlson = ("charlson_quan2011", "charlson_1987", "charlson_age_adjusted")
        discharged = self.lace_discharged.isoformat() if self.lace_discharged else None
        return {
            "id": self.id,
            "name": self.name,
            "priority": self.priority,
            "band": self.band,
            **{key: self.scores[key] for key in charlson},
            "lace": self.scores["lace"],
            "lace_discharged": discharged,
            **{key: self.scores[key] for key in ("phq9", "gad7")},
            "reasons": self.reasons,
            "due": [
                {
                    "kind": d.kind,
                    "title": d.title,
                    "due": d.due.isoformat() if d.due else None,
                    "overdue": d.overdue,
                }
                for d in self.due
            ],
        }


SCORE_COLUMNS = (
    "priority",
    "band",
    "reasons",
    "charlson_quan2011",
    "charlson_1987",
    "charlson_age_adjusted",
    "lace",
    "lace_discharged",
    "phq9",
    "gad7",
    "admissions_6m",
    "admissions_12m",
    "ed_visits_6m",
    "ed_visits_12m",
    "active_medications",
    "overdue",
    "urgent_alerts",
)


def _filters(
    coordinator_id: str | None,
    status: str | None,
    band: str | None,
    quick: str | None = None,
    now: datetime | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions and their parameters (values are always bound, never pasted)."""
    where = ["p.deleted_at IS NULL", "p.status IN :statuses"]
    params: dict[str, Any] = {"statuses": [s.value for s in OPEN_STATUSES]}
    if status is not None:
        if status not in OPEN_STATUSES:
            raise ValidationFailed(
                "status", "the worklist shows candidate, enrolled or active patients"
            )
        params["statuses"] = [status]
    if band is not None:
        if band not in BANDS:
            raise ValidationFailed("band", f"must be one of {', '.join(BANDS)}")
        # A band is a priority range (risk_weights.json): a range scan of the priority index.
        low, high = _band_range(band)
        where += ["+r.band = :band", "r.priority >= :band_low", "r.priority < :band_high"]
        params.update(band=band, band_low=low, band_high=high)
    if coordinator_id is not None:
        mine, scope_params = scope_condition(coordinator_id)
        where.append(mine)
        params.update(scope_params)
    if quick == "not_improving":
        # The stored reasons say it in the words measures/priority.py writes for a registry
        # episode judged "not improving" (measures/outcomes.py): the rows whose Why says so.
        where.append("r.reasons LIKE :not_improving")
        params["not_improving"] = f"% {NOT_IMPROVING}:%"
    elif quick is not None:
        if quick not in QUICK_FILTERS:
            choices = ", ".join([*QUICK_FILTERS, "not_improving"])
            raise ValidationFailed("filter", f"must be one of {choices}")
        where.append(quick_condition(quick))
        params.update(day_params(now or utcnow()))
    return where, params


def _band_range(band: str) -> tuple[float, float]:
    """The priority range [low, high) of a band."""
    cut = default_weights().section("bands")
    edges = {"low": (0.0, cut["moderate"]), "moderate": (cut["moderate"], cut["high"])}
    low, high = edges.get(band, (cut["high"], float("inf")))
    return float(low), float(high)


#: What the worklist can be ordered by (a header click on Today): SQL for each, never user text.
#: Names sort as the list shows them ("Family, preferred or given"), accents and case aside
#: (the FOLDED collation, careDesk.store.engine).
ORDERS: dict[str, tuple[str, ...]] = {
    "priority": ("r.priority",),
    "name": (
        "p.family_name COLLATE FOLDED",
        "coalesce(p.preferred_name, p.given_name) COLLATE FOLDED",
    ),
    "status": ("p.status",),
}


def _order_sql(order: str, descending: bool) -> str:
    if order not in ORDERS:
        raise ValidationFailed("order", f"must be one of {', '.join(ORDERS)}")
    way = " DESC" if descending else ""
    terms = [f"{term}{way}" for term in ORDERS[order]]
    if order != "priority":
        terms.append("r.priority DESC")
    return ", ".join([*terms, "r.patient_id"])


def _page_query(
    coordinator_id: str | None, where: list[str], order: str = "priority", descending: bool = True
) -> TextClause:
    # Without ANALYZE statistics SQLite's planner drives this join from the patient status
    # index and sorts every open patient (~0.7 s on 50,000). CROSS JOIN pins risk_score as the
    # outer loop, so it walks ix_risk_score_priority and stops after the page (~1 ms). A
    # coordinator's caseload is small and indexed: there the plain join is the better plan.
    join = "JOIN" if coordinator_id is not None else "CROSS JOIN"
    scores = ", ".join(f"r.{c}" for c in SCORE_COLUMNS)
    sql = (
        "SELECT p.id, p.given_name, p.family_name, p.preferred_name, p.status, "
        f"p.coordinator_id, {scores} FROM risk_score AS r {join} patient AS p "
        f"ON p.id = r.patient_id WHERE {' AND '.join(where)} "
        f"ORDER BY {_order_sql(order, descending)} LIMIT :limit OFFSET :offset"
    )
    return bind(sql)


def _day(value: date | str | None) -> date | None:
    """A DATE column read through a text query arrives as ISO text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _name(given: str, family: str, preferred: str | None) -> str:
    """ "Family, Given" as the patient list shows it (the preferred name when there is one)."""
    return f"{family}, {preferred or given}"


class Worklist:
    """Risk-ranked patients with reasons and today's work."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def rows(
        self,
        limit: int = 50,
        offset: int = 0,
        coordinator_id: str | None = None,
        status: str | None = None,
        band: str | None = None,
        *,
        quick: str | None = None,
        now: datetime | None = None,
        order: str = "priority",
        descending: bool = True,
    ) -> list[WorklistRow]:
        """One page of the worklist, highest priority first (or by ``order``: one of
        :data:`ORDERS`, e.g. the patient's name when the coordinator sorts by it).

        ``coordinator_id`` keeps that user's patients (:data:`Scope.MINE` in
        ``careDesk.care.due_work``); ``quick`` keeps patients with due work of one kind
        (``QUICK_FILTERS``: due, overdue, today, never_screened) or whose measures are
        "not_improving".
        """
        self.desk.require(Permission.READ)
        if limit < 1 or offset < 0:
            raise ValidationFailed("limit", "must be at least 1 (and offset not negative)")
        moment = now or utcnow()
        where, params = _filters(coordinator_id, status, band, quick, moment)
        query = _page_query(coordinator_id, where, order, descending)
        with self.desk.reading() as session:
            found = session.execute(query, {**params, "limit": limit, "offset": offset}).all()
            due = due_work(session, [r.id for r in found], moment)
        return [
            WorklistRow(
                id=r.id,
                name=_name(r.given_name, r.family_name, r.preferred_name),
                status=r.status,
                coordinator_id=r.coordinator_id,
                priority=r.priority,
                band=r.band,
                scores=scores_by_name(r),
                reasons=list(json.loads(r.reasons or "[]")),
                due=due.get(r.id, []),
                lace_discharged=_day(r.lace_discharged),
            )
            for r in found
        ]

    def count(
        self,
        coordinator_id: str | None = None,
        status: str | None = None,
        band: str | None = None,
        *,
        quick: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """How many rows the worklist has with these filters (for lazy views)."""
        self.desk.require(Permission.READ)
        where, params = _filters(coordinator_id, status, band, quick, now or utcnow())
        sql = (
            "SELECT count(*) FROM risk_score AS r JOIN patient AS p ON p.id = r.patient_id "
            f"WHERE {' AND '.join(where)}"
        )
        query = bind(sql)
        with self.desk.reading() as session:
            return int(session.execute(query, params).scalar_one())
