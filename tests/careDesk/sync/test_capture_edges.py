"""Writes that do not go through the ORM, and columns that belong to one workstation."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from careDesk.care.demo import generate_demo
from careDesk.model.base import utcnow
from tests.careDesk.sync.conftest import Workstation
from tests.conftest import PASSWORD


def _count(ws: Workstation, sql: str) -> int:
    with ws.desk.reading() as session:
        return int(session.execute(text(sql)).scalar_one())


def test_a_demo_loaded_into_a_syncing_vault_reaches_the_other_workstation(
    pair: tuple[Workstation, Workstation],
) -> None:
    a, b = pair
    generate_demo(
        a.desk, patients=12, seed=3, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    waiting = a.desk.sync.status().pending
    assert waiting > 12 * 10  # every bulk-inserted row is queued, not only the ORM's
    assert a.sync().pushed == waiting
    b.sync()
    for name in ("patient", "condition", "medication", "care_plan", "follow_up"):
        query = f"SELECT count(*) FROM {name} WHERE deleted_at IS NULL"
        assert _count(b, query) == _count(a, query), name


def test_a_due_follow_up_is_announced_once_on_each_workstation(
    pair: tuple[Workstation, Workstation],
) -> None:
    a, b = pair
    pid = a.desk.patients.create(
        mrn="N-1", given_name="Ada", family_name="Reyes", birth_date=date(1950, 1, 1)
    ).value.id
    task = a.desk.followups.create(
        pid, kind="call", title="Call about the new inhaler", due_at=utcnow() - timedelta(hours=1)
    ).value
    assert [i.id for i in a.desk.reminders.announce()] == [task.id]
    assert a.desk.sync.status().pending == 2  # the patient and the task; not the announcement
    a.sync()
    b.sync()
    assert [i.id for i in b.desk.reminders.announce()] == [task.id]  # B's user hears it too
    b.desk.followups.update(task.id, title="Call about the inhaler and the spacer")
    b.sync()
    a.sync()  # the edit arrives; A's announcement stays made
    assert a.desk.reminders.announce() == []
    assert b.desk.reminders.announce() == []


def test_a_record_added_then_changed_in_one_transaction_reaches_the_other_workstation(
    pair: tuple[Workstation, Workstation],
) -> None:
    """A service that adds a record, lets it be flushed (a query in between), then changes it
    in the same transaction: the change carries the record's time and author, as any change
    does, so the server takes it and the other workstation gets the final record."""
    from careDesk.model.patient import Patient

    a, b = pair
    with a.desk.writing() as tx:
        patient = tx.add(
            Patient(mrn="N-2", given_name="Ada", family_name="Reyes", birth_date=date(1950, 1, 1)),
            kind="patient",
        )
        tx.session.flush()  # as a query made before the change would
        patient.city = "Springfield"
        tx.touch(patient, kind="patient", patient_id=patient.id)
        pid, stamped = patient.id, patient.updated_at
    a.sync()
    b.sync()
    with b.desk.reading() as session:
        got = session.get(Patient, pid)
        assert got is not None
        assert (got.city, got.updated_at, got.version) == ("Springfield", stamped, 2)
