"""A read-only user is refused every change by the core, but may read and open charts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied
from careDesk.model.patient import FamilyMember, Patient
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock

READER_PASSWORD = "reading is my only job"


@pytest.fixture
def reader(desk: Desk, vault_paths: VaultPaths) -> Iterator[tuple[Desk, dict[str, str]]]:
    """A read-only user's desk on a vault holding one patient with one of each entry."""
    pid = desk.patients.create(
        mrn="R-1", given_name="Minh", family_name="Trần", birth_date=date(1955, 2, 3)
    ).value.id
    when = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    ids = {
        "patient": pid,
        "family": desk.patients.add_family(pid, name="Lan", relationship="wife").value.id,
        "condition": desk.clinical.add_condition(pid, display="Heart failure").value.id,
        "medication": desk.clinical.add_medication(pid, name="Furosemide 40 mg").value.id,
        "allergy": desk.clinical.add_allergy(pid, substance="Penicillin").value.id,
        "encounter": desk.clinical.add_encounter(pid, kind="emergency", start=when).value.id,
        "observation": desk.clinical.add_observation(
            pid, display="Weight", value=81.2, unit="kg", effective=when
        ).value.id,
    }
    desk.users.add("reader", READER_PASSWORD, role="read-only")
    desk.close()
    reading = unlock(vault_paths, "reader", READER_PASSWORD)
    yield reading, ids
    reading.close()


def _changes(desk: Desk, ids: dict[str, str]) -> list[Callable[[], Any]]:
    p, c = desk.patients, desk.clinical
    pid = ids["patient"]
    when = datetime(2026, 1, 3, tzinfo=UTC)
    return [
        lambda: p.create(mrn="R-2", given_name="A", family_name="B", birth_date="1950-01-01"),
        lambda: p.update(pid, city="Hue"),
        lambda: p.remove(pid),
        lambda: p.set_status(pid, "discharged"),
        lambda: p.enroll(pid),
        lambda: p.set_consent(pid, consent_program=True),
        lambda: p.assign_coordinator(pid, None),
        lambda: p.set_story(pid, own_goals="x"),
        lambda: p.add_family(pid, name="X", relationship="son"),
        lambda: p.update_family(ids["family"], caregiver=True),
        lambda: p.remove_family(ids["family"]),
        lambda: c.add_condition(pid, display="x"),
        lambda: c.update_condition(ids["condition"], status="resolved"),
        lambda: c.remove_condition(ids["condition"]),
        lambda: c.add_medication(pid, name="x"),
        lambda: c.update_medication(ids["medication"], dose="20 mg"),
        lambda: c.stop_medication(ids["medication"]),
        lambda: c.remove_medication(ids["medication"]),
        lambda: c.add_allergy(pid, substance="x"),
        lambda: c.update_allergy(ids["allergy"], severity="severe"),
        lambda: c.remove_allergy(ids["allergy"]),
        lambda: c.add_encounter(pid, kind="emergency", start=when),
        lambda: c.update_encounter(ids["encounter"], facility="x"),
        lambda: c.remove_encounter(ids["encounter"]),
        lambda: c.add_observation(pid, display="x", value=1, effective=when),
        lambda: c.update_observation(ids["observation"], value=2),
        lambda: c.remove_observation(ids["observation"]),
    ]


def test_read_only_user_is_refused_every_change(reader: tuple[Desk, dict[str, str]]) -> None:
    desk, ids = reader
    before = desk.audit_events(patient_id=ids["patient"])
    for change in _changes(desk, ids):
        with pytest.raises(PermissionDenied):
            change()
    with desk.reading() as session:
        patient = session.get(Patient, ids["patient"])
        member = session.get(FamilyMember, ids["family"])
    assert patient is not None and patient.version == 1 and patient.deleted_at is None
    assert member is not None and member.version == 1
    assert desk.audit_events(patient_id=ids["patient"]) == before


def test_read_only_user_may_read_and_the_chart_open_is_audited(
    reader: tuple[Desk, dict[str, str]],
) -> None:
    desk, ids = reader
    assert [row.mrn for row in desk.patients.search("tran")] == ["R-1"]
    assert desk.clinical.conditions(ids["patient"])[0].display == "Heart failure"
    chart = desk.patients.chart(ids["patient"])
    assert chart.patient.family_name == "Trần"
    latest = desk.audit_events(patient_id=ids["patient"], limit=1)[0]
    assert (latest.action, latest.user_login) == ("chart.open", "reader")
