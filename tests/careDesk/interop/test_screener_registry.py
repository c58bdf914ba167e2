"""Every instrument's data file drives FHIR export and import: each result travels under its
own LOINC codes (loinc.org: the panel and total codes in each data file) and comes back the
same in another vault. A new instrument's file is all it takes, and the CSV guard knows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from careDesk.care.instruments import Instrument, all_instruments, instrument, instrument_ids
from careDesk.desk import Desk
from careDesk.interop.csv_import import screener_columns
from careDesk.model.assessment import ScreenerResult
from careDesk.model.patient import Patient
from tests.careDesk.care.instrument_files import (  # noqa: F401  (the fixture)
    NEW_ID,
    high_answers,
    new_instrument,
)
from tests.careDesk.care.support_records import make_patient

FIELDS = ("instrument", "loinc", "answers", "total", "band", "positive", "positive_domains")


def _results(desk: Desk, patient_id: str) -> list[tuple[Any, ...]]:
    with desk.reading() as session:
        rows = session.exec(
            select(ScreenerResult).where(ScreenerResult.patient_id == patient_id)
        ).all()
    return sorted((tuple(getattr(r, f) for f in FIELDS) for r in rows), key=repr)


def _round_trip(
    desk: Desk, other: Desk, inst: Instrument, tmp_path: Path
) -> tuple[dict[str, Any], str]:
    """Record a positive screen, export the patient, import the file into ``other``; returns
    the exported screener Observation and the patient's id in ``other``."""
    patient = make_patient(desk, mrn=f"RT-{inst.id}", sex="female")
    desk.screeners.record(patient.id, inst.id, high_answers(inst))
    out = desk.interop.export_fhir(patient.id, tmp_path / f"{inst.id}.json")
    bundle = json.loads(out.read_text(encoding="utf-8"))
    report = other.interop.import_file(out)
    assert report.accepted, report.line()
    observation = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["category"][0]["coding"][0]["code"] == "survey"
    )
    with other.reading() as session:
        copied = session.exec(select(Patient.id).where(Patient.mrn == patient.mrn)).one()
    assert _results(other, copied) == _results(desk, patient.id)
    return observation, copied


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_every_instrument_round_trips_under_its_own_codes(
    desk: Desk, other_desk: Desk, tmp_path: Path, instrument_id: str
) -> None:
    inst = instrument(instrument_id)
    observation, _copied = _round_trip(desk, other_desk, inst, tmp_path)
    [coding] = observation["code"]["coding"]
    assert coding["code"] == (inst.loinc_total or inst.loinc_panel)
    others = {
        c for i in all_instruments() if i.id != inst.id for c in (i.loinc_panel, i.loinc_total)
    }
    assert coding["code"] not in others  # never another instrument's (AHC-HRSN's) code
    if inst.has_total:
        assert observation["valueInteger"] == inst.maximum


def test_a_new_instruments_file_is_enough_for_export_and_import(
    desk: Desk,
    other_desk: Desk,
    tmp_path: Path,
    new_instrument: Instrument,  # noqa: F811
) -> None:
    observation, copied = _round_trip(desk, other_desk, new_instrument, tmp_path)
    assert observation["code"]["coding"][0]["code"] == new_instrument.loinc_total
    assert observation["code"]["coding"][0]["code"] != instrument("ahc_hrsn").loinc_panel
    [row] = _results(other_desk, copied)
    assert row[:2] == (NEW_ID, new_instrument.loinc_panel)
    assert (row[3], row[4], row[5]) == (9, "high", True)  # 3 × 3, band and cut-off of the file


def test_a_total_from_another_system_is_banded_by_the_registry(desk: Desk, tmp_path: Path) -> None:
    """An AUDIT-C total alone (LOINC 75626-2) for a man: 3 is below his cut-off of 4 (Bradley
    2007), and the panel it came with, holding only references, is skipped as a screener."""
    patient = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1960-01-01",
               "name": [{"family": "Roe", "given": ["Al"]}],
               "identifier": [{"value": "AUD-1"}]}  # fmt: skip
    total = {"resourceType": "Observation", "id": "t1", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "75626-2"}]},
             "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2026-01-05T10:00:00Z",
             "valueInteger": 3}  # fmt: skip
    panel = {"resourceType": "Observation", "id": "x1", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "72109-2"}]},
             "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2026-01-05T10:00:00Z",
             "hasMember": [{"reference": "urn:uuid:t1"}]}  # fmt: skip
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (patient, total, panel)
        ],
    }
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    report = desk.interop.import_file(path)
    assert report.accepted, report.line()
    assert any("AUDIT-C panel" in note for note in report.notes)
    with desk.reading() as session:
        [row] = session.exec(select(ScreenerResult)).all()
    assert (row.instrument, row.loinc, row.total, row.positive) == ("audit_c", "72109-2", 3, False)


def test_answers_coded_with_loinc_answer_codes_are_scored(desk: Desk, tmp_path: Path) -> None:
    """A panel with components: 68518-0 "2-4 times a month" (LA18927-6 = 2), 68519-8 "1 or 2"
    (LA15694-5 = 0), 68520-6 "Less than monthly" (LA18933-4 = 1): total 3, positive for a
    woman (Bradley 2007)."""

    def part(code: str, answer: str) -> dict[str, Any]:
        return {"code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "valueCodeableConcept": {"coding": [{"system": "http://loinc.org",
                                                     "code": answer}]}}  # fmt: skip

    patient = {"resourceType": "Patient", "id": "p2", "gender": "female",
               "birthDate": "1970-01-01", "name": [{"family": "Poe", "given": ["Bea"]}],
               "identifier": [{"value": "AUD-2"}]}  # fmt: skip
    panel = {"resourceType": "Observation", "id": "x2", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "72109-2"}]},
             "subject": {"reference": "urn:uuid:p2"}, "effectiveDateTime": "2026-01-05T10:00:00Z",
             "component": [part("68518-0", "LA18927-6"), part("68519-8", "LA15694-5"),
                           part("68520-6", "LA18933-4")]}  # fmt: skip
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (patient, panel)],
    }
    path = tmp_path / "audit-panel.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    report = desk.interop.import_file(path)
    assert report.accepted, report.line()
    with desk.reading() as session:
        [row] = session.exec(select(ScreenerResult)).all()
    assert (row.total, row.positive) == (3, True)
    assert json.loads(row.answers) == {"auditc_1": 2, "auditc_2": 0, "auditc_3": 1}


def test_csv_guard_knows_every_instrument_including_a_new_one(
    new_instrument: Instrument,  # noqa: F811
) -> None:
    """A patient list may not carry screener answers (a PHQ-9 item 9 answer needs same-day
    follow-up, Kroenke 2001): every instrument's name and codes are refused, a new one's too."""
    headers = ["MRN", "AUDIT-C", "68520-6", "ZZ-3", new_instrument.items[0].loinc, "City"]
    assert screener_columns(headers) == headers[1:5]
