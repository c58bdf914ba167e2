"""Two workstations against a real clinic server: merge, conflicts, deletes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.model.sync import SyncOutbox
from tests.careDesk.sync.conftest import Workstation
from tests.pg_fixtures import dose_conflict


def reviews(session: Session) -> list[FollowUp]:
    return list(session.exec(select(FollowUp).where(FollowUp.kind == "sync_review")).all())


def patient_on(ws: Workstation, pid: str) -> Patient:
    with ws.desk.reading() as session:
        row = session.get(Patient, pid)
    assert row is not None
    return row


def new_patient(ws: Workstation, mrn: str = "S-1") -> str:
    return ws.desk.patients.create(
        mrn=mrn, given_name="Grace", family_name="Okafor", birth_date=date(1944, 9, 9)
    ).value.id


def test_an_edit_travels_to_the_other_workstation(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    assert a.desk.sync.status().pending == 1
    report = a.sync()
    assert report.pushed == 1 and a.desk.sync.status().pending == 0
    assert b.sync().pulled >= 1
    assert patient_on(b, pid).family_name == "Okafor"
    assert b.desk.patients.search("okafor")  # the search index follows pulled rows


def test_edits_on_different_fields_merge(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.sync()
    b.sync()
    a.desk.patients.update(pid, phone="555-0101")
    b.desk.patients.update(pid, city="Springfield")
    a.sync()
    report = b.sync()
    assert report.conflicts == 0
    a.sync()
    for ws in (a, b):
        row = patient_on(ws, pid)
        assert (row.phone, row.city) == ("555-0101", "Springfield")
    assert patient_on(a, pid).version == patient_on(b, pid).version


def test_same_clinical_field_makes_a_conflict_and_a_review_task(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    dose_conflict(a, b, pid)
    report = b.sync()
    assert report.conflicts == 1
    [conflict] = b.desk.sync.conflicts()
    assert (conflict.table, conflict.field, conflict.clinical) == ("medication", "dose", True)
    assert (conflict.mine, conflict.theirs) == ('"850 mg"', '"1000 mg"')
    with b.desk.reading() as session:
        tasks = reviews(session)
    assert [t.patient_id for t in tasks] == [pid]
    a.sync()  # the review task reaches the other desk too
    for ws in (a, b):
        assert ws.desk.clinical.medications(pid)[0].dose == "1000 mg"  # the server's value kept
    with a.desk.reading() as session:
        assert len(reviews(session)) == 1
    b.desk.sync.resolve(conflict.id)
    assert b.desk.sync.conflicts() == []


def test_delete_against_a_concurrent_edit_keeps_the_tombstone(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.sync()
    b.sync()
    b.desk.patients.update(pid, phone="555-0199")
    b.sync()
    a.desk.patients.remove(pid)  # a has not seen b's edit
    a.sync()
    b.sync()
    for ws in (a, b):
        row = patient_on(ws, pid)
        assert row.deleted_at is not None
        assert row.phone == "555-0199"  # the edit is kept in the tombstoned row
    kinds = {c.kind for c in a.desk.sync.conflicts()}
    assert kinds == {"delete_edit"}


def test_an_edit_after_a_delete_is_recorded_not_applied(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.sync()
    b.sync()
    a.desk.patients.remove(pid)
    b.desk.patients.update(pid, phone="555-0123")
    a.sync()
    b.sync()
    assert patient_on(b, pid).deleted_at is not None
    assert [c.kind for c in b.desk.sync.conflicts()] == ["edit_deleted"]


def test_capture_is_in_the_same_transaction(pair: Any) -> None:
    a, _ = pair
    pid = new_patient(a)
    with a.desk.reading() as session:
        [entry] = session.exec(select(SyncOutbox)).all()
    assert (entry.table_name, entry.row_id, entry.op) == ("patient", pid, "insert")
    try:
        with a.desk.writing() as tx:
            row = tx.session.get(Patient, pid)
            assert row is not None
            row.city = "Shelbyville"
            tx.touch(row, kind="patient", patient_id=pid)
            tx.session.flush()
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    assert a.desk.sync.status().pending == 1  # the rolled-back edit left no outbox entry


def test_one_mrn_registered_on_two_workstations_apart_keeps_both_for_review(pair: Any) -> None:
    a, b = pair
    a.net.up = b.net.up = False  # both apart: each registers "the same" new patient
    first = new_patient(a, mrn="DUP-1")
    second = b.desk.patients.create(
        mrn="DUP-1", given_name="Grace", family_name="Okafor-Bell", birth_date=date(1944, 9, 9)
    ).value.id
    a.net.up = b.net.up = True
    a.sync()
    report = b.sync()
    assert report.conflicts == 1
    a.sync()
    for ws in (a, b):  # nobody's sync stops on the shared MRN; both records are everywhere
        assert {patient_on(ws, first).mrn, patient_on(ws, second).mrn} == {"DUP-1"}
        assert ws.desk.sync.status().pending == 0
    (conflict,) = b.desk.sync.conflicts()
    assert (conflict.kind, conflict.field, conflict.row_id) == ("duplicate", "mrn", second)
    with a.desk.reading() as session:  # the review task reached the other workstation too
        (task,) = reviews(session)
    assert task.patient_id == second and "same MRN" in task.title
    # Correcting the slip on one workstation travels as usual.
    b.desk.patients.update(second, mrn="DUP-2")
    b.sync()
    a.sync()
    assert patient_on(a, second).mrn == "DUP-2"


def test_a_handout_choice_made_on_two_workstations_apart_is_one_row(pair: Any) -> None:
    """Rows unique by their patient get the same id everywhere, so they merge, not collide."""
    a, b = pair
    pid = new_patient(a)
    a.sync()
    b.sync()
    a.desk.handouts.remember(pid, language="es", large_print=None)
    b.desk.handouts.remember(pid, language=None, large_print=True)
    a.sync()
    b.sync()
    a.sync()
    for ws in (a, b):
        choice = ws.desk.handouts.choice(pid)
        assert ws.desk.sync.status().pending == 0
        assert choice.language == "es"  # the first to reach the server keeps its row


def test_a_phone_changed_on_both_is_one_conflict_and_its_digits_follow(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.sync()
    b.sync()
    a.desk.patients.update(pid, phone="(555) 010-1111")
    b.desk.patients.update(pid, phone="(555) 010-2222")
    a.sync()
    assert b.sync().conflicts == 1  # not a second one for the search digits
    [conflict] = b.desk.sync.conflicts()
    assert conflict.field == "phone"
    row = patient_on(b, pid)
    assert (row.phone, row.phone_digits) == ("(555) 010-1111", "5550101111")
