"""Families and caregivers in the loop: only with the patient's agreement, within what each
may be told, on the channels they consented to; their STOP stops only their messages.

Principle: HIPAA lets a provider share with a family member what is relevant to their
involvement in the patient's care when the patient agrees (45 CFR 164.510(b)).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from email import message_from_string
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.outreach import MessageState
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.schedule import Appointment
from careDesk.schedule import caregivers, privacy
from tests.careDesk.schedule.conftest import (
    Gateway,
    Inbox,
    WhatsAppApi,
    add_caregiver,
    add_patient,
    configure_smtp,
    configure_whatsapp,
)


@pytest.fixture
def clinic(desk: Desk, gateway: Gateway, smtp_server: Controller, smtp_port: int) -> Gateway:
    configure_smtp(desk, smtp_port)
    desk.settings.set("sms.url", gateway.url)
    desk.settings.set("sms.inbox_url", gateway.inbox_url)
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    return gateway


def _patient(desk: Desk, **overrides: Any) -> Patient:
    fields = {"given_name": "Rosa", "preferred_channel": "email", "language": "es"}
    return add_patient(desk, **{**fields, **overrides})


def _visit(desk: Desk, patient: Patient) -> Appointment:
    with desk.writing() as tx:
        visit = Appointment(
            patient_id=patient.id, starts_at=utcnow() + timedelta(hours=30), place="Sala 2"
        )
        tx.add(visit, kind="appointment", patient_id=patient.id)
    return visit


def test_a_caregiver_told_about_appointments_gets_the_reminder(
    desk: Desk, clinic: Gateway, inbox: Inbox
) -> None:
    patient = _patient(desk)
    ana = add_caregiver(desk, patient)  # may be told: appointments; by text, in Spanish
    _visit(desk, patient)
    assert desk.outbox.queue_appointment_reminders() == 2
    assert desk.outbox.send_due().sent == 2
    assert len(inbox.messages) == 1  # the patient's, by e-mail
    [text] = clinic.requests
    assert text["body"]["to"] == "+1 555 010 7788"
    assert text["body"]["text"].startswith("Riverside Clinic: Hola Ana Muñoz, Rosa tiene una cita")
    events = desk.audit_events(patient_id=patient.id, action="message.sent")
    assert [e for e in events if e.detail and ana.id in e.detail]  # on the patient's record
    summaries = [e.summary for e in desk.timeline.page(patient.id)]
    assert "text to a caregiver sent: caregiver appointment reminder" in summaries
    assert desk.outbox.queue_appointment_reminders() == 0  # once per appointment, ever


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"may_be_told": "nothing"}, None),  # told nothing: no message, nothing to list
        ({"receives_messages": False}, None),  # the patient did not agree
        ({"caregiver": False}, "only caregivers and legal representatives get messages"),
        ({"consent_sms": False}, "no consent from the caregiver for sms"),
        ({"phone": None}, "no phone number on file for the caregiver"),
    ],
)
def test_no_reminder_outside_what_the_caregiver_may_be_told_or_agreed_to(
    desk: Desk, clinic: Gateway, overrides: dict[str, Any], reason: str | None
) -> None:
    patient = _patient(desk, consent_email=False)
    add_caregiver(desk, patient, **overrides)
    _visit(desk, patient)
    desk.outbox.queue_appointment_reminders()
    to_caregivers = [m for m in desk.outbox.messages() if m.family_member_id]
    if reason is None:
        assert to_caregivers == []
    else:
        [row] = to_caregivers
        assert (row.state, row.reason) == (MessageState.BLOCKED, reason)
    desk.outbox.send_due()
    assert clinic.requests == []


def test_a_caregivers_stop_stops_only_their_messages(desk: Desk, clinic: Gateway) -> None:
    patient = _patient(desk, preferred_channel="sms", phone="+1 555 010 2030")
    ana = add_caregiver(desk, patient)
    clinic.inbound.append(
        {"id": "g1", "from": "+15550107788", "body": "STOP", "received_at": utcnow().isoformat()}
    )
    assert desk.inbox.fetch().matched == 1
    with desk.reading() as session:
        member, stored = session.get(FamilyMember, ana.id), session.get(Patient, patient.id)
    assert member is not None and not member.consent_sms
    assert stored is not None and stored.consent_sms
    [reply] = desk.inbox.replies()
    assert (reply.patient_id, reply.family_member_id) == (patient.id, ana.id)
    assert desk.audit_events(patient_id=patient.id, action="consent.withdrawn")

    _visit(desk, patient)
    desk.outbox.queue_appointment_reminders()
    assert desk.outbox.send_due().sent == 1
    assert [r["body"]["to"] for r in clinic.requests] == ["+1 555 010 2030"]  # the patient only


def _attachment(mail: Message) -> tuple[str, bytes]:
    [part] = [p for p in mail.walk() if p.get_filename()]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(part.get_filename()), payload


def test_the_handout_copy_is_emailed_to_a_caregiver_told_everything(
    desk: Desk, clinic: Gateway, inbox: Inbox
) -> None:
    patient = _patient(desk)
    ana = add_caregiver(desk, patient, may_be_told="everything")
    row = caregivers.email_handout_copy(desk, ana.id)
    assert row.state == MessageState.QUEUED
    assert desk.outbox.send_due().sent == 1
    [sent] = inbox.messages
    assert sent["to"] == ["ana@example.org"]
    mail = message_from_string(sent["data"])
    name, pdf = _attachment(mail)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert name == "care-handout.pdf" and "Copia para Ana Muñoz" in text
    assert desk.audit_events(patient_id=patient.id, action="message.sent")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"may_be_told": "appointments"}, "this caregiver may be told: appointments"),
        ({"receives_messages": False}, "the patient has not agreed"),
        ({"may_be_told": "everything", "consent_email": False}, "no consent from the caregiver"),
    ],
)
def test_no_handout_copy_beyond_what_the_caregiver_may_be_told(
    desk: Desk, clinic: Gateway, inbox: Inbox, overrides: dict[str, Any], reason: str
) -> None:
    patient = _patient(desk)
    ana = add_caregiver(desk, patient, **overrides)
    with pytest.raises(ValidationFailed, match=reason):
        caregivers.email_handout_copy(desk, ana.id)
    assert desk.outbox.messages() == []
    if "consent_email" not in overrides:  # paper needs no e-mail consent; the rest does
        with pytest.raises(ValidationFailed, match=reason):
            caregivers.printed_handout_copy(desk, ana.id)


def test_a_printed_copy_is_marked_and_audited_on_the_patients_record(
    desk: Desk, clinic: Gateway
) -> None:
    patient = _patient(desk)
    ana = add_caregiver(desk, patient, may_be_told="everything", consent_email=False)
    pdf = caregivers.printed_handout_copy(desk, ana.id)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Copia para Ana Muñoz" in text
    [event] = desk.audit_events(patient_id=patient.id, action="print")
    assert event.detail is not None and ana.id in event.detail


def test_a_caregiver_removed_after_queueing_gets_nothing(desk: Desk, clinic: Gateway) -> None:
    patient = _patient(desk)
    ana = add_caregiver(desk, patient)
    _visit(desk, patient)
    desk.outbox.queue_appointment_reminders()
    desk.patients.remove_family(ana.id)
    report = desk.outbox.send_due()
    assert report.blocked == 1 and clinic.requests == []


def test_a_caregiver_on_whatsapp_gets_their_template(
    desk: Desk, clinic: Gateway, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    patient = _patient(desk, consent_email=False)
    add_caregiver(desk, patient, preferred_channel="whatsapp", language="en")
    _visit(desk, patient)
    desk.outbox.queue_appointment_reminders()
    assert desk.outbox.send_due().sent == 1
    [request] = whatsapp_api.requests
    template = request["body"]["template"]
    assert template["name"] == "caregiver_visit" and request["body"]["to"] == "15550107788"
    texts = [p["text"] for p in template["components"][0]["parameters"]]
    assert texts[:2] == ["Ana Muñoz", "Rosa"]


def test_a_caregiver_without_a_language_gets_the_patients(desk: Desk, clinic: Gateway) -> None:
    patient = _patient(desk, consent_email=False)  # Spanish
    add_caregiver(desk, patient, language=None)
    _visit(desk, patient)
    desk.outbox.queue_appointment_reminders()
    desk.outbox.send_due()
    [text] = clinic.requests
    # The words and the date both in Spanish ("el jueves 26 de noviembre a las 10:00").
    assert re.search(r" tiene una cita el \w+ \d+ de \w+ a las \d", text["body"]["text"])


def test_a_place_that_names_a_diagnosis_holds_the_caregivers_reminder_too(
    desk: Desk, clinic: Gateway
) -> None:
    patient = _patient(desk, consent_email=False)
    add_caregiver(desk, patient)
    with desk.writing() as tx:
        visit = Appointment(
            patient_id=patient.id,
            starts_at=utcnow() + timedelta(hours=30),
            place="Clínica de VIH, piso 2",
        )
        tx.add(visit, kind="appointment", patient_id=patient.id)
    desk.outbox.queue_appointment_reminders()
    [row] = [m for m in desk.outbox.messages() if m.family_member_id]
    assert (row.state, row.reason) == (MessageState.BLOCKED, privacy.HELD)
    assert desk.outbox.send_due().sent == 0 and clinic.requests == []
