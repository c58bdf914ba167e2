"""The clinical record: conditions, medications, allergies, encounters, observations."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from careDesk.care.clinical import length_of_stay
from careDesk.desk import Desk
from careDesk.errors import NotFound, ValidationFailed

ADMITTED = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)


@pytest.fixture
def pid(desk: Desk) -> str:
    return desk.patients.create(
        mrn="C-1", given_name="Grace", family_name="Okafor", birth_date=date(1944, 9, 9)
    ).value.id


def failure(call: Any, *args: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value


def test_conditions_with_codes(desk: Desk, pid: str) -> None:
    added = desk.clinical.add_condition(
        pid, display="Type 2 diabetes", icd10="e119", snomed="44054006", onset="2015-04-01"
    )
    condition = added.value
    assert (condition.icd10, condition.chronic, condition.status) == ("E11.9", True, "active")
    assert added.changes.kinds == {"condition"} and added.changes.patient_ids == {pid}
    assert failure(desk.clinical.add_condition, pid, display="x", icd10="diabetes").field == "icd10"
    assert failure(desk.clinical.add_condition, pid, display="x", snomed="12").field == "snomed"
    error = failure(desk.clinical.update_condition, condition.id, abated="2010-01-01")
    assert error.field == "abated"
    resolved = desk.clinical.update_condition(condition.id, status="resolved").value
    assert resolved.status == "resolved" and resolved.version == 2
    desk.clinical.remove_condition(condition.id)
    assert desk.clinical.conditions(pid) == []


def test_medication_timing_is_structured(desk: Desk, pid: str) -> None:
    med = desk.clinical.add_medication(
        pid,
        name="Metformin 500 mg tablet",
        ingredient="Metformin",
        dose="500 mg",
        dose_amount=500,
        dose_unit="mg",
        route="by mouth",
        purpose="for blood sugar",
        prescriber="Dr. Adeyemi",
        start_date="2024-02-01",
        slots="bedtime, Morning",
    ).value
    assert (med.slots, med.times_per_day, med.ingredient) == ("morning,bedtime", 2, "metformin")
    assert med.status == "active"
    prn = desk.clinical.add_medication(
        pid,
        name="Albuterol inhaler",
        as_needed=True,
        as_needed_for="shortness of breath",
        every_hours=4,
        slots=[],
    ).value
    assert prn.as_needed and prn.every_hours == 4 and prn.slots == ""
    names = [m.name for m in desk.clinical.medications(pid)]
    assert names == ["Albuterol inhaler", "Metformin 500 mg tablet"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slots": "lunchtime"}, "slots"),
        ({"slots": "morning", "every_hours": 8}, "every_hours"),
        ({"slots": "morning,evening", "times_per_day": 3}, "times_per_day"),
        ({"every_hours": 0}, "every_hours"),
        ({"as_needed_for": "pain"}, "as_needed_for"),
        ({"dose_amount": -5}, "dose_amount"),
        ({"start_date": "2026-02-01", "stop_date": "2026-01-01"}, "stop_date"),
        ({"name": ""}, "name"),
    ],
)
def test_medication_validation_names_the_field(
    desk: Desk, pid: str, fields: dict[str, Any], field: str
) -> None:
    assert (
        failure(desk.clinical.add_medication, pid, **({"name": "Lisinopril"} | fields)).field
        == field
    )
    assert desk.clinical.medications(pid) == []


def test_stopping_a_medication_keeps_it(desk: Desk, pid: str) -> None:
    med = desk.clinical.add_medication(pid, name="Lisinopril 10 mg", slots="morning").value
    stopped = desk.clinical.stop_medication(med.id).value
    assert (stopped.status, stopped.stop_date) == ("stopped", date.today())
    assert desk.clinical.medications(pid, active_only=True) == []
    assert [m.id for m in desk.clinical.medications(pid)] == [med.id]
    past = desk.clinical.add_medication(pid, name="Old drug", stop_date="2020-01-01").value
    assert past.status == "stopped"
    restarted = desk.clinical.update_medication(
        past.id, stop_date=date.today() + timedelta(days=10)
    ).value
    assert restarted.status == "active"
    actions = [e.action for e in desk.audit_events(patient_id=pid)]
    assert "medication.stop" in actions


def test_allergies(desk: Desk, pid: str) -> None:
    allergy = desk.clinical.add_allergy(pid, substance="Sulfa", reaction="rash").value
    assert failure(desk.clinical.update_allergy, allergy.id, severity="awful").field == "severity"
    assert desk.clinical.update_allergy(allergy.id, severity="severe").value.severity == "severe"
    desk.clinical.remove_allergy(allergy.id)
    assert desk.clinical.allergies(pid) == []
    with pytest.raises(NotFound):
        desk.clinical.remove_allergy(allergy.id)


def test_admissions_have_a_length_of_stay(desk: Desk, pid: str) -> None:
    stay = desk.clinical.add_encounter(
        pid,
        kind="admission",
        start=ADMITTED,
        end=datetime(2026, 3, 5, 10, 0, tzinfo=UTC),  # calendar days: 1 → 5 March
        acute=True,
        facility="St. Mary's",
    ).value
    assert stay.acute and length_of_stay(stay) == 4
    ed = desk.clinical.add_encounter(pid, kind="emergency", start="2026-04-02T08:00:00-07:00").value
    assert ed.start == datetime(2026, 4, 2, 15, 0, tzinfo=UTC)
    assert length_of_stay(ed) is None
    open_stay = desk.clinical.add_encounter(pid, kind="admission", start=ADMITTED).value
    closed = desk.clinical.update_encounter(open_stay.id, end=ADMITTED + timedelta(hours=20))
    assert length_of_stay(closed.value) == 1
    assert [e.kind for e in desk.clinical.encounters(pid, kind="emergency")] == ["emergency"]
    assert len(desk.clinical.encounters(pid)) == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "spa"}, "kind"),
        ({"start": datetime(2026, 3, 1, 9, 0)}, "start"),  # no time zone
        ({"start": datetime.now(UTC) + timedelta(days=2)}, "start"),
        ({"end": ADMITTED - timedelta(days=1)}, "end"),
    ],
)
def test_encounter_validation_names_the_field(
    desk: Desk, pid: str, fields: dict[str, Any], field: str
) -> None:
    values = {"kind": "admission", "start": ADMITTED} | fields
    assert failure(desk.clinical.add_encounter, pid, **values).field == field


def test_observations(desk: Desk, pid: str) -> None:
    a1c = desk.clinical.add_observation(
        pid, loinc="4548-4", display="Hemoglobin A1c", value=8.1, unit="%", effective=ADMITTED
    ).value
    desk.clinical.add_observation(
        pid,
        loinc="8480-6",
        display="Systolic BP",
        value=148,
        unit="mm[Hg]",
        effective=ADMITTED + timedelta(days=1),
    )
    assert [o.display for o in desk.clinical.observations(pid)] == ["Systolic BP", "Hemoglobin A1c"]
    assert [o.id for o in desk.clinical.observations(pid, loinc="4548-4")] == [a1c.id]
    assert (
        failure(desk.clinical.add_observation, pid, display="x", effective=ADMITTED).field
        == "value"
    )
    error = failure(
        desk.clinical.add_observation, pid, loinc="A1C", display="x", value=1, effective=ADMITTED
    )
    assert error.field == "loinc"
    assert desk.clinical.update_observation(a1c.id, value=7.4).value.value == 7.4


def test_entries_need_a_live_patient(desk: Desk, pid: str) -> None:
    desk.patients.remove(pid)
    with pytest.raises(NotFound):
        desk.clinical.add_condition(pid, display="Asthma")
    with pytest.raises(NotFound):
        desk.clinical.conditions(pid)


def test_clinical_changes_are_audited_without_values(desk: Desk, pid: str) -> None:
    condition = desk.clinical.add_condition(pid, display="Chronic kidney disease").value
    desk.clinical.update_condition(condition.id, icd10="N18.3", status="active")
    desk.clinical.remove_condition(condition.id)
    events = list(reversed(desk.audit_events(patient_id=pid)))[1:]
    assert [e.action for e in events] == ["condition.add", "condition.update", "condition.remove"]
    assert json.loads(events[1].detail) == {"fields": ["icd10"]}
    assert all("kidney" not in e.detail.lower() and "N18" not in e.detail for e in events)
