"""Care team: organizations, providers, members with one lead per patient."""

from __future__ import annotations

import pytest

from careDesk.desk import Desk
from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def test_provider_member_takes_details_from_the_directory(desk: Desk, patient: Patient) -> None:
    clinic = desk.team.add_organization(name="Riverside Heart Clinic", kind="clinic").value
    cardio = desk.team.add_provider(
        name="Dr. Amal Haddad",
        specialty="Cardiology",
        organization_id=clinic.id,
        phone="(555) 201-3344",
        email="haddad@riverside.example",
    ).value
    member = desk.team.add_member(patient.id, provider_id=cardio.id, role="cardiology").value
    assert (member.name, member.phone, member.email) == (
        "Dr. Amal Haddad",
        "(555) 201-3344",
        "haddad@riverside.example",
    )
    assert [p.name for p in desk.team.providers("haddad")] == ["Dr. Amal Haddad"]
    assert desk.team.providers(specialty="cardiology")[0].id == cardio.id
    assert desk.team.organizations("river")[0].id == clinic.id


def test_user_and_named_members_and_one_lead(desk: Desk, patient: Patient) -> None:
    me = desk.team.add_member(
        patient.id, user_id=desk.user.id, role="care coordinator", lead=True
    ).value
    assert me.name == "Clinic Admin" and me.lead
    neighbour = desk.team.add_member(
        patient.id, name="Rosa (neighbour)", role="caregiver", phone="555 0101"
    ).value
    desk.team.update_member(neighbour.id, lead=True)
    team = desk.team.members(patient.id)
    assert [(m.name, m.lead) for m in team] == [
        ("Rosa (neighbour)", True),
        ("Clinic Admin", False),
    ]


def test_validation_names_the_field(desk: Desk, patient: Patient) -> None:
    cases = [
        (lambda: desk.team.add_member(patient.id, role="caregiver"), "name"),
        (lambda: desk.team.add_member(patient.id, name="Bo", role=""), "role"),
        (lambda: desk.team.add_provider(name="Dr. X", email="not-an-address"), "email"),
        (lambda: desk.team.add_organization(name="Y", phone="call me"), "phone"),
        (lambda: desk.team.add_organization(kind="clinic"), "name"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.field == field
    with pytest.raises(NotFound):
        desk.team.add_member(patient.id, provider_id="missing", role="x")
    assert desk.team.members(patient.id) == []


def test_removed_are_hidden_and_changes_audited(desk: Desk, patient: Patient) -> None:
    member = desk.team.add_member(patient.id, name="Dr. Lee", role="primary care").value
    desk.team.update_member(member.id, phone="555 2222", role="PCP")
    assert audit_details(desk, patient.id, "care_team.update") == [{"fields": ["phone", "role"]}]
    desk.team.remove_member(member.id)
    assert desk.team.members(patient.id) == []
    provider = desk.team.add_provider(name="Dr. Gone").value
    desk.team.remove_provider(provider.id)
    assert desk.team.providers() == []


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    desk.team.add_member(patient.id, name="Dr. Lee", role="primary care")
    with read_only_desk(desk) as reader:
        assert len(reader.team.members(patient.id)) == 1
        with pytest.raises(PermissionDenied):
            reader.team.add_member(patient.id, name="Someone", role="x")
        with pytest.raises(PermissionDenied):
            reader.team.add_provider(name="Dr. New")
