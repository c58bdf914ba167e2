"""Measurements across workstations, against a real clinic server: a crisis blood pressure
recorded on one workstation reaches the other with its one alert and one same-day call (the
receiving workstation's flag hook makes the same rows, ids derived from the measurement, and
raises nothing twice); a linked goal's target rule travels with its target text.

Rule: American Heart Association, "Hypertensive crisis": 180/120 or greater.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from careDesk.model.assessment import Alert
from careDesk.model.plan import Goal
from careDesk.model.schedule import FollowUp
from tests.careDesk.sync.conftest import Workstation
from tests.careDesk.sync.test_merge import new_patient


def _flags(ws: Workstation) -> tuple[list[Alert], list[FollowUp]]:
    with ws.desk.reading() as s:
        alerts = list(s.exec(select(Alert).where(Alert.kind == "measure_flag:bp_crisis")))
        calls = list(s.exec(select(FollowUp).where(FollowUp.origin == "measure_flag")))
    return alerts, calls


def test_a_crisis_reading_arrives_with_one_alert_and_one_call(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.desk.measures.record(pid, kind="blood_pressure", systolic=192, diastolic=118)
    [alert], [call] = _flags(a)
    report = a.sync()
    assert report.conflicts == 0
    pulled = b.sync()
    assert pulled.conflicts == 0
    [b_alert], [b_call] = _flags(b)
    assert (b_alert.id, b_call.id) == (alert.id, call.id)
    assert b.sync().conflicts == 0 and a.sync().conflicts == 0
    assert [len(x) for x in _flags(a)] == [1, 1] and [len(x) for x in _flags(b)] == [1, 1]
    assert b.desk.measures.overview(pid).series[0].latest() is not None


def test_a_linked_goal_travels_with_its_target_rule(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    plan = a.desk.plans.ensure_active(pid).value
    problem = a.desk.plans.add_problem(plan.id, description="Diabetes").value
    goal = a.desk.plans.add_goal(
        problem.id, description="A1c", target="below 7.5%", measure_loinc="4548-4"
    ).value
    a.sync()
    b.sync()
    with b.desk.reading() as s:
        copy = s.get(Goal, goal.id)
    assert copy is not None
    assert (copy.measure_loinc, copy.target_rule, copy.target_value) == ("4548-4", "below", 7.5)
