"""``desk.measures``: a patient's series against their goals, hand entry, the registry, rates.

Reading needs READ; recording a measurement needs EDIT, writes the observation row(s) in one
transaction with their audit event, and the same transaction raises any flag (``flags.py``)
and refreshes the risk score and registry rows (``Desk.before_commit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session, col

from careDesk.care.forms.base import parse
from careDesk.care.measures import flags as flag_rules
from careDesk.care.measures.catalog import catalog
from careDesk.care.measures.flags import Flag, evaluate, has_heart_failure
from careDesk.care.measures.forms import MeasurementForm, check
from careDesk.care.measures.outcomes import Score, follow_up_outcome
from careDesk.care.measures.progress import GoalLink, Progress, progress, series_for
from careDesk.care.measures.registry import Judged, RegistryRow, count, judged, page, rows_for
from careDesk.care.measures.series import Series, patient_series, screener_readings
from careDesk.care.measures.targets import Target
from careDesk.care.verb_kit import add_audited, require_patient
from careDesk.changes import Outcome
from careDesk.errors import ValidationFailed
from careDesk.model.base import aware, utcnow
from careDesk.model.clinical import Condition, Observation
from careDesk.model.plan import CarePlan, Goal
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

__all__ = ["Measures", "MeasuresView", "OutcomeRates", "flag_rules"]


@dataclass(frozen=True)
class MeasuresView:
    """Everything the Measures tab shows for one patient."""

    patient_id: str
    series: list[Series]
    progress: list[Progress]
    flags: list[Flag]
    now: datetime

    def is_stale(self, series: Series) -> bool:
        """Whether the series' latest value is older than its look-back."""
        return series.is_stale(series.latest(), self.now)


@dataclass(frozen=True)
class OutcomeRates:
    """Treat-to-target results for the dashboard."""

    depression_index: int  # PHQ-9 index episodes whose 4–8-month follow-up window has ended
    follow_up: int
    response: int
    remission: int
    diabetes_members: int
    diabetes_at_goal: int
    hypertension_members: int
    hypertension_at_goal: int

    @staticmethod
    def rate(part: int, whole: int) -> float:
        return part / whole if whole else 0.0


TREAT_TO_TARGET = "treat to target"


def target_rows(r: OutcomeRates) -> list[tuple[str, float | int]]:
    """The dashboard's treat-to-target metrics: rates in per cent, then the counts behind them."""
    pct = [
        ("PHQ-9 response at 6 months %", r.response, r.depression_index),
        ("PHQ-9 remission at 6 months %", r.remission, r.depression_index),
        ("PHQ-9 follow-up at 6 months %", r.follow_up, r.depression_index),
        ("diabetes at goal %", r.diabetes_at_goal, r.diabetes_members),
        ("blood pressure at goal %", r.hypertension_at_goal, r.hypertension_members),
    ]
    rows: list[tuple[str, float | int]] = [
        (name, round(100 * OutcomeRates.rate(part, whole), 1)) for name, part, whole in pct
    ]
    rows += [
        ("PHQ-9 index episodes (denominator)", r.depression_index),
        ("diabetes registry patients", r.diabetes_members),
        ("blood pressure registry patients", r.hypertension_members),
    ]
    return rows


def goal_links(session: Session, patient_id: str) -> list[GoalLink]:
    """The patient's active goals linked to a measure, in the active plan's order."""
    q = (
        select(Goal)
        .join(CarePlan, col(CarePlan.id) == col(Goal.plan_id))
        .where(
            col(Goal.patient_id) == patient_id,
            col(Goal.deleted_at).is_(None),
            col(Goal.status) == "active",
            col(Goal.measure_loinc).is_not(None),
            col(CarePlan.deleted_at).is_(None),
            col(CarePlan.status) == "active",
        )
        .order_by(col(Goal.position))
    )
    return [_link(g) for g in session.execute(q).scalars()]


def _link(g: Goal) -> GoalLink:
    target = None
    if g.target_rule and g.target_value is not None:
        target = Target(g.target_rule, g.target_value, g.target_value2, g.target_unit)
    assert g.measure_loinc is not None
    return GoalLink(g.id, g.description, g.measure_loinc, g.target, target, aware(g.created_at))


def _active_codes(session: Session, patient_id: str) -> list[tuple[str | None, str | None]]:
    q = select(col(Condition.icd10), col(Condition.snomed)).where(
        col(Condition.patient_id) == patient_id,
        col(Condition.deleted_at).is_(None),
        col(Condition.status) == "active",
    )
    return [(i, s) for i, s in session.execute(q)]


class Measures:
    """Measurement-based care verbs (``desk.measures``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- one patient -----------------------------------------------------------------------
    def patient_id(self, key: str) -> str:
        """The id of the patient with id or MRN ``key`` (NotFound otherwise)."""
        from careDesk.handouts.record import find_patient

        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return find_patient(session, key).id

    def overview(self, patient_id: str, *, now: datetime | None = None) -> MeasuresView:
        """The patient's series, their linked goals' progress and the flags in the series."""
        self.desk.require(Permission.READ)
        when = now or utcnow()
        with self.desk.reading() as session:
            require_patient(session, patient_id)
            found = patient_series(session, patient_id)
            links = goal_links(session, patient_id)
            heart_failure = has_heart_failure(_active_codes(session, patient_id))
        goals = [progress(link, series_for(link.measure_loinc, found), when) for link in links]
        return MeasuresView(
            patient_id, found, goals, evaluate(found, heart_failure=heart_failure), when
        )

    def goal_progress(self, patient_id: str, *, now: datetime | None = None) -> list[Progress]:
        """The computed progress of each active goal linked to a measure."""
        return self.overview(patient_id, now=now).progress

    def record(self, patient_id: str, **fields: Any) -> Outcome[list[Observation]]:
        """Record a measurement typed by hand (blood pressure, weight, A1c, glucose)."""
        self.desk.require(Permission.EDIT)
        form = parse(MeasurementForm, fields)
        checked = check(form)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            taken = checked.taken_at or tx.now
            panel = checked.measure.loinc if checked.measure.is_pair else None
            rows = [
                add_audited(
                    tx,
                    "measurement.add",
                    Observation(
                        patient_id=patient_id,
                        loinc=code,
                        display=display,
                        value=value,
                        unit=checked.measure.unit,
                        effective=taken,
                        panel=panel,
                    ),
                    kind="observation",
                    patient_id=patient_id,
                    fields=sorted(form.model_fields_set),
                )
                for code, display, value in checked.values
            ]
            return Outcome(rows, tx.changes)

    # ----- the registry ----------------------------------------------------------------------
    def registry(
        self,
        name: str,
        limit: int = 50,
        offset: int = 0,
        *,
        outcome: str | None = None,
        coordinator_id: str | None = None,
        now: datetime | None = None,
        order: str = "outcome",
        descending: bool = False,
    ) -> list[RegistryRow]:
        """A page of a registry (depression, anxiety, diabetes, hypertension), most pressing
        first: not improving, then no recent score or value (or by ``order``: "name" or
        "weeks" in care, when the coordinator sorts by it)."""
        self.desk.require(Permission.READ)
        if limit < 1 or offset < 0:
            raise ValidationFailed("limit", "must be at least 1 (and offset not negative)")
        registry = catalog().registry(name)
        with self.desk.reading() as session:
            found = page(session, registry, now or utcnow(), limit=limit, offset=offset,
                         outcome=outcome, coordinator_id=coordinator_id, order=order,
                         descending=descending)  # fmt: skip
            return rows_for(session, registry, found)

    def registry_count(
        self,
        name: str,
        *,
        outcome: str | None = None,
        coordinator_id: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """How many patients a registry lists with these filters."""
        self.desk.require(Permission.READ)
        registry = catalog().registry(name)
        with self.desk.reading() as session:
            return count(session, registry, now or utcnow(), outcome=outcome,
                         coordinator_id=coordinator_id)  # fmt: skip

    def _all(self, name: str, now: datetime) -> list[Judged]:
        registry = catalog().registry(name)
        with self.desk.reading() as session:
            return judged(session, registry, now)

    def outcome_rates(self, *, now: datetime | None = None) -> OutcomeRates:
        """Response and remission at 6 months (HEDIS DRR-E follow-up window, rolling: index
        scores of the 12 months whose 120–240-day window has ended) and the share of diabetes
        and hypertension registry patients at goal with a current value."""
        when = now or utcnow()
        o = catalog().outcomes
        self.desk.require(Permission.READ)
        depression = self._all("depression", when)
        close = when - timedelta(days=o.follow_up_days[1])
        index = [
            j
            for j in depression
            if j.entry.baseline is not None
            and j.entry.baseline >= o.elevated_at
            and j.entry.baseline_at is not None
            and close - timedelta(days=365) <= aware(j.entry.baseline_at) <= close
        ]
        with self.desk.reading() as session:
            scores = screener_readings(session, [j.entry.patient_id for j in index], ["phq9"])
        results = []
        for j in index:
            assert j.entry.baseline is not None and j.entry.baseline_at is not None
            start = Score(j.entry.baseline, aware(j.entry.baseline_at))
            mine = [Score(r.value, r.at) for r in scores.get(j.entry.patient_id, [])]
            results.append(follow_up_outcome(start, mine))
        diabetes = self._all("diabetes", when)
        pressure = self._all("hypertension", when)
        return OutcomeRates(
            depression_index=len(index),
            follow_up=sum(r.follow_up for r in results),
            response=sum(r.response for r in results),
            remission=sum(r.remission for r in results),
            diabetes_members=len(diabetes),
            diabetes_at_goal=sum(j.outcome == "at goal" for j in diabetes),
            hypertension_members=len(pressure),
            hypertension_at_goal=sum(j.outcome == "at goal" for j in pressure),
        )
