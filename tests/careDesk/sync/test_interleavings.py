"""Randomized interleavings of edits, syncs and network cuts: both workstations converge."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careDesk.model.base import new_id
from careDesk.model.patient import Patient
from careDesk.sync.connection import SyncOffline

FIELDS = ("city", "phone", "email")
step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 1), st.sampled_from(FIELDS), st.integers(0, 9)),
    st.tuples(st.just("sync"), st.integers(0, 1)),
    st.tuples(st.just("cut"), st.integers(0, 1)),
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_random_interleavings_converge(pair: Any, steps: list[tuple[Any, ...]]) -> None:
    desks = list(pair)
    pid = (
        desks[0]
        .desk.patients.create(
            mrn="H-" + new_id()[-12:],
            given_name="Mai",
            family_name="Tran",
            birth_date=date(1960, 3, 4),
        )
        .value.id
    )
    for ws in desks:
        ws.net.up = True
    desks[0].sync()
    desks[1].sync()
    for action, who, *rest in steps:
        ws = desks[who]
        if action == "edit":
            field, n = rest
            value = {"city": f"Town {n}", "phone": f"555-010{n}", "email": f"m{n}@example.org"}[
                field
            ]
            ws.desk.patients.update(pid, **{field: value})
        elif action == "sync":
            with contextlib.suppress(SyncOffline):
                ws.sync()
        else:
            ws.net.up = not ws.net.up
    for ws in desks:
        ws.net.up = True
    for _ in range(2):
        for ws in desks:
            ws.sync()
    rows = []
    for ws in desks:
        assert ws.desk.sync.status().pending == 0
        with ws.desk.reading() as session:
            row = session.get(Patient, pid)
        assert row is not None
        rows.append((row.version, *(getattr(row, f) for f in FIELDS)))
    assert rows[0] == rows[1]


record_step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 1), st.sampled_from(FIELDS), st.integers(0, 9)),
    st.tuples(st.just("new"), st.integers(0, 1)),
    st.tuples(st.just("condition"), st.integers(0, 1), st.integers(0, 9)),
    st.tuples(st.just("drop"), st.integers(0, 1)),
    st.tuples(st.just("sync"), st.integers(0, 1)),
    st.tuples(st.just("cut"), st.integers(0, 1)),
)


def _state(ws: Any) -> list[tuple[Any, ...]]:
    """Every patient and condition row as the user would see it, with its version."""
    from sqlalchemy import text

    with ws.desk.reading() as session:
        patients = session.execute(
            text(
                "SELECT id, version, deleted_at IS NULL, mrn, city, phone, email FROM patient"
                " ORDER BY id"
            )
        ).all()
        conditions = session.execute(
            text(
                "SELECT id, version, deleted_at IS NULL, patient_id, display FROM condition"
                " ORDER BY id"
            )
        ).all()
    return [tuple(r) for r in (*patients, *conditions)]


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(record_step, min_size=1, max_size=14))
def test_new_records_children_and_deletes_converge(pair: Any, steps: list[tuple[Any, ...]]) -> None:
    """New patients (the server's set-based insert path), their child rows (foreign keys in
    order on every pull), deletes against edits, syncs and cuts in any order."""
    desks = list(pair)
    for ws in desks:
        ws.net.up = True
    pid = (
        desks[0]
        .desk.patients.create(
            mrn="R-" + new_id()[-12:],
            given_name="Mai",
            family_name="Tran",
            birth_date=date(1960, 3, 4),
        )
        .value.id
    )
    desks[0].sync()
    desks[1].sync()
    for action, who, *rest in steps:
        ws = desks[who]
        if action == "edit":
            field, n = rest
            value = {"city": f"Town {n}", "phone": f"555-010{n}", "email": f"m{n}@example.org"}
            ws.desk.patients.update(pid, **{field: value[field]})
        elif action == "new":
            new = ws.desk.patients.create(
                mrn="N-" + new_id()[-12:],
                given_name="Lan",
                family_name="Vo",
                birth_date=date(1955, 5, 5),
            ).value.id
            ws.desk.clinical.add_condition(new, display="Heart failure", icd10="I50.9")
        elif action == "condition":
            ws.desk.clinical.add_condition(pid, display=f"Condition {rest[0]}")
        elif action == "drop":
            live = ws.desk.clinical.conditions(pid)
            if live:
                ws.desk.clinical.remove_condition(live[-1].id)
        elif action == "sync":
            with contextlib.suppress(SyncOffline):
                ws.sync()
        else:
            ws.net.up = not ws.net.up
    for ws in desks:
        ws.net.up = True
    for _ in range(2):
        for ws in desks:
            ws.sync()
    for ws in desks:
        assert ws.desk.sync.status().pending == 0
    assert _state(desks[0]) == _state(desks[1])
