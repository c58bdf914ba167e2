"""FHIR export: every resource validates as R4B, and import(export(patient)) gives it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.errors import CareDeskError
from careDesk.model.assessment import ScreenerResult
from careDesk.model.clinical import Allergy, Condition, Encounter, Medication, Observation
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.plan import CarePlan, Goal
from careDesk.model.schedule import Appointment
from careDesk.model.team import CareTeamMember
from tests.careDesk.interop.records import rich_patient

SUPPORTED: dict[Any, list[str]] = {
    Patient: ["mrn", "given_name", "family_name", "preferred_name", "birth_date", "sex",
              "language", "interpreter_needed", "phone", "phone_digits", "email", "address_line",
              "city", "state", "postal_code", "deceased_on"],
    FamilyMember: ["name", "relationship", "caregiver", "emergency_contact",
                   "legal_representative", "phone", "email", "may_be_told"],
    Condition: ["display", "icd10", "snomed", "onset", "abated", "status", "chronic"],
    Medication: ["name", "ingredient", "dose", "dose_amount", "dose_unit", "route", "purpose",
                 "prescriber", "start_date", "stop_date", "status", "slots", "times_per_day",
                 "every_hours", "as_needed", "as_needed_for", "instructions"],
    Allergy: ["substance", "reaction", "severity", "status"],
    Encounter: ["kind", "start", "end", "acute", "facility", "reason", "discharge_disposition"],
    Observation: ["loinc", "display", "value", "value_text", "unit", "effective"],
    ScreenerResult: ["instrument", "loinc", "answers", "total", "band", "positive",
                     "positive_domains", "taken_at"],
    CarePlan: ["title", "status", "review_date", "language"],
    Goal: ["description", "patient_words", "measure", "target", "due_date", "status",
           "achieved_on"],
    Appointment: ["starts_at", "ends_at", "with_whom", "purpose", "place", "address",
                  "telehealth_url", "transport_needed", "transport_note", "status"],
    CareTeamMember: ["name", "role", "phone", "email", "lead"],
}  # fmt: skip


def _record(desk: Desk, pid: str) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with desk.reading() as session:
        for model, fields in SUPPORTED.items():
            key = col(model.id) if model is Patient else col(model.patient_id)
            rows = session.exec(select(model).where(key == pid)).all()
            out[model.__name__] = sorted(
                (tuple(getattr(r, f) for f in fields) for r in rows), key=repr
            )
    return out


def test_every_exported_resource_validates_as_r4b(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    out = desk.interop.export_fhir(pid, tmp_path / "export.json")
    bundle = json.loads(out.read_text(encoding="utf-8"))
    Bundle.model_validate(bundle)
    kinds = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        kinds.add(resource["resourceType"])
    assert kinds >= {
        "Patient", "RelatedPerson", "Condition", "MedicationStatement", "AllergyIntolerance",
        "Encounter", "Observation", "QuestionnaireResponse", "CarePlan", "Goal", "CareTeam",
        "Practitioner", "Task", "Appointment", "ServiceRequest",
    }  # fmt: skip
    phq9 = next(e["resource"] for e in bundle["entry"] if e["resource"].get("valueInteger") == 12)
    assert phq9["code"]["coding"][0] == {"system": "http://loinc.org", "code": "44261-6"}
    event = desk.audit_events(patient_id=pid, action="export.fhir")[0]
    assert json.loads(event.detail)["resources"] == len(bundle["entry"])


def test_import_of_export_gives_back_the_same_record(
    desk: Desk, other_desk: Desk, tmp_path: Path
) -> None:
    pid = rich_patient(desk)
    out = desk.interop.export_fhir(pid, tmp_path / "export.json")
    report = other_desk.interop.import_file(out)
    assert report.accepted, report.line()
    # The PHQ-9 answers are read item by item; the social-needs answers are kept as a screen.
    assert report.skipped == {"Task": 1, "ServiceRequest": 1, "QuestionnaireResponse": 1}
    copied = report.patient_ids[0]
    original, received = _record(desk, pid), _record(other_desk, copied)
    for kind in SUPPORTED:
        assert received[kind.__name__] == original[kind.__name__], kind.__name__
    again = other_desk.interop.import_file(out)
    assert again.accepted and not again.created and not again.updated
    # Re-importing its own export into the first vault updates nothing and adds nothing.
    back = desk.interop.import_file(out)
    assert back.accepted and not back.created and not back.updated, back.line()


def test_failed_export_leaves_no_file_and_no_export_event(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    out = tmp_path / "out"
    taken = out / "export.json"
    taken.mkdir(parents=True)  # the target is a folder: the rename into place fails
    with pytest.raises(CareDeskError, match="cannot write"):
        desk.interop.export_fhir(pid, taken)
    assert [p.name for p in out.iterdir()] == ["export.json"]
    assert not list(taken.iterdir())
    assert desk.audit_events(patient_id=pid, action="export.fhir") == []


def test_a_provider_in_two_team_roles_is_one_practitioner(desk: Desk, tmp_path: Path) -> None:
    from careDesk.model.team import Provider

    pid = rich_patient(desk)
    with desk.writing() as tx:
        lee = tx.add(Provider(name="Dr. Lee", specialty="primary care"), kind="provider")
    with desk.writing() as tx:  # the provider row first: inserts are not ordered by key
        for role in ("primary care", "diabetes care"):
            tx.add(
                CareTeamMember(patient_id=pid, provider_id=lee.id, name="Dr. Lee", role=role),
                kind="care_team_member",
                patient_id=pid,
            )
    bundle = json.loads(desk.interop.export_fhir(pid, tmp_path / "e.json").read_text("utf-8"))
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(urls) == len(set(urls))  # no resource twice
    practitioners = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"]
    assert len([p for p in practitioners if p["resource"]["id"] == lee.id]) == 1
