"""Community resource directory and resource referrals."""

from __future__ import annotations

import pytest

from careDesk.desk import Desk
from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


@pytest.fixture
def directory(desk: Desk) -> dict[str, str]:
    made = {
        "pantry": desk.resources.add(
            name="Eastside Food Pantry",
            category="food",
            languages="en, es",
            hours="Tue/Thu 9-12",
            eligibility="Anyone in the county",
        ),
        "rides": desk.resources.add(
            name="Medi-Ride",
            category="transportation",
            languages="en",
            notes="Free rides to medical appointments",
        ),
        "housing": desk.resources.add(
            name="Ayuda de Vivienda",
            category="housing",
            languages="es,vi",
            notes="Asistencia con el crédito para la renta",
        ),
    }
    return {key: outcome.value.id for key, outcome in made.items()}


def test_search_by_text_category_and_language(desk: Desk, directory: dict[str, str]) -> None:
    def names(**kw: str) -> list[str]:
        return [r.name for r in desk.resources.search(**kw)]

    assert names(text="food") == ["Eastside Food Pantry"]
    assert names(text="medical rides") == ["Medi-Ride"]
    assert names(text="credito") == ["Ayuda de Vivienda"]  # accents ignored
    assert names(category="housing") == ["Ayuda de Vivienda"]
    assert names(language="es") == ["Ayuda de Vivienda", "Eastside Food Pantry"]
    assert names(language="vi", category="food") == []


def test_update_remove_and_validation(desk: Desk, directory: dict[str, str]) -> None:
    desk.resources.update(directory["rides"], phone="555 123 4567", languages="en,ES")
    assert desk.resources.search(language="es", text="ride")[0].phone == "555 123 4567"
    desk.resources.remove(directory["rides"])
    assert desk.resources.search(text="ride") == []
    cases = [
        ({"name": "X", "category": "spa"}, "category"),
        ({"name": "X", "category": "food", "languages": "English!"}, "languages"),
        ({"name": "", "category": "food"}, "name"),
        ({"name": "X", "category": "food", "website": "w" * 400}, "website"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            desk.resources.add(**fields)
        assert caught.value.field == field


def test_resource_referral_states(desk: Desk, patient: Patient, directory: dict[str, str]) -> None:
    made = desk.resources.refer(patient.id, directory["pantry"], need="food").value
    assert (made.state, made.resource_name) == ("referred", "Eastside Food Pantry")
    connected = desk.resources.set_state(made.id, "connected", outcome="Picked up first box")
    assert connected.value.outcome == "Picked up first box"
    desk.resources.set_state(made.id, "closed")
    with pytest.raises(ValidationFailed) as caught:
        desk.resources.set_state(made.id, "connected")
    assert caught.value.field == "state"
    assert audit_details(desk, patient.id, "resource_referral.update")[-1] == {
        "fields": ["outcome", "state"]
    }
    declined = desk.resources.refer(patient.id, directory["rides"], need="transportation")
    desk.resources.set_state(declined.value.id, "declined", outcome="Has a neighbour")
    assert [(r.need, r.state) for r in desk.resources.for_patient(patient.id)] == [
        ("transportation", "declined"),
        ("food", "closed"),
    ]
    desk.resources.remove_referral(declined.value.id)
    assert len(desk.resources.for_patient(patient.id)) == 1


def test_referral_validation(desk: Desk, patient: Patient, directory: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        desk.resources.refer(patient.id, directory["pantry"], need="snacks")
    assert caught.value.field == "need"
    with pytest.raises(NotFound):
        desk.resources.refer(patient.id, "no-such-resource", need="food")
    assert desk.resources.for_patient(patient.id) == []


def test_read_only_user_is_refused(desk: Desk, patient: Patient, directory: dict[str, str]) -> None:
    with read_only_desk(desk) as reader:
        assert len(reader.resources.search()) == 3
        with pytest.raises(PermissionDenied):
            reader.resources.add(name="X", category="food")
        with pytest.raises(PermissionDenied):
            reader.resources.refer(patient.id, directory["pantry"], need="food")
