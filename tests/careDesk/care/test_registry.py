"""The patient registry: create, update, validation, MRN, enrollment, consent, story, family."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from careDesk.care.forms import PatientCreate
from careDesk.care.registry import PatientRead
from careDesk.changes import Changes
from careDesk.desk import Desk
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.patient import Patient

PASSWORD = "another long pass phrase"


def new_patient(desk: Desk, **fields: Any) -> PatientRead:
    values: dict[str, Any] = {
        "mrn": "MRN-1001",
        "given_name": "Rosa",
        "family_name": "Muñoz",
        "birth_date": date(1948, 5, 17),
    }
    return desk.patients.create(values | fields).value


def failure(call: Any, *args: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value


def test_create_returns_the_read_model_and_what_changed(desk: Desk) -> None:
    heard: list[Changes] = []
    desk.on_changed(heard.append)
    outcome = desk.patients.create(
        mrn=" MRN-1001 ",
        given_name="Rosa",
        family_name="Muñoz",
        birth_date="1948-05-17",
        phone="+1 (555) 010-2345",
        language="ES",
    )
    patient = outcome.value
    assert (patient.mrn, patient.name, patient.language) == ("MRN-1001", "Muñoz, Rosa", "es")
    assert patient.status == "candidate"
    assert patient.age == date.today().year - 1948 - (date.today() < date(date.today().year, 5, 17))
    assert outcome.changes.patient_ids == {patient.id}
    assert heard and patient.id in heard[0].patient_ids
    assert desk.patients.get(patient.id) == patient


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"given_name": "   "}, "given_name", "required"),
        ({"birth_date": date.today() + timedelta(days=1)}, "birth_date", "future"),
        ({"birth_date": "17/05/1948"}, "birth_date", "date"),
        ({"language": "klingon"}, "language", "language code"),
        ({"email": "rosa at example"}, "email", "e-mail"),
        ({"phone": "12"}, "phone", "at least 7 digits"),
        ({"phone": "call her daughter"}, "phone", "digits"),
        ({"sex": "robot"}, "sex", "choose one of"),
        ({"mrn": "has space"}, "mrn", "no spaces"),
        ({"preferred_channel": "email"}, "preferred_channel", "e-mail address"),
        ({"consent_sms": True}, "consent_sms", "phone number"),
        ({"status": "active"}, "consent_program", "consent"),
        ({"shoe_size": 9}, "shoe_size", "not a field"),
        ({"timezone": "Mars/Base"}, "timezone", "time zone"),
    ],
)
def test_invalid_input_names_the_field(
    desk: Desk, fields: dict[str, Any], field: str, reason: str
) -> None:
    error = failure(new_patient, desk, **fields)
    assert error.field == field
    assert reason in error.reason
    assert desk.patients.search("") == []  # nothing half-written


def test_messages_never_echo_patient_data(desk: Desk) -> None:
    error = failure(new_patient, desk, email="rosa.munoz-at-home")
    assert "rosa" not in str(error).lower()


def test_mrn_must_be_unique_even_against_removed_patients(desk: Desk) -> None:
    first = new_patient(desk)
    error = failure(new_patient, desk, given_name="Other")
    assert (error.field, error.reason) == ("mrn", "another patient already has this MRN")
    other = new_patient(desk, mrn="MRN-2002")
    assert failure(desk.patients.update, other.id, mrn="MRN-1001").field == "mrn"
    desk.patients.remove(first.id)
    assert "removed" in failure(new_patient, desk).reason


def test_update_changes_only_the_fields_given(desk: Desk) -> None:
    patient = new_patient(desk, email="rosa@example.org", city="Tucson")
    updated = desk.patients.update(patient.id, {"phone": "555-010-9999"}).value
    assert updated.email == "rosa@example.org" and updated.city == "Tucson"
    assert updated.phone == "555-010-9999" and updated.version == patient.version + 1
    assert failure(desk.patients.update, patient.id, family_name=None).field == "family_name"
    assert failure(desk.patients.update, patient.id, status="active").field == "status"
    unchanged = desk.patients.update(patient.id, city="Tucson")
    assert not unchanged.changes and unchanged.value.version == updated.version


def test_forms_can_be_passed_directly(desk: Desk) -> None:
    form = PatientCreate.parse(
        mrn="F-1", given_name="An", family_name="Lê", birth_date="1990-01-02"
    )
    assert desk.patients.create(form).value.family_name == "Lê"


def test_status_follows_the_enrollment_workflow(desk: Desk) -> None:
    patient = new_patient(desk)
    assert failure(desk.patients.set_status, patient.id, "active").field == "status"
    assert failure(desk.patients.enroll, patient.id).field == "consent_program"
    desk.patients.set_consent(patient.id, consent_program=True, consent_program_on="2026-01-05")
    enrolled = desk.patients.enroll(patient.id, on=date(2026, 1, 6)).value
    assert (enrolled.status, enrolled.enrolled_on) == ("enrolled", date(2026, 1, 6))
    assert desk.patients.set_status(patient.id, "active").value.status == "active"
    assert failure(desk.patients.set_status, patient.id, "candidate").field == "status"
    assert failure(desk.patients.set_status, patient.id, "on holiday").field == "status"
    done = desk.patients.set_status(patient.id, "transitioned").value
    assert done.status == "transitioned" and done.status_changed_at is not None
    assert failure(desk.patients.set_status, patient.id, "active").field == "status"


def test_a_candidate_may_decline(desk: Desk) -> None:
    patient = new_patient(desk)
    assert desk.patients.set_status(patient.id, "discharged").value.status == "discharged"


def test_consent_per_channel_and_program_consent_date(desk: Desk) -> None:
    patient = new_patient(desk)
    assert failure(desk.patients.set_consent, patient.id, consent_sms=True).field == "consent_sms"
    desk.patients.update(patient.id, phone="555 010 2345")
    given = desk.patients.set_consent(patient.id, consent_sms=True, consent_program=True).value
    assert given.consent_sms and given.consent_program
    assert given.consent_program_on == date.today()
    kept = desk.patients.set_consent(patient.id, consent_program=True).value
    assert kept.consent_program_on == date.today()
    future = date.today() + timedelta(days=3)
    error = failure(desk.patients.set_consent, patient.id, consent_program_on=future)
    assert error.field == "consent_program_on"
    withdrawn = desk.patients.set_consent(patient.id, consent_program=False).value
    assert not withdrawn.consent_program and withdrawn.consent_program_on is None
    assert failure(desk.patients.set_consent, patient.id, consent_email=None).field


def test_coordinator_must_be_an_active_user_who_may_edit(desk: Desk) -> None:
    patient = new_patient(desk)
    nurse = desk.users.add("nurse", PASSWORD, "coordinator", "Nurse Kim")
    reader = desk.users.add("reader", PASSWORD, "read-only")
    assigned = desk.patients.assign_coordinator(patient.id, nurse.id).value
    assert assigned.coordinator_name == "Nurse Kim"
    assert failure(desk.patients.assign_coordinator, patient.id, reader.id).field
    assert failure(desk.patients.assign_coordinator, patient.id, "nobody").field
    assert desk.patients.assign_coordinator(patient.id, None).value.coordinator_name is None


def test_story_fields(desk: Desk) -> None:
    patient = new_patient(desk)
    story = desk.patients.set_story(
        patient.id, what_matters="Dancing at my granddaughter's wedding", own_goals="Walk daily"
    ).value
    assert story.what_matters.startswith("Dancing") and story.own_goals == "Walk daily"
    assert desk.patients.set_story(patient.id, own_goals="").value.own_goals is None


def test_family_and_caregivers(desk: Desk) -> None:
    patient = new_patient(desk)
    son = desk.patients.add_family(patient.id, name="Luis Muñoz", relationship="son").value
    daughter = desk.patients.add_family(
        patient.id,
        name="Ana Muñoz",
        relationship="daughter",
        caregiver=True,
        may_be_told="everything",
        phone="555-010-7777",
    ).value
    assert [m.name for m in desk.patients.family(patient.id)] == ["Ana Muñoz", "Luis Muñoz"]
    changed = desk.patients.update_family(son.id, may_be_told="appointments").value
    assert changed.may_be_told == "appointments" and changed.version == 2
    assert failure(desk.patients.update_family, son.id, may_be_told="gossip").field == "may_be_told"
    assert failure(desk.patients.add_family, patient.id, name="X").field == "relationship"
    desk.patients.remove_family(daughter.id)
    assert [m.name for m in desk.patients.family(patient.id)] == ["Luis Muñoz"]
    with pytest.raises(NotFound):
        desk.patients.update_family(daughter.id, notes="gone")


def test_removed_patient_is_not_found(desk: Desk) -> None:
    patient = new_patient(desk)
    desk.patients.remove(patient.id)
    with pytest.raises(NotFound):
        desk.patients.get(patient.id)
    with pytest.raises(NotFound):
        desk.patients.update(patient.id, city="Tucson")


def test_every_change_is_audited_with_field_names_not_values(desk: Desk) -> None:
    patient = new_patient(desk)
    desk.patients.update(patient.id, city="Tucson", email="rosa@example.org")
    desk.patients.set_consent(patient.id, consent_program=True)
    desk.patients.enroll(patient.id)
    desk.patients.set_story(patient.id, lifestyle="Smokes")
    member = desk.patients.add_family(patient.id, name="Ana", relationship="daughter").value
    desk.patients.remove_family(member.id)
    events = list(reversed(desk.audit_events(patient_id=patient.id)))
    assert [e.action for e in events] == [
        "patient.create",
        "patient.update",
        "patient.consent",
        "patient.status",
        "patient.story",
        "family.add",
        "family.remove",
    ]
    assert json.loads(events[1].detail) == {"fields": ["city", "email"]}
    assert json.loads(events[3].detail) == {"from": "candidate", "to": "enrolled"}
    trail = " ".join(e.detail for e in events)
    for value in ("Tucson", "rosa@example.org", "Smokes", "Ana", "Muñoz"):
        assert value not in trail


def test_rules_apply_to_what_changes(desk: Desk) -> None:
    """A record that came in without consent (an import) can still have its phone edited."""
    imported = Patient(
        mrn="IMP-1", given_name="Ha", family_name="Vo", birth_date=date(1960, 1, 1), status="active"
    )
    with desk.writing() as tx:
        tx.add(imported, kind="patient", patient_id=imported.id)
    assert desk.patients.update(imported.id, phone="555 010 1234").value.phone == "555 010 1234"
    error = failure(desk.patients.update, imported.id, preferred_channel="email")
    assert error.field == "preferred_channel"


def test_names_of_many_patients_come_in_one_go_and_skip_removed_ones(desk: Desk) -> None:
    ids = [
        desk.patients.create(
            mrn=f"NM-{i:04d}", given_name="Ana", family_name=f"Lima{i}", birth_date=date(1950, 1, 2)
        ).value.id
        for i in range(620)  # more than one chunk of 500
    ]
    desk.patients.remove(ids[3])
    names = desk.patients.names([*ids, ids[0], "no-such-id"])
    assert len(names) == 619
    assert names[ids[0]] == "Lima0, Ana" and names[ids[619]] == "Lima619, Ana"
    assert ids[3] not in names and "no-such-id" not in names
