"""Typed change kinds: one name per record kind, the table's (issue 18)."""

from __future__ import annotations

import pytest
from sqlmodel import SQLModel

import careDesk.model  # noqa: F401  (registers every table)
from careDesk.changes import Changes, Kind, UnknownKind
from careDesk.desk import Desk
from careDesk.sync.tables import synced_names
from tests.careDesk.care.support_records import make_patient


def test_every_table_has_a_kind_and_every_kind_a_table() -> None:
    assert {k.value for k in Kind} == set(SQLModel.metadata.tables)


def test_sync_names_tables_with_the_same_kinds() -> None:
    """A pulled row announces the same kind as a typed edit of that record."""
    for name in synced_names():
        assert Kind.named(name).value == name


def test_a_misspelt_kind_is_refused_at_the_first_write() -> None:
    with pytest.raises(UnknownKind):
        Changes().add("care_team")
    with pytest.raises(UnknownKind):
        Changes().add("resource")


def test_a_typed_edit_announces_its_table_kind(desk: Desk) -> None:
    patient = make_patient(desk)
    note = desk.timeline.add_note(patient.id, summary="Ride booked")
    assert Kind.TIMELINE_ENTRY in note.changes.kinds
    assert note.changes.touches({Kind.TIMELINE_ENTRY}, patient.id)
    assert not note.changes.touches({Kind.CONDITION}, patient.id)


def test_audit_change_and_sync_share_one_name_per_record(desk: Desk) -> None:
    """A note is ``timeline_entry`` in the audit trail, the change notice and sync alike."""
    patient = make_patient(desk)
    note = desk.timeline.add_note(patient.id, summary="Ride booked")
    [event] = [e for e in desk.audit_events(patient_id=patient.id) if e.entity_id == note.value.id]
    assert event.entity == Kind.TIMELINE_ENTRY.value
    assert event.entity in note.changes.kinds
    assert event.entity in synced_names()


def test_a_write_names_its_patients_only_when_every_change_was_declared_with_one() -> None:
    saved = Changes()
    saved.add("condition", "c1", "p1")
    saved.add("follow_up", "f1", "p2")
    assert saved.patients_only() == {"p1", "p2"}

    with_a_setting = Changes()
    with_a_setting.add("condition", "c1", "p1")
    with_a_setting.add("setting", "risk.weights")  # moves every patient's score
    assert with_a_setting.patients_only() is None

    same_kind = Changes()
    same_kind.add("alert", "a1", "p1")
    same_kind.add("alert", "a2")  # whose, it does not say
    assert same_kind.patients_only() is None

    merged = Changes()
    merged.add("condition", "c1", "p1")
    merged.merge(with_a_setting)
    assert merged.patients_only() is None
    assert Changes().patients_only() is None  # nothing declared: a bulk write says nothing
