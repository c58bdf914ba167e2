"""FHIR import: the Synthea samples, re-import, atomic rejection, unknown types, ndjson."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied
from careDesk.model.clinical import Condition, Encounter, Medication, Observation
from careDesk.model.patient import Patient
from careDesk.model.plan import Goal
from careDesk.model.team import CareTeamMember
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.careDesk.interop.conftest import ALEJANDRO, SYNTHEA
from tests.conftest import PASSWORD


def _count(desk: Desk, model: Any) -> int:
    with desk.reading() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _resources(files: list[Path]) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in files:
        for entry in json.loads(path.read_text(encoding="utf-8"))["entry"]:
            found[entry["resource"]["resourceType"]] += 1
    return found


def test_all_synthea_samples_import_once_and_count_in_risk(desk: Desk, synthea: list[Path]) -> None:
    started = time.perf_counter()
    reports = desk.interop.import_paths([SYNTHEA])
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"importing the 20 samples took {elapsed:.1f} s"
    assert [r.file for r in reports] == [p.name for p in synthea]
    assert all(r.accepted for r in reports), [r.line() for r in reports if not r.accepted]
    expected = _resources(synthea)
    assert _count(desk, Patient) == expected["Patient"] == 20
    assert _count(desk, Condition) == expected["Condition"]
    assert _count(desk, Encounter) == expected["Encounter"]
    assert _count(desk, Medication) == expected["MedicationRequest"]
    assert sum(r.skipped["Claim"] for r in reports) == expected["Claim"]
    # Chronic conditions count in the risk engine, refreshed by the before-commit hook.
    with desk.reading() as session:
        dementia = session.exec(select(Condition).where(col(Condition.snomed) == "230265002")).one()
    assert dementia.chronic
    score = desk.risk.score(dementia.patient_id)
    assert score is not None and score.scores["charlson_1987"] and score.scores["charlson_quan2011"]
    # One audit event per file, with counts only.
    events = desk.audit_events(action="import.fhir")
    assert len(events) == 20
    assert "Alejandro" not in events[0].detail and '"created"' in events[0].detail

    again = desk.interop.import_paths(synthea[:4])  # a few suffice: matching is per resource
    assert all(r.accepted and not r.created and not r.updated for r in again)
    assert _count(desk, Patient) == 20 and _count(desk, Condition) == expected["Condition"]
    assert _count(desk, Observation) == sum(r.created["observation"] for r in reports)


def test_synthea_patient_fields(desk: Desk) -> None:
    report = desk.interop.import_file(SYNTHEA / ALEJANDRO)
    with desk.reading() as session:
        patient = session.get(Patient, report.patient_ids[0])
        assert patient is not None
        meds = session.exec(
            select(Medication).where(col(Medication.patient_id) == patient.id)
        ).all()
        admissions = session.exec(select(Encounter).where(col(Encounter.kind) == "admission")).all()
        team = session.exec(select(CareTeamMember)).all()
    assert (patient.mrn, patient.given_name, patient.family_name) == (
        "a9fcc685-c7a2-4474-bf25-26c8fe4b48f9", "Alejandro", "Riojas",
    )  # fmt: skip
    assert (patient.birth_date, patient.sex, patient.language) == (date(1963, 10, 5), "male", "es")
    assert patient.deceased_on == date(2008, 12, 14)
    assert patient.phone_digits == "5554136221" and patient.city == "Westfield"
    acetaminophen = [m for m in meds if m.ingredient == "acetaminophen"]
    assert acetaminophen and all(m.as_needed and m.slots == "" for m in acetaminophen)
    assert not admissions  # this patient has emergency visits only
    assert team and team[0].role == "care provider"


def test_admission_after_emergency_visit_is_acute(desk: Desk, synthea: list[Path]) -> None:
    # Christopher Abshire: EMER and IMP on 1957-04-17; Mafalda Turcotte: a planned admission.
    desk.interop.import_paths([p for p in synthea if p.name.startswith(("Christopher", "Mafalda"))])
    with desk.reading() as session:
        admissions = session.exec(select(Encounter).where(col(Encounter.kind) == "admission")).all()
    by_start = {a.start.date().isoformat(): a.acute for a in admissions}
    assert by_start["1957-04-17"] is True  # EMER and IMP start together (appendicitis)
    assert by_start["1994-02-23"] is False  # planned admission, no emergency visit before


def _bundle(*resources: dict[str, Any]) -> bytes:
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


PATIENT = {
    "resourceType": "Patient",
    "id": "11111111-1111-4111-8111-111111111111",
    "name": [{"family": "Tester", "given": ["Ana"]}],
    "birthDate": "1950-01-02",
}


def _condition(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"22222222-2222-4222-8222-{index:012d}",
        "subject": {"reference": f"urn:uuid:{PATIENT['id']}"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}],
                 "text": "Diabetes mellitus type 2"},
        **extra,
    }  # fmt: skip


def test_a_broken_resource_rejects_the_whole_file_and_names_it(desk: Desk) -> None:
    raw = _bundle(PATIENT, _condition(1), _condition(2, onsetDateTime="last spring"))
    report = desk.interop.import_file(_write(desk, "broken.json", raw))
    assert not report.accepted
    problem = report.problems[0]
    assert problem.where == "Condition #3 (id 22222222-2222-4222-8222-000000000002)"
    assert problem.field == "onsetDateTime"
    assert "broken.json: REJECTED, nothing imported: Condition #3" in report.line()
    assert "last spring" not in report.line()
    assert _count(desk, Patient) == 0 and _count(desk, Condition) == 0
    assert desk.audit_events(action="import.rejected")


def test_missing_required_field_is_named(desk: Desk) -> None:
    patient = {k: v for k, v in PATIENT.items() if k != "birthDate"}
    report = desk.interop.import_file(_write(desk, "nobirth.json", _bundle(patient)))
    assert not report.accepted
    assert (report.problems[0].where, report.problems[0].field) == (
        f"Patient #1 (id {PATIENT['id']})", "birthDate",
    )  # fmt: skip


def test_unknown_resource_types_are_counted_and_skipped(desk: Desk) -> None:
    odd = {"resourceType": "Spaceship", "id": "x1"}
    claim = {"resourceType": "Claim", "id": "c1"}
    report = desk.interop.import_file(
        _write(desk, "mixed.json", _bundle(PATIENT, odd, claim, odd | {"id": "x2"}))
    )
    assert report.accepted
    assert report.skipped == Counter({"not a FHIR R4 type": 2, "Claim": 1})
    assert report.created["patient"] == 1


def test_ndjson_across_files_resolves_patients_already_imported(desk: Desk) -> None:
    first = _write(desk, "Patient.ndjson", (json.dumps(PATIENT) + "\n").encode())
    relative = {**_condition(1), "subject": {"reference": f"Patient/{PATIENT['id']}"}}
    second = _write(desk, "Condition.ndjson", ("\n" + json.dumps(relative) + "\n\n").encode())
    reports = desk.interop.import_paths([first, second])
    assert [r.accepted for r in reports] == [True, True]
    with desk.reading() as session:
        condition = session.exec(select(Condition)).one()
    assert condition.chronic and condition.patient_id == reports[0].patient_ids[0]
    orphan = {**_condition(5), "subject": {"reference": "Patient/nobody"}}
    report = desk.interop.import_file(_write(desk, "orphan.ndjson", json.dumps(orphan).encode()))
    assert not report.accepted and report.problems[0].field == "subject"
    assert report.problems[0].where.startswith("Condition #1")


def test_wrong_bundle_type_and_bad_json_are_rejected(desk: Desk) -> None:
    searchset = json.dumps({"resourceType": "Bundle", "type": "history", "entry": []}).encode()
    report = desk.interop.import_file(_write(desk, "h.json", searchset))
    assert (report.accepted, report.problems[0].field) == (False, "type")
    report = desk.interop.import_file(_write(desk, "bad.json", b'{"resourceType": "Bundle", '))
    assert not report.accepted and report.problems[0].where.startswith("line 1")
    report = desk.interop.import_file(_write(desk, "latin.json", '{"a": "é"}'.encode("latin-1")))
    assert report.problems[0].field == "encoding"


def test_import_needs_edit_permission(desk: Desk, vault_paths: VaultPaths) -> None:
    desk.users.add("reader", "another long pass phrase", "read-only")
    desk.close()
    reader = unlock(vault_paths, "reader", "another long pass phrase")
    try:
        with pytest.raises(PermissionDenied):
            reader.interop.import_paths([SYNTHEA / ALEJANDRO])
    finally:
        reader.close()
    admin = unlock(vault_paths, "admin", PASSWORD)
    try:
        assert _count(admin, Patient) == 0
    finally:
        admin.close()


def test_goals_join_their_care_plan(desk: Desk, synthea: list[Path]) -> None:
    desk.interop.import_paths(synthea[:5])
    with desk.reading() as session:
        goals = session.exec(select(Goal)).all()
    assert goals and all(g.plan_id and g.problem_id for g in goals)


def _write(desk: Desk, name: str, raw: bytes) -> Path:
    path = desk.paths.root.parent / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    return path


def test_an_mrn_taken_by_another_patient_rejects_the_file(desk: Desk) -> None:
    mr = {
        "type": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
        }
    }
    first = PATIENT | {"identifier": [mr | {"value": "M-1"}]}
    second = PATIENT | {
        "id": "44444444-4444-4444-8444-444444444444",
        "identifier": [mr | {"value": "M-2"}],
    }
    assert desk.interop.import_file(_write(desk, "a.json", _bundle(first, second))).accepted
    moved = second | {"identifier": [mr | {"value": "M-1"}]}
    report = desk.interop.import_file(_write(desk, "b.json", _bundle(moved, _condition(7))))
    assert not report.accepted and "MRN in use" in report.line()
    with desk.reading() as session:
        assert sorted(p.mrn for p in session.exec(select(Patient)).all()) == ["M-1", "M-2"]
    assert _count(desk, Condition) == 0
