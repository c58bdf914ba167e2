"""An import matched by MRN must be the same person (hazard log: the wrong patient).

Two identifiers, as The Joint Commission's National Patient Safety Goal NPSG.01.01.01 asks
(e.g. name and date of birth): an MRN that arrives with another birth date, or with another
given *and* family name, is refused and the patient on file is left as it was.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import select

from careDesk.desk import Desk
from careDesk.interop.identity import Identity, identity_conflict
from careDesk.model.patient import Patient

HEADER = "MRN,First Name,Last Name,DOB\n"
MR = {
    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
}


def _csv(desk: Desk, name: str, text: str) -> Path:
    path = desk.paths.root.parent / "csv" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(HEADER + text, "utf-8")
    return path


def _bundle(desk: Desk, name: str, patient: dict[str, Any]) -> Path:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": f"urn:uuid:{patient['id']}", "resource": patient}]}  # fmt: skip
    path = desk.paths.root.parent / "fhir" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(bundle), "utf-8")
    return path


def _on_file(desk: Desk, mrn: str) -> tuple[str, str, date | None]:
    with desk.reading() as session:
        p = session.exec(select(Patient).where(Patient.mrn == mrn)).one()
        return p.given_name, p.family_name, p.birth_date


def test_csv_row_with_a_mistyped_mrn_changes_nobody(desk: Desk) -> None:
    assert desk.interop.import_csv(_csv(desk, "a.csv", "C-1,Rosa,Muñoz,1950-03-02\n")).accepted
    report = desk.interop.import_csv(_csv(desk, "b.csv", "C-1,Ana,Tester,1971-08-09\n"))
    assert not report.accepted
    [problem] = report.problems
    assert (problem.where, problem.field) == ("row 2", "MRN")
    assert "another birth date" in str(problem) and "Ana" not in str(problem)
    assert _on_file(desk, "C-1") == ("Rosa", "Muñoz", date(1950, 3, 2))


def test_csv_new_family_name_same_birth_date_is_an_update(desk: Desk) -> None:
    desk.interop.import_csv(_csv(desk, "a.csv", "C-1,Rosa,Muñoz,1950-03-02\n"))
    report = desk.interop.import_csv(_csv(desk, "b.csv", "C-1,Rosa,Lopez,1950-03-02\n"))
    assert report.accepted and report.updated["patient"] == 1
    assert _on_file(desk, "C-1") == ("Rosa", "Lopez", date(1950, 3, 2))


def test_fhir_patient_with_another_birth_date_under_a_known_mrn_is_refused(desk: Desk) -> None:
    first = {
        "resourceType": "Patient",
        "id": "11111111-1111-4111-8111-111111111111",
        "identifier": [MR | {"value": "M-1"}],
        "name": [{"family": "Tester", "given": ["Ana"]}],
        "birthDate": "1950-01-02",
    }
    assert desk.interop.import_file(_bundle(desk, "a.json", first)).accepted
    other = first | {
        "id": "55555555-5555-4555-8555-555555555555",
        "name": [{"family": "Okafor", "given": ["Chidi"]}],
        "birthDate": "1988-11-30",
    }
    report = desk.interop.import_file(_bundle(desk, "b.json", other))
    assert not report.accepted and "another birth date" in report.line()
    assert _on_file(desk, "M-1") == ("Ana", "Tester", date(1950, 1, 2))


def test_the_comparison_itself() -> None:
    on_file = Identity(date(1950, 3, 2), "Rosa", "Muñoz")
    assert identity_conflict(on_file, {"birth_date": date(1950, 3, 2)}) is None
    assert identity_conflict(on_file, {"birth_date": date(1950, 3, 3)}) is not None
    no_birth = Identity(None, "Rosa", "Muñoz")
    assert identity_conflict(no_birth, {"given_name": "ROSA", "family_name": "Munoz"}) is None
    assert identity_conflict(no_birth, {"given_name": "Rosa", "family_name": "Lopez"}) is None
    assert identity_conflict(no_birth, {"given_name": "Ana", "family_name": "Tester"}) is not None
