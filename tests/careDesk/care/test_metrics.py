"""Evaluation metrics on a small hand-built clinic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.care.metrics import MetricsReport
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.assessment import ScreenerResult
from careDesk.model.clinical import Condition, Encounter
from careDesk.model.plan import CarePlan, Goal, Problem
from careDesk.model.schedule import FollowUp
from careDesk.model.security import user_id
from careDesk.model.timeline import TimeEntry, Transition
from tests.careDesk.care.clinic_rows import NOW, patient, store

START, END = date(2026, 3, 1), date(2026, 6, 30)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture
def report(desk: Desk) -> MetricsReport:
    a = patient("M-A", enrolled_on=date(2026, 3, 1), consent_program=True)
    b = patient("M-B", status="enrolled", enrolled_on=date(2026, 4, 10))
    c = patient("M-C", status="candidate")
    d = patient("M-D", status="discharged")
    e = patient("M-E", status="transitioned")
    plan = CarePlan(patient_id=a.id)
    problem = Problem(plan_id=plan.id, patient_id=a.id, description="Diabetes")
    store(desk, a, b, c, d, e, plan)
    store(desk, problem)
    user = desk.user.id
    store(
        desk,
        Encounter(patient_id=a.id, kind="admission", start=at(date(2026, 1, 15))),
        Encounter(patient_id=a.id, kind="emergency", start=at(date(2025, 10, 1))),
        Encounter(patient_id=a.id, kind="emergency", start=at(date(2025, 6, 1))),  # too early
        Encounter(patient_id=a.id, kind="emergency", start=at(date(2026, 4, 1))),
        Encounter(patient_id=b.id, kind="emergency", start=at(date(2026, 5, 1))),
        ScreenerResult(
            patient_id=a.id,
            instrument="phq9",
            loinc="44249-1",
            total=12,
            band="moderate",
            positive=True,
            taken_at=at(date(2026, 3, 5)),
        ),
        ScreenerResult(
            patient_id=a.id,
            instrument="phq9",
            loinc="44249-1",
            total=3,
            band="minimal",
            taken_at=at(date(2026, 6, 5)),
        ),
        ScreenerResult(
            patient_id=b.id,
            instrument="phq9",
            loinc="44249-1",
            total=2,
            band="minimal",
            taken_at=at(date(2026, 2, 1)),  # before the period
        ),
        TimeEntry(
            patient_id=a.id, user_id=user, on_date=date(2026, 3, 3), minutes=15, activity="call"
        ),
        TimeEntry(
            patient_id=a.id, user_id=user, on_date=date(2026, 3, 30), minutes=10, activity="plan"
        ),
        TimeEntry(
            patient_id=a.id, user_id=user, on_date=date(2026, 4, 2), minutes=65, activity="visit"
        ),
        TimeEntry(
            patient_id=a.id, user_id=user, on_date=date(2026, 7, 2), minutes=30, activity="call"
        ),
        TimeEntry(
            patient_id=b.id, user_id=user, on_date=date(2026, 3, 9), minutes=30, activity="call"
        ),
        Goal(
            problem_id=problem.id,
            plan_id=plan.id,
            patient_id=a.id,
            description="Walk",
            status="achieved",
            achieved_on=date(2026, 4, 2),
        ),
        Goal(
            problem_id=problem.id,
            plan_id=plan.id,
            patient_id=a.id,
            description="A1c",
            due_date=date(2026, 5, 1),
        ),
        FollowUp(patient_id=a.id, kind="call", title="Call", due_at=NOW - timedelta(days=2)),
        FollowUp(
            patient_id=b.id,
            kind="call",
            title="Done",
            due_at=NOW - timedelta(days=2),
            status="done",
        ),
        Transition(
            patient_id=d.id,
            on_date=date(2026, 5, 20),
            outcome="discharged",
            reason="goals_met",
            summary="Goals met",
        ),
        Transition(
            patient_id=e.id,
            on_date=date(2026, 6, 2),
            outcome="transitioned",
            reason="moved",
            summary="Moved away",
        ),
    )
    desk.risk.refresh_all(now=NOW)
    return desk.metrics.report(START, END, now=NOW)


def test_caseload_and_work(report: MetricsReport) -> None:
    assert report.caseload_by_status == {
        "active": 1,
        "enrolled": 1,
        "candidate": 1,
        "discharged": 1,
        "transitioned": 1,
    }
    assert sum(report.caseload_by_band.values()) == 3  # open patients only
    assert report.overdue_follow_ups == 1
    assert (report.goals_met, report.goals_due) == (1, 1)
    assert report.discharges_by_reason == {"goals_met": 1, "moved": 1}


def test_utilization_before_and_after_enrollment(report: MetricsReport) -> None:
    u = report.utilization
    assert u is not None
    assert u.patients == 2
    assert (u.admissions_before, u.admissions_after) == (1, 0)
    assert (u.ed_before, u.ed_after) == (1, 2)
    assert u.complete_follow_up == 0  # NOW is 2026-06-15: nobody has six months yet


def test_screening_coverage_and_positive_rate(report: MetricsReport) -> None:
    assert (report.screened_patients, report.screening_eligible) == (1, 2)
    assert report.screening_coverage == 0.5
    (phq9,) = report.screening
    assert (phq9.instrument, phq9.taken, phq9.positive, phq9.positive_rate) == ("phq9", 2, 1, 0.5)


def test_minutes_per_patient_month_with_consent_only(report: MetricsReport) -> None:
    assert [(m.month, m.minutes, m.thresholds_met) for m in report.minutes] == [
        ("2026-03", 25, (20,)),
        ("2026-04", 65, (20, 40, 60)),
    ]
    assert report.minutes_without_consent == 30
    assert report.minutes_summary() == {
        "2026-03": {20: 1, 40: 0, 60: 0},
        "2026-04": {20: 1, 40: 1, 60: 1},
    }


def test_rows_for_csv(report: MetricsReport) -> None:
    rows = report.to_rows()
    assert all(set(r) == {"section", "metric", "value"} for r in rows)
    found = {(r["section"], r["metric"]): r["value"] for r in rows}
    assert found[("caseload by status", "active")] == 1
    assert found[("care-management minutes", "2026-04 patients >= 60 min")] == 1
    assert found[("screening", "phq9 positive rate")] == 0.5


def test_period_must_run_forwards(desk: Desk) -> None:
    with pytest.raises(ValidationFailed, match="end"):
        desk.metrics.report(END, START)


def test_ccm_codes_per_month_over_the_whole_months_the_period_touches(
    desk: Desk, fast_kdf: None
) -> None:
    """CPT 2024 / CMS MLN909188: 25 staff minutes in March → 99490; 45 in April → 99490 +
    one 99439; CCM is per calendar month, so April counts whole though the period ends on the
    10th. A patient with one chronic condition gets no code."""
    desk.users.add("nurse", "violet harbour compass lantern", "coordinator")
    nurse = user_id("nurse")
    two = patient("CCM-1", consent_program=True)
    one = patient("CCM-2", consent_program=True)
    store(
        desk,
        two,
        one,
        Condition(patient_id=two.id, display="Type 2 diabetes", icd10="E11.9"),
        Condition(patient_id=two.id, display="COPD", icd10="J44.9"),
        Condition(patient_id=one.id, display="COPD", icd10="J44.9"),
    )
    entries = [
        (two.id, date(2026, 3, 3), 10),
        (two.id, date(2026, 3, 20), 15),
        (two.id, date(2026, 4, 25), 45),
        (one.id, date(2026, 3, 20), 40),
    ]
    store(
        desk,
        *(TimeEntry(patient_id=p, user_id=nurse, on_date=d, minutes=m, activity="call")
          for p, d, m in entries),
    )  # fmt: skip
    report = desk.metrics.report(date(2026, 3, 15), date(2026, 4, 10), now=NOW)
    assert report.ccm_summary() == {
        "2026-03": {"99490": 1, "no code (patients)": 1},
        "2026-04": {"99490": 1, "99439": 1},
    }
    rows = {(r["section"], r["metric"]): r["value"] for r in report.to_rows()}
    assert rows[("CCM codes supported", "2026-04 99439")] == 1
    [lone] = [m for m in report.ccm if m.patient_id == one.id]
    assert any(why.startswith("needs 2 chronic conditions") for why in lone.missing)


def _phq9_answers(total: int) -> dict[str, int]:
    """PHQ-9 answers (items 1–8, each 0–3; item 9 left at 0) adding up to ``total``."""
    answers = {f"phq9_{i}": 0 for i in range(1, 10)}
    for i in range(1, 9):
        answers[f"phq9_{i}"] = min(3, total - sum(answers.values()))
    return answers


def test_phq9_positive_rate_counts_every_positive_screen_among_the_phq9s_taken(desk: Desk) -> None:
    """Issue 19: Reports said 0.7 % of PHQ-9s were positive while the worklist named many
    moderate scores. A PHQ-9 is positive at a total of 10 or more (Kroenke, Spitzer & Williams
    2001, J Gen Intern Med 16:606–613: sensitivity and specificity 88 % for major depression;
    docs/clinical-sources.md#phq-9). Totals 4, 9, 10, 14 and 20 are 3 positive of 5 PHQ-9s
    taken: 60 %."""
    people = [patient(f"P9-{n}") for n in range(5)]
    store(desk, *people)
    for person, total in zip(people, (4, 9, 10, 14, 20), strict=True):
        desk.screeners.record(
            person.id, "phq9", _phq9_answers(total), taken_at=at(date(2026, 4, 2))
        )
    report = desk.metrics.report(START, END, now=NOW)
    (phq9,) = [s for s in report.screening if s.instrument == "phq9"]
    assert (phq9.taken, phq9.positive) == (5, 3)
    assert phq9.positive_rate == pytest.approx(0.6)
