"""The registry ranks and filters in SQL (so 50,000 patients page quickly); its SQL outcome must
always be the one ``outcomes.py`` defines. Checked on random entries in a real vault."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select
from sqlmodel import col

from careDesk.care.measures.catalog import catalog
from careDesk.care.measures.registry import judge, outcome_sql
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.measure import RegistryEntry
from tests.careDesk.care.clinic_rows import patient, store

NOW = utcnow().replace(microsecond=0)
PEOPLE = 12

days = st.one_of(
    st.none(), st.integers(0, 400), st.sampled_from([29, 30, 31, 69, 70, 71, 91, 92, 93, 183, 184])
)
score = st.one_of(
    st.none(), st.integers(0, 27).map(float), st.sampled_from([4.0, 5.0, 8.0, 9.0, 10.0, 16.0])
)
entry = st.fixed_dictionaries(
    {
        "baseline": score,
        "baseline_days": days,
        "latest": score,
        "latest_days": days,
        "same_time": st.booleans(),
        "at_goal": st.one_of(st.none(), st.booleans()),
    }
)


def _row(pid: str, name: str, e: dict[str, Any]) -> dict[str, Any]:
    base_at = NOW - timedelta(days=e["baseline_days"]) if e["baseline_days"] is not None else None
    last_at = NOW - timedelta(days=e["latest_days"]) if e["latest_days"] is not None else None
    if e["same_time"]:
        last_at = base_at
    return {
        "patient_id": pid, "registry_name": name, "baseline": e["baseline"], "baseline_at": base_at,
        "latest": e["latest"], "latest_at": last_at, "at_goal": e["at_goal"], "computed_at": NOW,
    }  # fmt: skip


def test_sql_and_python_outcomes_agree(desk: Desk) -> None:
    people = [patient(f"SQL-{n}", status="candidate") for n in range(PEOPLE)]
    store(desk, *people)
    ids = [p.id for p in people]

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.lists(entry, min_size=PEOPLE, max_size=PEOPLE),
        st.sampled_from(["depression", "diabetes"]),
    )
    def check(entries: list[dict[str, Any]], name: str) -> None:
        registry = catalog().registry(name)
        with desk.writing(None) as tx:
            tx.session.execute(delete(RegistryEntry))
            tx.session.execute(
                insert(RegistryEntry), [_row(p, name, e) for p, e in zip(ids, entries, strict=True)]
            )
        with desk.reading() as session:
            label = outcome_sql(registry, NOW)
            rows = session.execute(
                select(RegistryEntry, label).where(col(RegistryEntry.registry_name) == name)
            )
            for row, sql_label in rows:
                assert sql_label == judge(registry, row, NOW).outcome, row

    check()
