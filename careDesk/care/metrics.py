"""Evaluation metrics for a period (``desk.metrics.report(start, end)``): plain data to chart.

Caseload by status and risk band; overdue work; goals met; admissions and ED visits in the six
months before vs after enrollment; screening coverage and positive rates; care-management
minutes per patient per calendar month (consented patients only: CMS requires consent) and
how many reach 20, 40 and 60 minutes; the CCM codes those minutes support per patient-month
(``careDesk.care.ccm``: CPT 99490/99439, 99491/99437, 99487/99489, with the chronic
conditions, consent, decision making and plan revision each needs; CMS MLN909188), counted
over the whole calendar months the period touches; discharges by reason; treat-to-target
results (``desk.measures.outcome_rates``: PHQ-9 response and remission at 6 months as NCQA
HEDIS DRR-E defines them, diabetes and blood pressure at goal). ``to_rows()`` flattens a report
for CSV export.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import case, func, or_, select
from sqlmodel import Session, col

from careDesk.care.billing_codes import CCM_POOL
from careDesk.care.ccm import ccm_months
from careDesk.care.ccm_rules import CcmMonth
from careDesk.care.measures.service import TREAT_TO_TARGET, OutcomeRates, target_rows
from careDesk.errors import ValidationFailed
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import aware, utcnow
from careDesk.model.clinical import Encounter
from careDesk.model.patient import Patient
from careDesk.model.plan import CarePlan, Goal
from careDesk.model.risk import RiskScore
from careDesk.model.schedule import FollowUp
from careDesk.model.timeline import TimeEntry, Transition
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

# Minute marks only (99490 from 20, a 99439 at 40 and 60). Which codes a month supports also
# depends on consent, conditions, decision making and the plan: see ``ccm`` in the report.
CCM_THRESHOLDS = (20, 40, 60)
OPEN = ("candidate", "enrolled", "active")
NO_CODE = "no code (patients)"


@dataclass(frozen=True)
class Utilization:
    """Admissions and ED visits in the six months before vs after enrollment."""

    patients: int
    admissions_before: int
    admissions_after: int
    ed_before: int
    ed_after: int
    complete_follow_up: int  # patients whose six months after enrollment have ended


@dataclass(frozen=True)
class ScreeningRate:
    """One instrument in the period: how many taken, how many positive."""

    instrument: str
    taken: int
    positive: int

    @property
    def positive_rate(self) -> float:
        return self.positive / self.taken if self.taken else 0.0


@dataclass(frozen=True)
class MonthMinutes:
    """Care-management minutes of one consented patient in one calendar month."""

    month: str  # YYYY-MM
    patient_id: str
    minutes: int

    @property
    def thresholds_met(self) -> tuple[int, ...]:
        return tuple(t for t in CCM_THRESHOLDS if self.minutes >= t)


@dataclass
class MetricsReport:
    """All metrics for ``start``–``end`` (inclusive dates)."""

    start: date
    end: date
    caseload_by_status: dict[str, int] = field(default_factory=dict)
    caseload_by_band: dict[str, int] = field(default_factory=dict)
    overdue_follow_ups: int = 0
    overdue_plan_reviews: int = 0
    goals_met: int = 0
    goals_due: int = 0
    utilization: Utilization | None = None
    screened_patients: int = 0
    screening_eligible: int = 0
    screening: list[ScreeningRate] = field(default_factory=list)
    minutes: list[MonthMinutes] = field(default_factory=list)
    minutes_without_consent: int = 0
    ccm: list[CcmMonth] = field(default_factory=list)
    discharges_by_reason: dict[str, int] = field(default_factory=dict)
    # Treat to target (issue 17): HEDIS DRR-E response/remission at 6 months, share at goal.
    treat_to_target: OutcomeRates | None = None

    @property
    def screening_coverage(self) -> float:
        """Share of enrolled/active patients screened in the period."""
        return self.screened_patients / self.screening_eligible if self.screening_eligible else 0.0

    def minutes_summary(self) -> dict[str, dict[int, int]]:
        """Per month: how many consented patients reached 20, 40 and 60 minutes."""
        summary: dict[str, dict[int, int]] = {}
        for m in self.minutes:
            counts = summary.setdefault(m.month, dict.fromkeys(CCM_THRESHOLDS, 0))
            for t in m.thresholds_met:
                counts[t] += 1
        return summary

    def ccm_summary(self) -> dict[str, dict[str, int]]:
        """Per month: units of each CCM code supported, and patients with minutes but none."""
        summary: dict[str, dict[str, int]] = {}
        for m in self.ccm:
            counts = summary.setdefault(m.month, {})
            for code in m.codes:
                counts[code.code] = counts.get(code.code, 0) + code.units
            if not m.codes:
                counts[NO_CODE] = counts.get(NO_CODE, 0) + 1
        return summary

    def to_rows(self) -> list[dict[str, Any]]:
        """Flat rows (section, metric, value) for CSV export and charts."""
        rows: list[dict[str, Any]] = []

        def add(section: str, metric: str, value: Any) -> None:
            rows.append({"section": section, "metric": metric, "value": value})

        for k, v in sorted(self.caseload_by_status.items()):
            add("caseload by status", k, v)
        for k, v in sorted(self.caseload_by_band.items()):
            add("caseload by risk band", k, v)
        add("overdue work", "follow-ups", self.overdue_follow_ups)
        add("overdue work", "plan reviews", self.overdue_plan_reviews)
        add("goals", "met in period", self.goals_met)
        add("goals", "due in period", self.goals_due)
        if self.utilization is not None:
            for k, v in self.utilization.__dict__.items():
                add("utilization before/after enrollment", k, v)
        add("screening", "coverage", round(self.screening_coverage, 3))
        for s in self.screening:
            add("screening", f"{s.instrument} taken", s.taken)
            add("screening", f"{s.instrument} positive rate", round(s.positive_rate, 3))
        for month, counts in sorted(self.minutes_summary().items()):
            for t, n in counts.items():
                add("care-management minutes", f"{month} patients >= {t} min", n)
        add(
            "care-management minutes",
            "minutes without consent (not counted)",
            self.minutes_without_consent,
        )
        for month, codes in sorted(self.ccm_summary().items()):
            for code, n in sorted(codes.items()):
                add("CCM codes supported", f"{month} {code}", n)
        for k, v in sorted(self.discharges_by_reason.items()):
            add("discharges by reason", k, v)
        if self.treat_to_target is not None:
            for metric, value in target_rows(self.treat_to_target):
                add(TREAT_TO_TARGET, metric, value)
        return rows


def _caseload(session: Session, r: MetricsReport) -> None:
    alive = col(Patient.deleted_at).is_(None)
    by_status = select(col(Patient.status), func.count()).where(alive).group_by(col(Patient.status))
    r.caseload_by_status = {s: int(n) for s, n in session.execute(by_status)}
    by_band = (
        select(col(RiskScore.band), func.count())
        .join(Patient, col(Patient.id) == col(RiskScore.patient_id))
        .where(alive, col(Patient.status).in_(OPEN))
        .group_by(col(RiskScore.band))
    )
    r.caseload_by_band = {b: int(n) for b, n in session.execute(by_band)}


def _work(session: Session, r: MetricsReport, now: datetime) -> None:
    q = (
        select(func.count())
        .select_from(FollowUp)
        .where(
            col(FollowUp.status) == "open",
            col(FollowUp.deleted_at).is_(None),
            col(FollowUp.due_at) < now,
            or_(col(FollowUp.snoozed_until).is_(None), col(FollowUp.snoozed_until) < now),
        )
    )
    r.overdue_follow_ups = int(session.execute(q).scalar_one())
    q = (
        select(func.count())
        .select_from(CarePlan)
        .where(
            col(CarePlan.status) == "active",
            col(CarePlan.deleted_at).is_(None),
            col(CarePlan.review_date) < now.date(),
        )
    )
    r.overdue_plan_reviews = int(session.execute(q).scalar_one())
    alive = col(Goal.deleted_at).is_(None)
    met = (
        select(func.count())
        .select_from(Goal)
        .where(alive, col(Goal.status) == "achieved", col(Goal.achieved_on).between(r.start, r.end))
    )
    r.goals_met = int(session.execute(met).scalar_one())
    due = (
        select(func.count())
        .select_from(Goal)
        .where(alive, col(Goal.status) != "cancelled", col(Goal.due_date).between(r.start, r.end))
    )
    r.goals_due = int(session.execute(due).scalar_one())


def _utilization(session: Session, r: MetricsReport, today: date) -> None:
    members = select(col(Patient.id), col(Patient.enrolled_on)).where(
        col(Patient.deleted_at).is_(None), col(Patient.enrolled_on).between(r.start, r.end)
    )
    cohort: dict[str, date] = {pid: day for pid, day in session.execute(members)}
    counts: Counter[str] = Counter()
    ids = list(cohort)
    for i in range(0, len(ids), 900):
        q = select(col(Encounter.patient_id), col(Encounter.kind), col(Encounter.start)).where(
            col(Encounter.patient_id).in_(ids[i : i + 900]),
            col(Encounter.deleted_at).is_(None),
            col(Encounter.kind).in_(("admission", "emergency")),
        )
        for pid, kind, start in session.execute(q):
            enrolled = cohort[pid]
            day = aware(start).date()
            side = (
                "before"
                if enrolled - relativedelta(months=6) <= day < enrolled
                else ("after" if enrolled <= day < enrolled + relativedelta(months=6) else "")
            )
            if side:
                counts[f"{'admissions' if kind == 'admission' else 'ed'}_{side}"] += 1
    complete = sum(1 for d in cohort.values() if d + relativedelta(months=6) <= today)
    r.utilization = Utilization(
        len(cohort),
        counts["admissions_before"],
        counts["admissions_after"],
        counts["ed_before"],
        counts["ed_after"],
        complete,
    )


def _day_bounds(r: MetricsReport) -> tuple[datetime, datetime]:
    from datetime import UTC

    first = datetime.combine(r.start, time(), tzinfo=UTC)
    last = datetime.combine(r.end + relativedelta(days=1), time(), tzinfo=UTC)
    return first, last


def _screening(session: Session, r: MetricsReport) -> None:
    """Per instrument: screenings taken in the period (the denominator) and how many were
    positive by the instrument's published cut-off, as stored when scored (PHQ-9: total ≥ 10,
    Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606–613; careDesk/care/instruments).

    The positive flag is summed as 0/1: a plain SUM over the boolean column is read back as a
    boolean, which made every instrument count one positive screen (issue 19: "0.7 %")."""
    first, last = _day_bounds(r)
    taken = (
        col(ScreenerResult.deleted_at).is_(None),
        col(ScreenerResult.taken_at) >= first,
        col(ScreenerResult.taken_at) < last,
    )
    positive = case((col(ScreenerResult.positive), 1), else_=0)
    q = (
        select(col(ScreenerResult.instrument), func.count(), func.sum(positive))
        .where(*taken)
        .group_by(col(ScreenerResult.instrument))
    )
    r.screening = [ScreeningRate(i, int(n), int(p or 0)) for i, n, p in session.execute(q)]
    eligible = (col(Patient.deleted_at).is_(None), col(Patient.status).in_(("enrolled", "active")))
    r.screening_eligible = int(
        session.execute(select(func.count()).select_from(Patient).where(*eligible)).scalar_one()
    )
    screened = (
        select(func.count(func.distinct(col(ScreenerResult.patient_id))))
        .join(Patient, col(Patient.id) == col(ScreenerResult.patient_id))
        .where(*taken, *eligible)
    )
    r.screened_patients = int(session.execute(screened).scalar_one())


def _minutes(session: Session, r: MetricsReport) -> None:
    month = func.strftime("%Y-%m", col(TimeEntry.on_date))
    q = (
        select(
            month,
            col(TimeEntry.patient_id),
            col(Patient.consent_program),
            func.sum(col(TimeEntry.minutes)),
        )
        .join(Patient, col(Patient.id) == col(TimeEntry.patient_id))
        .where(col(TimeEntry.deleted_at).is_(None), col(TimeEntry.on_date).between(r.start, r.end))
        .where(col(TimeEntry.category).in_(CCM_POOL))  # the 20/40/60 thresholds are CCM's
        .group_by(month, col(TimeEntry.patient_id), col(Patient.consent_program))
        .order_by(month, col(TimeEntry.patient_id))
    )
    for m, pid, consent, total in session.execute(q):
        if consent:
            r.minutes.append(MonthMinutes(str(m), pid, int(total)))
        else:
            r.minutes_without_consent += int(total)


def _discharges(session: Session, r: MetricsReport) -> None:
    q = (
        select(col(Transition.reason), func.count())
        .where(
            col(Transition.deleted_at).is_(None), col(Transition.on_date).between(r.start, r.end)
        )
        .group_by(col(Transition.reason))
    )
    r.discharges_by_reason = {reason: int(n) for reason, n in session.execute(q)}


class Metrics:
    """Evaluation reports on the desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def report(self, start: date, end: date, *, now: datetime | None = None) -> MetricsReport:
        """Every metric for the period ``start``–``end`` (both days included)."""
        self.desk.require(Permission.READ)
        if end < start:
            raise ValidationFailed("end", "must not be before the start of the period")
        when = now or utcnow()
        report = MetricsReport(start, end)
        with self.desk.reading() as session:
            _caseload(session, report)
            _work(session, report, when)
            _utilization(session, report, when.date())
            _screening(session, report)
            _minutes(session, report)
            report.ccm = ccm_months(session, start, end)
            _discharges(session, report)
        report.treat_to_target = self.desk.measures.outcome_rates(now=when)
        return report
