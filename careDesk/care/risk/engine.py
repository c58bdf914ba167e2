"""The risk engine: keeps one ``RiskScore`` row per patient current, so the worklist is a query.

Scores are refreshed inside the very transaction that changed a patient's record (a
``Desk.before_commit`` hook over ``tx.changes.patient_ids``), and in bulk with
:func:`refresh_all` after imports, demo data or at night (the clock's nightly job, see
docs/architecture.md#scheduling-the-reminder-clock).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from careDesk.care.measures.registry import store_entries
from careDesk.care.risk.gather import CHUNK, facts
from careDesk.care.risk.priority import Facts, prioritise
from careDesk.care.risk.weights import Weights, default_weights
from careDesk.changes import Changes, Outcome
from careDesk.model.base import utcnow
from careDesk.model.risk import RiskScore
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

RISK_KIND = "risk_score"
# The version of the scoring rules (weights, Charlson coding, LACE window). Bump it whenever a
# change would alter stored scores: rows from older rules are recomputed when the reminder clock
# starts (refresh_outdated), not left standing until the nightly refresh.
# 1: LACE for the latest discharge, counting only in the 30 days after it; Charlson history and
#    SNOMED CT stages (issue 15).
# 2: measurements (uncontrolled A1c and BP, PHQ-9/GAD-7 not improving, no score in 30 days) and
#    the treat-to-target registry rows (issue 17).
RULES_VERSION = 2


def _row(f: Facts, w: Weights, now: datetime) -> dict[str, Any]:
    p = prioritise(f, w)
    return {
        "patient_id": f.patient_id,
        "priority": p.points,
        "band": p.band,
        "charlson_quan2011": f.charlson.quan2011,
        "charlson_1987": f.charlson.charlson1987,
        "charlson_age_adjusted": f.charlson.age_adjusted,
        "lace": f.lace.total if f.lace else None,
        "lace_discharged": f.lace_discharged,
        "admissions_6m": f.admissions_6m,
        "admissions_12m": f.admissions_12m,
        "ed_visits_6m": f.ed_visits_6m,
        "ed_visits_12m": f.ed_visits_12m,
        "active_medications": f.active_medications,
        "phq9": f.phq9[0] if f.phq9 else None,
        "phq9_band": f.phq9[1] if f.phq9 else None,
        "gad7": f.gad7[0] if f.gad7 else None,
        "gad7_band": f.gad7[1] if f.gad7 else None,
        "social_needs": json.dumps(f.social_needs),
        "overdue": f.overdue,
        "urgent_alerts": f.urgent_alerts,
        "reasons": json.dumps(p.reasons),
        "computed_at": now,
        "rules_version": RULES_VERSION,
    }


def _store(session: Session, rows: list[dict[str, Any]], gone: set[str]) -> None:
    table = RiskScore.__table__  # type: ignore[attr-defined]
    if rows:
        stmt = insert(table)
        keep = {c.name: stmt.excluded[c.name] for c in table.columns if c.name != "patient_id"}
        session.execute(stmt.on_conflict_do_update(index_elements=["patient_id"], set_=keep), rows)
    ordered = sorted(gone)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        session.execute(delete(RiskScore).where(col(RiskScore.patient_id).in_(chunk)))


def refresh(
    session: Session,
    patient_ids: Sequence[str] | None,
    now: datetime | None = None,
    weights: Weights | None = None,
) -> int:
    """Recompute the scores of ``patient_ids`` (every patient when None) in ``session``."""
    when = now or utcnow()
    w = weights or default_weights()
    found, gone = facts(session, when, w, patient_ids)
    _store(session, [_row(f, w, when) for f in found.values()], gone)
    entries = [e for f in found.values() if f.measures for e in f.measures.entries]
    store_entries(session, None if patient_ids is None else [*found, *gone], entries)
    return len(found)


def refresh_all(session: Session, now: datetime | None = None) -> int:
    """Recompute every patient's score with a few batch queries; returns how many."""
    return refresh(session, None, now)


def outdated(session: Session) -> list[str]:
    """Patients whose stored score was computed by older rules than these."""
    query = select(col(RiskScore.patient_id)).where(col(RiskScore.rules_version) < RULES_VERSION)
    return list(session.exec(query))


def refresh_changed(tx: Tx) -> None:
    """``Desk.before_commit`` hook: refresh the patients this transaction touched."""
    if tx.changes.patient_ids:
        refresh(tx.session, sorted(tx.changes.patient_ids), tx.now)


@dataclass(frozen=True)
class RiskView:
    """A patient's current score as plain data."""

    patient_id: str
    priority: float
    band: str
    scores: dict[str, int | None]
    reasons: list[str]
    computed_at: datetime
    lace_discharged: date | None = None  # the discharge ``scores["lace"]`` belongs to


def view(row: RiskScore) -> RiskView:
    """Plain data for a stored score."""
    return RiskView(
        patient_id=row.patient_id,
        priority=row.priority,
        band=row.band,
        scores=scores_by_name(row),
        reasons=list(json.loads(row.reasons or "[]")),
        computed_at=row.computed_at,
        lace_discharged=row.lace_discharged,
    )


def scores_by_name(row: Any) -> dict[str, int | None]:
    """The component scores by name, as the worklist and ``caredesk worklist --json`` show them."""
    return {
        "charlson_quan2011": row.charlson_quan2011,
        "charlson_1987": row.charlson_1987,
        "charlson_age_adjusted": row.charlson_age_adjusted,
        "lace": row.lace,
        "phq9": row.phq9,
        "gad7": row.gad7,
        "admissions_6m": row.admissions_6m,
        "admissions_12m": row.admissions_12m,
        "ed_visits_6m": row.ed_visits_6m,
        "ed_visits_12m": row.ed_visits_12m,
        "active_medications": row.active_medications,
        "overdue": row.overdue,
        "urgent_alerts": row.urgent_alerts,
    }


class RiskEngine:
    """``desk.risk``: read a patient's score; refresh one, some or all."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def score(self, patient_id: str) -> RiskView | None:
        """The patient's current score, or None when it was never computed."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = session.get(RiskScore, patient_id)
            return view(row) if row is not None else None

    def refresh(self, patient_ids: Sequence[str], now: datetime | None = None) -> Outcome[int]:
        """Recompute some patients' scores now (derived data: needs no edit permission)."""
        with self.desk.writing(None) as tx:
            count = refresh(tx.session, patient_ids, now or tx.now)
            tx.changes.add(RISK_KIND)
        return Outcome(count, tx.changes)

    def refresh_outdated(self, now: datetime | None = None) -> Outcome[int]:
        """Recompute the scores older rules computed (after an update); usually none."""
        with self.desk.reading() as session:
            stale = outdated(session)
        if not stale:
            return Outcome(0, Changes())
        return self.refresh(stale, now)

    def refresh_all(self, now: datetime | None = None) -> Outcome[int]:
        """Recompute every patient's score (after imports, demo data, or nightly)."""
        with self.desk.writing(None) as tx:
            count = refresh(tx.session, None, now or tx.now)
            tx.changes.add(RISK_KIND)
        return Outcome(count, tx.changes)
