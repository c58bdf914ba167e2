"""The treat-to-target registry, its worklist reasons and the dashboard rates.

Thresholds: NCQA HEDIS DRR-E (elevated PHQ-9 above 9; response ≥ 50 % lower; remission < 5;
follow-up 120–240 days after the index score); AIMS Center (less than 50 % better 10–12 weeks
after the baseline: not improving; a score at least monthly); NCQA HEDIS GSD (A1c above 9.0 %
poor control) and CBP (controlled below 140/90).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from careDesk.desk import Desk
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition, Observation
from careDesk.model.patient import Patient
from tests.careDesk.care.clinic_rows import patient, store

NOW = utcnow()


def _phq9(pid: str, total: int, days: float) -> ScreenerResult:
    return ScreenerResult(
        patient_id=pid,
        instrument="phq9",
        loinc="44249-1",
        total=total,
        taken_at=NOW - timedelta(days=days),
    )


def _a1c(pid: str, value: float, days: float) -> Observation:
    return Observation(
        patient_id=pid,
        loinc="4548-4",
        display="A1c",
        value=value,
        unit="%",
        effective=NOW - timedelta(days=days),
    )


def _depressed(mrn: str, status: str = "active", enrolled_days: int = 120) -> list[Any]:
    p = patient(mrn, status=status, enrolled_on=(NOW - timedelta(days=enrolled_days)).date())
    return [p, Condition(patient_id=p.id, display="Major depression", icd10="F32.9")]


@pytest.fixture
def clinic(desk: Desk) -> dict[str, Patient]:
    rows: dict[str, list[Any]] = {
        "stuck": _depressed("D-STUCK"),  # 16 → 13 after 13 weeks: not improving
        "responder": _depressed("D-RESP"),  # 18 → 8: response
        "remitted": _depressed("D-REM"),  # 15 → 3: remission
        "early": _depressed("D-EARLY", enrolled_days=30),  # 14 → 12 after 4 weeks
        "quiet": _depressed("D-QUIET"),  # last score 40 days ago
        "gone": _depressed("D-GONE", status="discharged"),
    }
    scores = {
        "stuck": ((16, 95), (13, 5)),
        "responder": ((18, 95), (8, 5)),
        "remitted": ((15, 95), (3, 5)),
        "early": ((14, 28), (12, 3)),
        "quiet": ((15, 75), (14, 40)),
        "gone": ((20, 95), (19, 5)),
    }
    for key, pairs in scores.items():
        rows[key] += [_phq9(rows[key][0].id, total, days) for total, days in pairs]
    candidate = patient("D-CAND", status="candidate")
    rows["candidate"] = [candidate, _phq9(candidate.id, 16, 80), _phq9(candidate.id, 14, 5)]
    sugar = patient("S-HIGH", status="active")
    rows["sugar"] = [
        sugar,
        Condition(patient_id=sugar.id, display="Type 2 diabetes", icd10="E11.9"),
        _a1c(sugar.id, 9.4, 20),
    ]
    edge = patient("S-NINE", status="active")
    rows["edge"] = [
        edge,
        Condition(patient_id=edge.id, display="T2DM", icd10="E11.9"),
        _a1c(edge.id, 9.0, 20),
    ]
    store(desk, *[r for group in rows.values() for r in group])
    return {key: group[0] for key, group in rows.items()}


def _reasons(desk: Desk, p: Patient) -> list[str]:
    score = desk.risk.score(p.id)
    assert score is not None
    return score.reasons


def test_the_registry_lists_who_is_not_improving_first(
    desk: Desk, clinic: dict[str, Patient]
) -> None:
    rows = desk.measures.registry("depression", now=NOW)
    by_id = {r.patient_id: r for r in rows}
    assert clinic["gone"].id not in by_id  # discharged: not in care any more
    assert clinic["candidate"].id not in by_id  # not enrolled
    outcomes = {
        key: by_id[clinic[key].id].outcome
        for key in ("stuck", "responder", "remitted", "early", "quiet")
    }
    assert outcomes == {
        "stuck": "not improving",
        "responder": "response",
        "remitted": "remission",
        "early": "in treatment",
        "quiet": "not improving",
    }
    assert [r.outcome for r in rows[:2]] == ["not improving", "not improving"]
    stuck = by_id[clinic["stuck"].id]
    assert (stuck.baseline, stuck.latest, stuck.weeks) == ("16", "13", 13)
    assert stuck.change_percent == pytest.approx(-18.75)
    assert by_id[clinic["quiet"].id].overdue and not stuck.overdue


def test_registry_filters_and_counts(desk: Desk, clinic: dict[str, Patient]) -> None:
    assert desk.measures.registry_count("depression", now=NOW) == 5
    stuck = desk.measures.registry("depression", outcome="not improving", now=NOW)
    assert {r.patient_id for r in stuck} == {clinic["stuck"].id, clinic["quiet"].id}
    assert len(desk.measures.registry("depression", limit=2, offset=4, now=NOW)) == 1


def test_the_worklist_says_why(desk: Desk, clinic: dict[str, Patient]) -> None:
    stuck = _reasons(desk, clinic["stuck"])
    assert "PHQ-9 not improving: 16 → 13, 13 weeks after the baseline (case review)" in stuck
    assert "no PHQ-9 score in 30 days" in _reasons(desk, clinic["quiet"])
    assert not any("not improving" in r for r in _reasons(desk, clinic["responder"]))
    candidate = _reasons(desk, clinic["candidate"])
    assert (
        "PHQ-9 still 14, 11 weeks after 16: less than 50% better (consider enrolling)" in candidate
    )


def test_uncontrolled_a1c_is_above_nine_per_cent(desk: Desk, clinic: dict[str, Patient]) -> None:
    """HEDIS GSD: poor control is above 9.0 % (9.0 itself is not)."""
    assert any(r.startswith("A1c 9.4%") for r in _reasons(desk, clinic["sugar"]))
    assert not any(r.startswith("A1c") for r in _reasons(desk, clinic["edge"]))


def test_uncontrolled_blood_pressure_is_140_over_90_or_more(desk: Desk) -> None:
    """HEDIS CBP: controlled is below 140/90, so 140 systolic alone is not controlled."""
    p, q = patient("B-140", status="active"), patient("B-139", status="active")
    store(desk, p, q)
    desk.measures.record(p.id, kind="blood_pressure", systolic=140, diastolic=70)
    desk.measures.record(q.id, kind="blood_pressure", systolic=139, diastolic=89)
    assert any(r.startswith("BP 140/70") for r in _reasons(desk, p))
    assert not any(r.startswith("BP") for r in _reasons(desk, q))


def test_diabetes_registry_judges_each_patient_against_their_own_goal(desk: Desk) -> None:
    own, default, old = (patient(f"G-{n}", status="active") for n in ("OWN", "DEF", "OLD"))
    store(
        desk,
        own,
        default,
        old,
        *[Condition(patient_id=p.id, display="T2DM", icd10="E11.9") for p in (own, default, old)],
        _a1c(own.id, 7.5, 10),
        _a1c(default.id, 7.5, 10),
        _a1c(old.id, 6.0, 200),
    )
    plan = desk.plans.ensure_active(own.id).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    # ADA Standards 2024 §13: < 8 % for older adults with multimorbidity.
    desk.plans.add_goal(problem.id, description="A1c", target="below 8%", measure_loinc="4548-4")
    rows = {r.patient_id: r for r in desk.measures.registry("diabetes", now=NOW)}
    assert rows[own.id].outcome == "at goal" and rows[own.id].target == "below 8%"
    assert rows[default.id].outcome == "not at goal" and rows[default.id].target == "below 7%"
    assert rows[old.id].outcome == "no recent value"
    rates = desk.measures.outcome_rates(now=NOW)
    assert (rates.diabetes_members, rates.diabetes_at_goal) == (3, 1)


def test_response_and_remission_rates_at_six_months(desk: Desk) -> None:
    """HEDIS DRR-E: index PHQ-9 above 9; the most recent score 120–240 days later decides."""
    people = [
        patient(f"H-{n}", status="active", enrolled_on=(NOW - timedelta(days=320)).date())
        for n in range(4)
    ]
    rows: list[Any] = [*people]
    rows += [Condition(patient_id=p.id, display="Depression", icd10="F33.1") for p in people]
    plans = [(16, 4), (16, 8), (16, 12), (16, None)]  # remission, response, neither, no follow-up
    for p, (index, later) in zip(people, plans, strict=True):
        rows.append(_phq9(p.id, index, 300))
        if later is not None:
            rows.append(_phq9(p.id, later, 300 - 150))
    store(desk, *rows)
    rates = desk.measures.outcome_rates(now=NOW)
    assert (rates.depression_index, rates.follow_up, rates.response, rates.remission) == (
        4,
        3,
        2,
        1,
    )


def test_the_dashboard_shows_the_rates(desk: Desk) -> None:
    people = [patient(f"R-{n}", status="active") for n in range(2)]
    rows: list[Any] = [*people]
    rows += [Condition(patient_id=p.id, display="Depression", icd10="F32.2") for p in people]
    rows += [_phq9(p.id, 20, 300) for p in people] + [_phq9(people[0].id, 4, 150)]
    store(desk, *rows)
    report = desk.metrics.report(NOW.date() - timedelta(days=30), NOW.date(), now=NOW)
    found = {r["metric"]: r["value"] for r in report.to_rows() if r["section"] == "treat to target"}
    assert found["PHQ-9 response at 6 months %"] == 50.0
    assert found["PHQ-9 remission at 6 months %"] == 50.0
    assert found["PHQ-9 index episodes (denominator)"] == 2
