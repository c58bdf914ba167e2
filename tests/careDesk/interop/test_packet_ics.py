"""Referral packet PDF (optionally password-protected) and the appointments iCalendar file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from careDesk.desk import Desk
from careDesk.errors import NotFound, PasswordTooWeak
from careDesk.interop.packet import BUNDLE_NAME
from tests.careDesk.interop.records import SOON, rich_patient


def _text(path: Path, password: str | None = None) -> str:
    reader = PdfReader(path)
    if password is not None:
        reader.decrypt(password)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _attachment(reader: PdfReader) -> dict[str, Any]:
    [data] = reader.attachments[BUNDLE_NAME]
    bundle: dict[str, Any] = json.loads(data)
    return bundle


def test_packet_pdf_carries_the_bundle_inside(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    out = tmp_path / "out"
    out.mkdir()
    pdf, beside = desk.interop.export_packet(pid, out / "packet.pdf")
    assert beside is None and sorted(p.name for p in out.iterdir()) == ["packet.pdf"]
    bundle = _attachment(PdfReader(pdf))
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"] == desk.interop.fhir_bundle(pid)["entry"]  # as a FHIR export gives
    text = _text(pdf)
    for expected in ("Referral packet", "Reason for referral", "Worsening breathlessness",
                     "Problems", "Heart failure", "Medicines", "morning, bedtime",
                     "morning, evening", "only when needed for pain", "Allergies", "Penicillin",
                     "Recent results", "PHQ9", "Care plan goals", "Reduce PHQ-9 below 10",
                     "Care team", "Kim Cho (lead)", "555-0199"):  # fmt: skip
        assert expected in text, expected
    assert "Amoxicillin" not in text  # stopped medicines are not listed
    actions = [e.action for e in desk.audit_events(patient_id=pid)]
    assert "export.pdf" in actions


def test_a_plain_bundle_beside_only_when_asked(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    pdf, beside = desk.interop.export_packet(pid, tmp_path / "packet.pdf", bundle_beside=True)
    assert beside == tmp_path / "packet.json"
    plain = json.loads(beside.read_text(encoding="utf-8"))
    assert plain["entry"] == _attachment(PdfReader(pdf))["entry"]


def test_password_protected_packet_is_aes_256_with_the_bundle_encrypted(
    desk: Desk, tmp_path: Path
) -> None:
    pid = rich_patient(desk)
    password = "heron lantern seventy 4"
    out = tmp_path / "out"
    out.mkdir()
    pdf, beside = desk.interop.export_packet(pid, out / "locked.pdf", password=password)
    assert beside is None and sorted(p.name for p in out.iterdir()) == ["locked.pdf"]
    reader = PdfReader(pdf)
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"].get_object()
    # ISO 32000-2 §7.6.4: AES-256 is the standard security handler version 5, revision 6.
    assert (encrypt["/V"], encrypt["/R"]) == (5, 6)
    assert encrypt["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
    assert not reader.decrypt("wrong password")
    raw = pdf.read_bytes()
    assert b"Penicillin" not in raw and b"resourceType" not in raw and b"Bundle" not in raw
    reader = PdfReader(pdf)
    reader.decrypt(password)
    assert _attachment(reader)["resourceType"] == "Bundle"
    assert "Penicillin" in _text(pdf, password)


def test_a_guessable_packet_password_is_refused(desk: Desk, tmp_path: Path) -> None:
    pid = rich_patient(desk)
    with pytest.raises(PasswordTooWeak, match="too easy to guess"):
        desk.interop.export_packet(pid, tmp_path / "p.pdf", password="s3cret-pass")
    assert not (tmp_path / "p.pdf").exists()


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
