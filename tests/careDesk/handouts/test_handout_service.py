"""``desk.handouts``: printing is audited and allowed only to roles with PRINT; choices are
remembered per patient; the other documents come from the same renderer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.handouts.render import write_pdf
from careDesk.handouts.service import render_recovery_sheet
from careDesk.store.vault import unlock
from tests.careDesk.handouts import pdfcheck
from tests.careDesk.handouts.conftest import Clinic
from tests.careDesk.handouts.patients import CLINIC, TZ


def prints(clinic: Clinic, patient_id: str) -> list[dict[str, object]]:
    events = clinic.desk.audit_events(patient_id=patient_id, action="print")
    return [json.loads(e.detail) | {"user": e.user_login, "entity": e.entity} for e in events]


def test_printing_a_handout_is_audited_without_patient_data(clinic: Clinic) -> None:
    clinic.desk.handouts.patient_handout(clinic.maria.patient_id, "en")
    [event] = prints(clinic, clinic.maria.patient_id)
    assert event == {
        "document": "patient_handout",
        "language": "en",
        "large_print": False,
        "user": "admin",
        "entity": "patient_handout",
    }


def test_preview_content_is_not_a_print(clinic: Clinic) -> None:
    content = clinic.desk.handouts.patient_content(clinic.maria.patient_id, "en")
    assert [s.key for s in content.sections] == [
        "care_plan",
        "medicines",
        "appointments",
        "warning_signs",
        "community",
        "teach_back",
    ]
    assert prints(clinic, clinic.maria.patient_id) == []


def test_read_only_user_may_not_print(clinic: Clinic, vault_paths) -> None:  # type: ignore[no-untyped-def]
    clinic.desk.users.add("viewer", "quiet lantern orchard 42", "read-only", "Viewer")
    clinic.desk.close()
    viewer = unlock(vault_paths, "viewer", "quiet lantern orchard 42")
    try:
        preview = viewer.handouts.patient_content(clinic.maria.patient_id)  # reading is allowed
        assert preview.sections
        with pytest.raises(PermissionDenied, match="print handouts"):
            viewer.handouts.patient_handout(clinic.maria.patient_id)
        with pytest.raises(PermissionDenied):
            viewer.handouts.batch_for_appointments(clinic.now.date())
    finally:
        viewer.close()


def test_language_and_large_print_are_remembered(clinic: Clinic) -> None:
    handouts = clinic.desk.handouts
    pid = clinic.robert.patient_id
    assert handouts.choice(pid).language == "en"  # the patient's own language at first
    handouts.patient_handout(pid, "es", large_print=True)
    assert handouts.choice(pid) == type(handouts.choice(pid))("es", True)
    data = handouts.patient_handout(pid)
    assert "Mis medicinas" in pdfcheck.all_text(data) and pdfcheck.smallest_size(data) >= 16
    assert handouts.remember(pid, language="en", large_print=False).language == "en"
    with pytest.raises(ValidationFailed, match="no handout phrases for 'klingon'"):
        handouts.remember(pid, language="klingon", large_print=None)


def test_patient_language_without_phrases_falls_back_to_english(clinic: Clinic) -> None:
    content = clinic.desk.handouts.patient_content(clinic.sam.patient_id)
    assert content.language == "en"


def test_unknown_patient(clinic: Clinic) -> None:
    with pytest.raises(NotFound):
        clinic.desk.handouts.patient_handout("nobody")


def test_batch_for_tomorrows_appointments(clinic: Clinic) -> None:
    day = (clinic.now.astimezone(ZoneInfo(TZ)) + timedelta(days=1)).date()
    data = clinic.desk.handouts.batch_for_appointments(day)
    pages = pdfcheck.read(data)
    spanish = [p for p in pages if "Para: María López" in p.text]
    english = [p for p in pages if "For: Robert Miller" in p.text]
    assert spanish and english and len(spanish) + len(english) == len(pages)
    assert f"Página {len(spanish)} de {len(spanish)}" in spanish[-1].text
    assert [p["batch"] for p in prints(clinic, clinic.maria.patient_id)] == [day.isoformat()]
    assert prints(clinic, clinic.sam.patient_id) == []
    with pytest.raises(ValidationFailed, match="no appointments"):
        clinic.desk.handouts.batch_for_appointments(day + timedelta(days=30))


def test_transition_summary(clinic: Clinic) -> None:
    data = clinic.desk.handouts.transition_summary(clinic.linh.patient_id, language="en")
    text = pdfcheck.all_text(data)
    for line in (
        "My care summary",
        "Leaving the care program",
        "Why: you moved.",
        "Your care now goes to: Lakeside Health Center.",
        "You moved closer to your son.",
        "My medicines",
        "Warning signs",
        "My care team",
    ):
        assert line in text
    assert prints(clinic, clinic.linh.patient_id)[0]["document"] == "transition"
    with pytest.raises(ValidationFailed, match="no discharge or transition"):
        clinic.desk.handouts.transition_summary(clinic.sam.patient_id)


def test_outreach_letter(clinic: Clinic) -> None:
    body = "We tried to call you last week.\n\nPlease call us to set up your next visit."
    text = pdfcheck.all_text(clinic.desk.handouts.outreach_letter(clinic.robert.patient_id, body))
    assert "Dear Robert," in text and "Please call us to set up your next visit." in text
    assert "Jo Park, your care coordinator" in text and "12 River Road, Springfield" in text
    with pytest.raises(ValidationFailed, match="empty"):
        clinic.desk.handouts.outreach_letter(clinic.robert.patient_id, "  \n")


def test_referral_summary(clinic: Clinic) -> None:
    assert clinic.maria.referral_id is not None
    text = pdfcheck.all_text(clinic.desk.handouts.referral_summary(clinic.maria.referral_id))
    for line in (
        "Referral summary",
        "To: Dr. Ortiz (endocrinology)",
        "Reason: A1c rising despite metformin",
        "Record number: M-1001",
        "Type 2 diabetes mellitus",
        "Metformin, 500 mg",
        "Penicillin (rash)",
        "Care coordinator",
    ):
        assert line in text
    assert "Old fracture" not in text  # resolved condition
    assert prints(clinic, clinic.maria.patient_id)[0]["entity"] == "referral"


def test_recovery_sheet_prints_the_key_and_audits_without_it(clinic: Clinic) -> None:
    key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
    text = pdfcheck.all_text(clinic.desk.handouts.recovery_sheet(key))
    assert key in text and CLINIC in text and "Page 1 of 1" in text
    events = clinic.desk.audit_events(action="print")
    assert events and all(key not in e.detail for e in events)
    assert key in pdfcheck.all_text(render_recovery_sheet("", key))


def test_write_pdf_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    write_pdf(target, b"%PDF-new")
    assert target.read_bytes() == b"%PDF-new"
    with pytest.raises(OSError):
        write_pdf(tmp_path / "missing" / "x.pdf", b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]
