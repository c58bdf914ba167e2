"""Referral packet PDF (optionally password-protected) and the appointments iCalendar file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from careDesk.desk import Desk
from careDesk.errors import NotFound
from tests.careDesk.interop.records import SOON, rich_patient


def _text(path: Path, password: str | None = None) -> str:
    reader = PdfReader(path)
    if password is not None:
        reader.decrypt(password)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_packet_pdf_and_bundle_side_by_side(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    pdf, bundle = desk.interop.export_packet(pid, tmp_path / "packet.pdf")
    assert bundle == tmp_path / "packet.json"
    assert json.loads(bundle.read_text(encoding="utf-8"))["resourceType"] == "Bundle"
    text = _text(pdf)
    for expected in ("Referral packet", "Reason for referral", "Worsening breathlessness",
                     "Problems", "Heart failure", "Medicines", "morning, bedtime",
                     "morning, evening", "only when needed for pain", "Allergies", "Penicillin",
                     "Recent results", "PHQ9", "Care plan goals", "Reduce PHQ-9 below 10",
                     "Care team", "Kim Cho (lead)", "555-0199"):  # fmt: skip
        assert expected in text, expected
    assert "Amoxicillin" not in text  # stopped medicines are not listed
    actions = [e.action for e in desk.audit_events(patient_id=pid)]
    assert "export.pdf" in actions and "export.fhir" in actions


def test_password_protected_packet_needs_the_password(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    pdf, _ = desk.interop.export_packet(pid, tmp_path / "locked.pdf", password="s3cret-pass")
    reader = PdfReader(pdf)
    assert reader.is_encrypted
    assert not reader.decrypt("wrong password")
    assert "Penicillin" in _text(pdf, "s3cret-pass")
    assert b"Penicillin" not in pdf.read_bytes()


def test_appointments_ics_parses_back(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    first = desk.interop.export_ics(pid, tmp_path / "a.ics")
    second = desk.interop.export_ics(pid, tmp_path / "b.ics")
    events = Calendar.from_ical(first.read_bytes()).walk("VEVENT")
    assert len(events) == 2  # the completed visit in the past is left out
    uids = [str(e["UID"]) for e in events]
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(second.read_bytes()).walk("VEVENT")]
    visit, video = events
    start = visit["DTSTART"].dt
    assert start == SOON and start.utcoffset() == timedelta(0)
    assert b"DTSTART:" in first.read_bytes() and b"Z\r\n" in first.read_bytes()
    assert (
        str(visit["LOCATION"]) == "1 Main St"
        and str(visit["SUMMARY"]) == "Appointment with Dr. Lee"
    )
    assert str(video["LOCATION"]) == "Video visit"
    assert str(video["URL"]) == "https://video.example/room/42"
    assert b"Diabetes" not in first.read_bytes()  # the purpose (a diagnosis) never leaves
    assert [e.action for e in desk.audit_events(patient_id=pid, action="export.ics")]


def test_export_of_unknown_patient_is_a_clear_error(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No patient with id NOPE"):
        desk.interop.export_fhir("NOPE", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
