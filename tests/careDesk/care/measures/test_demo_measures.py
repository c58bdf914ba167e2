"""The demo clinic has measurement series with linked goals, so every screen has data."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.model.assessment import Alert
from careDesk.model.plan import Goal
from tests.big_clinic import demo_fixture

NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


demo = demo_fixture("demo", patients=300, seed=7)


def test_linked_goals_compute_their_progress(demo: Desk) -> None:
    with demo.reading() as s:
        goals = list(s.exec(select(Goal).where(col(Goal.measure_loinc).is_not(None))))
    assert len(goals) > 30
    assert all(g.target_rule for g in goals)
    statuses: Counter[str] = Counter()
    for pid in {g.patient_id for g in goals}:
        statuses.update(p.status for p in demo.measures.goal_progress(pid, now=NOW))
    assert {"at goal", "improving", "not improving"} <= set(statuses)


def test_every_registry_has_patients_and_the_depression_one_has_every_outcome(demo: Desk) -> None:
    for name in ("depression", "diabetes", "hypertension"):
        assert demo.measures.registry_count(name, now=NOW) > 5
    outcomes = {r.outcome for r in demo.measures.registry("depression", limit=1000, now=NOW)}
    assert {"not improving", "response", "remission"} <= outcomes


def test_measurement_alerts_are_the_ones_the_rules_find(demo: Desk) -> None:
    """Every demo measurement alert is a flag the real rules find in that patient's series."""
    with demo.reading() as s:
        alerts = list(s.exec(select(Alert).where(col(Alert.kind).startswith("measure_flag"))))
    assert alerts
    for alert in alerts:
        flags = demo.measures.overview(alert.patient_id, now=NOW).flags
        assert alert.message in [f.reason for f in flags]
