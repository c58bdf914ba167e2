"""``caredesk consent``, ``caredesk caregivers`` and ``caredesk handout --caregiver`` as a
coordinator's script would run them (issue 20).

Principle for the caregiver rules: HIPAA lets a provider share with a family member what is
relevant to their involvement in the patient's care when the patient agrees (45 CFR
164.510(b)); careDesk asks the caregiver's own consent per channel on top.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from email import message_from_string
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.schedule import Appointment
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.careDesk.schedule.conftest import (
    Inbox,
    WhatsAppApi,
    add_patient,
    configure_smtp,
    configure_whatsapp,
)
from tests.conftest import ADMIN, PASSWORD


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)


def _relative(desk: Desk, patient: Patient, **fields: object) -> FamilyMember:
    base: dict[str, object] = {
        "name": "Ana Muñoz",
        "relationship": "daughter",
        "caregiver": True,
        "phone": "+1 555 010 7788",
        "email": "ana@example.org",
    }
    return desk.patients.add_family(patient.id, **(base | fields)).value


def _stored(paths: VaultPaths, table: type[Patient] | type[FamilyMember], ident: str) -> Any:
    """The row as the vault holds it after a command (opened again: one desk at a time)."""
    with unlock(paths, ADMIN, PASSWORD) as desk, desk.reading() as session:
        return session.get(table, ident)


def _audited(paths: VaultPaths, patient_id: str, action: str) -> list[str]:
    with unlock(paths, ADMIN, PASSWORD) as desk:
        return [e.detail or "" for e in desk.audit_events(patient_id=patient_id, action=action)]


def test_consent_to_whatsapp_set_from_the_command_line_sends_by_whatsapp(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str], whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    patient = add_patient(
        desk, language="en", consent_email=False, consent_sms=False, preferred_channel="whatsapp"
    )
    with desk.writing() as tx:
        visit = Appointment(patient_id=patient.id, starts_at=utcnow() + timedelta(hours=30))
        tx.add(visit, kind="appointment", patient_id=patient.id)
    desk.close()
    code, out, err = run(capsys, "consent", patient.mrn, "--whatsapp")
    assert code == 0, err
    assert out.strip() == "Contact by: WhatsApp, letter, phone"
    code, out, err = run(capsys, "outbox", "--send")
    assert code == 0, err
    [request] = whatsapp_api.requests
    assert request["body"]["to"] == "15550102030"
    assert request["body"]["template"]["name"] == "visit_reminder"


def test_consent_can_be_withdrawn_and_is_audited(
    desk: Desk, vault_paths: VaultPaths, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = add_patient(desk, consent_whatsapp=True)
    desk.close()
    code, out, err = run(capsys, "consent", patient.id, "--no-whatsapp", "--no-sms")
    assert code == 0, err
    assert "WhatsApp" not in out and "text" not in out
    assert not _stored(vault_paths, Patient, patient.id).consent_whatsapp
    assert _audited(vault_paths, patient.id, "patient.consent")


def test_consent_to_whatsapp_without_a_phone_is_one_clear_line(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = add_patient(desk, phone=None, phone_digits=None, consent_sms=False)
    desk.close()
    code, out, err = run(capsys, "consent", patient.mrn, "--whatsapp")
    assert code == 1 and out == ""
    assert err.strip() == "caredesk: consent whatsapp: consent to WhatsApp needs a phone number"


def test_caregiver_settings_need_the_patients_agreement(
    desk: Desk, vault_paths: VaultPaths, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = add_patient(desk)
    ana = _relative(desk, patient)
    desk.close()
    code, out, err = run(capsys, "caregivers", patient.mrn, "ana", "--whatsapp")
    assert code == 1 and "the patient has not agreed that this person gets messages" in err
    assert not _stored(vault_paths, FamilyMember, ana.id).consent_whatsapp

    code, out, err = run(
        capsys,
        "caregivers", patient.mrn, "Ana Muñoz", "--patient-agrees", "--whatsapp",
        "--prefer", "whatsapp", "--may-be-told", "appointments",
    )  # fmt: skip
    assert code == 0, err
    assert "gets appointment reminders by WhatsApp" in out
    [event] = _audited(vault_paths, patient.id, "family.update")
    assert "consent_whatsapp" in event

    code, out, err = run(capsys, "caregivers", patient.mrn, "--json")
    [row] = json.loads(out)
    assert row["gets"] == ["appointment reminders by WhatsApp"]
    assert (row["receives_messages"], row["consent_whatsapp"]) == (True, True)

    # The patient withdraws: the caregiver's channels go with it.
    code, out, err = run(capsys, "caregivers", patient.mrn, "ana", "--no-patient-agrees")
    assert code == 0, err
    stored = _stored(vault_paths, FamilyMember, ana.id)
    assert (stored.consent_whatsapp, stored.preferred_channel) == (False, None)
    assert "gets nothing" in out


def test_only_a_caregiver_can_be_given_messages(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = add_patient(desk)
    _relative(desk, patient, name="Luis Muñoz", relationship="neighbour", caregiver=False)
    desk.close()
    code, _out, err = run(capsys, "caregivers", patient.mrn, "luis", "--patient-agrees")
    assert code == 1 and "only caregivers and legal representatives get messages" in err


def test_an_ambiguous_name_is_refused_without_naming_anyone(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = add_patient(desk)
    _relative(desk, patient, name="Ana Muñoz")
    _relative(desk, patient, name="Ana Pérez", relationship="niece")
    desk.close()
    code, _out, err = run(capsys, "caregivers", patient.mrn, "ana", "--patient-agrees")
    assert code == 1
    assert err.strip() == (
        "caredesk: caregiver: 2 family members match: give more of the name or the id"
    )


def test_handout_caregiver_copy_by_email_and_to_a_file(
    desk: Desk,
    vault_paths: VaultPaths,
    signed_in: None,
    capsys: pytest.CaptureFixture[str],
    smtp_server: Controller,
    smtp_port: int,
    inbox: Inbox,
    tmp_path: Path,
) -> None:
    configure_smtp(desk, smtp_port)
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    patient = add_patient(desk, language="en", consent_email=False)
    desk.clinical.add_condition(patient.id, display="Heart failure", icd10="I50.9")
    ana = _relative(
        desk, patient, may_be_told="everything", receives_messages=True, consent_email=True
    )
    desk.close()
    code, out, err = run(capsys, "handout", patient.mrn, "--caregiver", "ana", "--email")
    assert code == 0, err
    assert "The caregiver's copy is in the outbox (queued)" in out
    code, out, err = run(capsys, "outbox", "--send")
    assert code == 0, err
    assert "sent 1" in out
    [sent] = inbox.messages
    assert sent["to"] == ["ana@example.org"]
    [part] = [p for p in message_from_string(sent["data"]).walk() if p.get_filename()]
    pdf = part.get_payload(decode=True)
    assert isinstance(pdf, bytes)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Copy for Ana Muñoz" in text and "Heart failure" in text

    out_file = tmp_path / "copy.pdf"
    code, _out, err = run(capsys, "handout", patient.id, "--caregiver", ana.id, "-o", str(out_file))
    assert code == 0, err
    text = " ".join(p.extract_text() for p in PdfReader(out_file).pages)
    assert "Copy for Ana Muñoz" in text
    assert any(ana.id in detail for detail in _audited(vault_paths, patient.id, "print"))


def test_handout_caregiver_copy_refused_beyond_what_they_may_be_told(
    desk: Desk, signed_in: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    patient = add_patient(desk, language="en")
    _relative(desk, patient, may_be_told="appointments", receives_messages=True, consent_sms=True)
    desk.close()
    out_file = tmp_path / "copy.pdf"
    code, out, err = run(capsys, "handout", patient.mrn, "--caregiver", "ana", "-o", str(out_file))
    assert code == 1 and out == ""
    assert code == 1 and "this caregiver may be told: appointments" in err
    assert not out_file.exists()
    code, _out, err = run(capsys, "handout", patient.mrn, "--caregiver", "ana")
    assert code == 1 and "choose --email or -o FILE" in err
