"""Recording measurements by hand, staleness and goal progress, on a real encrypted vault."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.clinical import Observation
from careDesk.model.plan import Goal
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock

NOW = utcnow()


def _patient(desk: Desk, mrn: str = "M-1") -> str:
    return desk.patients.create(
        mrn=mrn, given_name="Rosa", family_name="Diaz", birth_date=date(1958, 4, 2)
    ).value.id


def _observations(desk: Desk, pid: str) -> list[Observation]:
    with desk.reading() as s:
        q = select(Observation).where(col(Observation.patient_id) == pid)
        return list(s.exec(q.order_by(col(Observation.loinc))))


def _goal(desk: Desk, pid: str, loinc: str, target: str, started_days_ago: int) -> str:
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Chronic condition").value
    goal = desk.plans.add_goal(
        problem.id, description="Goal", measure="m", target=target, measure_loinc=loinc
    ).value
    with desk.writing() as tx:  # the goal was set some time ago
        row = tx.session.get(Goal, goal.id)
        assert row is not None
        row.created_at = NOW - timedelta(days=started_days_ago)
        tx.touch(row, kind="goal", patient_id=pid)
    return goal.id


def test_blood_pressure_is_one_panel_of_two_rows_and_audited_without_values(desk: Desk) -> None:
    pid = _patient(desk)
    desk.measures.record(pid, kind="blood_pressure", systolic=142, diastolic=88)
    rows = _observations(desk, pid)
    assert [(r.loinc, r.value, r.unit, r.panel) for r in rows] == [
        ("8462-4", 88, "mm[Hg]", "85354-9"),
        ("8480-6", 142, "mm[Hg]", "85354-9"),
    ]
    assert rows[0].effective == rows[1].effective
    events = desk.audit_events(patient_id=pid, action="measurement.add")
    assert len(events) == 2
    assert all("142" not in (e.detail or "") and "88" not in (e.detail or "") for e in events)
    assert "systolic" in (events[0].detail or "")


def test_weight_in_pounds_is_stored_in_kilograms(desk: Desk) -> None:
    """1 lb = 0.45359237 kg: 165 lb is 74.84 kg."""
    pid = _patient(desk)
    desk.measures.record(pid, kind="weight", value=165, unit="lb")
    (row,) = _observations(desk, pid)
    assert (row.loinc, row.unit, round(row.value or 0, 2)) == ("29463-7", "kg", 74.84)


def test_a1c_in_mmol_per_mol_is_stored_in_per_cent(desk: Desk) -> None:
    """IFCC 64 mmol/mol = NGSP 8.0 % (Hoelzel 2004 master equation)."""
    pid = _patient(desk)
    desk.measures.record(pid, kind="a1c", value=64, unit="mmol/mol")
    (row,) = _observations(desk, pid)
    assert (row.loinc, row.unit, round(row.value or 0, 1)) == ("4548-4", "%", 8.0)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"kind": "weight", "value": 80}, "unit", "kg or lb"),
        ({"kind": "weight", "value": 80, "unit": "stone"}, "unit", "kg or lb"),
        ({"kind": "a1c", "value": 53, "unit": "%"}, "value", "mmol/mol"),
        ({"kind": "glucose", "value": 7, "unit": "mg/dL"}, "value", "mmol/L"),
        ({"kind": "blood_pressure", "systolic": 80, "diastolic": 120}, "diastolic", "lower"),
        ({"kind": "blood_pressure", "systolic": 120}, "diastolic", "both"),
        ({"kind": "temperature", "value": 37}, "kind", ""),
        (
            {"kind": "a1c", "value": 7, "unit": "%", "taken_at": NOW + timedelta(days=2)},
            "taken_at",
            "future",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    desk: Desk, fields: dict[str, object], field: str, words: str
) -> None:
    pid = _patient(desk)
    with pytest.raises(ValidationFailed) as caught:
        desk.measures.record(pid, **fields)
    assert caught.value.field == field
    assert words in caught.value.reason
    assert _observations(desk, pid) == []


@pytest.fixture
def reader(desk: Desk, vault_paths: VaultPaths) -> Iterator[tuple[Desk, str]]:
    pid = _patient(desk)
    desk.users.add("reader", "reading is my only job", role="read-only")
    desk.close()
    reading = unlock(vault_paths, "reader", "reading is my only job")
    yield reading, pid
    reading.close()


def test_a_read_only_user_may_read_but_not_record(reader: tuple[Desk, str]) -> None:
    desk, pid = reader
    assert desk.measures.overview(pid).series == []
    with pytest.raises(PermissionDenied):
        desk.measures.record(pid, kind="weight", value=80, unit="kg")


@pytest.mark.parametrize(
    ("kind", "fields", "days", "stale"),
    [
        # ADA Standards 2024 §6 rec. 6.1: A1c at least twice a year → stale after ~6 months.
        ("a1c", {"value": 7.2, "unit": "%"}, 182, False),
        ("a1c", {"value": 7.2, "unit": "%"}, 184, True),
        # careDesk's choice (issue 17): blood pressure stale after 3 months.
        ("blood_pressure", {"systolic": 128, "diastolic": 76}, 91, False),
        ("blood_pressure", {"systolic": 128, "diastolic": 76}, 93, True),
    ],
)
def test_a_value_older_than_its_look_back_is_stale(
    desk: Desk, kind: str, fields: dict[str, float | str], days: int, stale: bool
) -> None:
    pid = _patient(desk)
    desk.measures.record(pid, kind=kind, taken_at=NOW - timedelta(days=days), **fields)
    view = desk.measures.overview(pid, now=NOW)
    (series,) = view.series
    assert view.is_stale(series) is stale


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ((8.6, 6.8), "at goal"),
        ((8.6, 7.8), "improving"),  # 0.8 points nearer the target
        ((8.6, 8.4), "not improving"),  # less than the 0.5-point minimal change
        ((7.4, 8.1), "not improving"),
    ],
)
def test_a_linked_goal_computes_its_progress(
    desk: Desk, values: tuple[float, float], status: str
) -> None:
    pid = _patient(desk)
    goal_id = _goal(desk, pid, "4548-4", "below 7%", started_days_ago=200)
    for value, days in zip(values, (150, 30), strict=True):
        desk.measures.record(
            pid, kind="a1c", value=value, unit="%", taken_at=NOW - timedelta(days=days)
        )
    (progress,) = desk.measures.goal_progress(pid, now=NOW)
    assert (progress.goal_id, progress.status) == (goal_id, status)
    assert progress.latest_text == f"{values[1]:.1f} %"
    assert f"{values[0]:.1f} %" in progress.words()


def test_a_stale_value_is_shown_as_no_recent_value_never_as_current(desk: Desk) -> None:
    pid = _patient(desk)
    _goal(desk, pid, "4548-4", "below 7%", started_days_ago=400)
    desk.measures.record(pid, kind="a1c", value=6.5, unit="%", taken_at=NOW - timedelta(days=200))
    (progress,) = desk.measures.goal_progress(pid, now=NOW)
    assert progress.status == "no recent value"
    assert progress.stale and progress.latest_text == "6.5 %"


def test_blood_pressure_goal_needs_both_numbers_below(desk: Desk) -> None:
    """2017 ACC/AHA: < 130/80."""
    pid = _patient(desk)
    _goal(desk, pid, "85354-9", "below 130/80", started_days_ago=100)
    desk.measures.record(
        pid, kind="blood_pressure", systolic=150, diastolic=95, taken_at=NOW - timedelta(days=60)
    )
    desk.measures.record(
        pid, kind="blood_pressure", systolic=128, diastolic=82, taken_at=NOW - timedelta(days=5)
    )
    (progress,) = desk.measures.goal_progress(pid, now=NOW)
    assert progress.status == "improving" and progress.latest_text == "128/82 mm Hg"


def test_linking_a_goal_needs_a_target_that_reads_as_a_rule(desk: Desk) -> None:
    pid = _patient(desk)
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    with pytest.raises(ValidationFailed) as caught:
        desk.plans.add_goal(problem.id, description="A1c", target="better", measure_loinc="4548-4")
    assert caught.value.field == "target"
    with pytest.raises(ValidationFailed) as caught:
        desk.plans.add_goal(problem.id, description="A1c", target="below 7", measure_loinc="4548-5")
    assert caught.value.field == "measure_loinc"  # a wrong check digit
    goal = desk.plans.add_goal(
        problem.id, description="A1c", target="below 7%", measure_loinc="4548-4"
    ).value
    assert (goal.target_rule, goal.target_value, goal.target_unit) == ("below", 7.0, "%")
    changed = desk.plans.update_goal(goal.id, target="below 8%").value
    assert changed.target_value == 8.0
    unlinked = desk.plans.update_goal(goal.id, measure_loinc=None).value
    assert (unlinked.target_rule, unlinked.target_value) == (None, None)
