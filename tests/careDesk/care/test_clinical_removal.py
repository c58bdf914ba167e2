"""Correcting the clinical record: taking an entry off the list for an audited reason, and a
corrected written dose that every reader then sees."""

from __future__ import annotations

import json
from datetime import date

import pytest

from careDesk.care.medicine_units import quantity
from careDesk.care.medicines import dose_of
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed


@pytest.fixture
def pid(desk: Desk) -> str:
    return desk.patients.create(
        mrn="RM-1", given_name="Lena", family_name="Berg", birth_date=date(1948, 5, 6)
    ).value.id


def _detail(desk: Desk, pid: str, action: str) -> dict[str, object]:
    [event] = desk.audit_events(patient_id=pid, action=action)
    detail: dict[str, object] = json.loads(event.detail)
    return detail


def test_a_medicine_entered_in_error_is_deleted_with_the_reason_audited(
    desk: Desk, pid: str
) -> None:
    med = desk.clinical.add_medication(pid, name="Warfarin", dose="5 mg").value
    desk.clinical.remove_medication(med.id, reason="entered_in_error")
    assert desk.clinical.medications(pid) == []
    assert _detail(desk, pid, "medication.remove") == {"reason": "entered_in_error"}


def test_a_medicine_no_longer_taken_is_stopped_and_kept_in_the_history(
    desk: Desk, pid: str
) -> None:
    med = desk.clinical.add_medication(pid, name="Lisinopril", dose="10 mg").value
    desk.clinical.remove_medication(med.id, reason="no_longer_taking")
    [kept] = desk.clinical.medications(pid)
    assert (kept.status, kept.stop_date) == ("stopped", date.today())
    assert desk.clinical.medications(pid, active_only=True) == []
    detail = _detail(desk, pid, "medication.stop")
    assert detail == {"reason": "no_longer_taking", "fields": ["status", "stop_date"]}
    with pytest.raises(ValidationFailed) as again:  # already stopped: said, nothing written
        desk.clinical.remove_medication(med.id, reason="no_longer_taking")
    assert again.value.field == "reason"


def test_a_resolved_condition_or_allergy_is_kept_as_resolved(desk: Desk, pid: str) -> None:
    condition = desk.clinical.add_condition(pid, display="Pneumonia", chronic=False).value
    allergy = desk.clinical.add_allergy(pid, substance="Latex").value
    desk.clinical.remove_condition(condition.id, reason="resolved")
    desk.clinical.remove_allergy(allergy.id, reason="resolved")
    [kept] = desk.clinical.conditions(pid)
    assert (kept.status, kept.abated) == ("resolved", date.today())
    assert desk.clinical.allergies(pid)[0].status == "resolved"
    assert _detail(desk, pid, "condition.resolve")["reason"] == "resolved"
    assert _detail(desk, pid, "allergy.resolve") == {"reason": "resolved", "fields": ["status"]}


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("allergy", "no_longer_taking"), ("medication", "resolved"), ("condition", "gone")],
)
def test_a_reason_that_does_not_fit_is_refused_and_nothing_changes(
    desk: Desk, pid: str, kind: str, reason: str
) -> None:
    added = {
        "allergy": lambda: desk.clinical.add_allergy(pid, substance="Penicillin").value,
        "medication": lambda: desk.clinical.add_medication(pid, name="Aspirin").value,
        "condition": lambda: desk.clinical.add_condition(pid, display="Gout").value,
    }[kind]()
    remove = getattr(desk.clinical, f"remove_{kind}")
    with pytest.raises(ValidationFailed) as caught:
        remove(added.id, reason=reason)
    assert caught.value.field == "reason"
    listed = getattr(desk.clinical, {"allergy": "allergies"}.get(kind, f"{kind}s"))(pid)
    assert [row.id for row in listed] == [added.id] and listed[0].version == 1
    assert not desk.audit_events(patient_id=pid, action=f"{kind}.remove")


def test_a_corrected_written_dose_is_the_dose_every_reader_sees(desk: Desk, pid: str) -> None:
    """The coordination safeguards read the structured dose first (``dose_of``): correcting
    only the written dose must not leave the old amount behind for them."""
    med = desk.clinical.add_medication(
        pid, name="Metformin", dose="500 mg", dose_amount=500, dose_unit="mg"
    ).value
    fixed = desk.clinical.update_medication(med.id, dose="1000 mg").value
    assert (fixed.dose, fixed.dose_amount, fixed.dose_unit) == ("1000 mg", None, None)
    assert dose_of(fixed) == quantity(1000, "mg")
    both = desk.clinical.update_medication(med.id, dose="850 mg", dose_amount=850, dose_unit="mg")
    assert dose_of(both.value) == quantity(850, "mg")
    first = desk.audit_events(patient_id=pid, action="medication.update")[-1]
    assert json.loads(first.detail)["fields"] == ["dose", "dose_amount", "dose_unit"]  # audited
