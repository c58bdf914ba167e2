"""The chart's outreach controls (issue 20): the patient's consent per channel (WhatsApp too),
a caregiver's messaging settings, and the caregiver's copy of the handout.

Principle for the caregiver rules: HIPAA lets a provider share with a family member what is
relevant to their involvement in the patient's care when the patient agrees (45 CFR
164.510(b)); careDesk asks the caregiver's own consent per channel on top.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_string
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlmodel import col, select

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.schedule import Appointment
from tests.careDesk.schedule.conftest import (
    Gateway,
    Inbox,
    WhatsAppApi,
    configure_smtp,
    configure_whatsapp,
    free_port,
)
from tests.ui.conftest import add_patient, chart_view, wait_idle
from ui.chart.caregiver_copy import CaregiverCopyDialog
from ui.chart.handout import HandoutDialog
from ui.chart.story import StoryTab
from ui.dialogs import FormDialog
from ui.workspace import Workspace

CONDITION = "Heart failure"


@pytest.fixture
def whatsapp_api() -> Iterator[WhatsAppApi]:
    with WhatsAppApi() as api:
        yield api


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def texts() -> Iterator[Gateway]:
    with Gateway() as gateway:
        yield gateway


def _no_quiet_hours(desk: Desk) -> None:
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")


def _save(qtbot: QtBot, dialog: FormDialog, **values: Any) -> Any:
    for name, value in values.items():
        dialog.set_value(name, value)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.submit()
    return saved.args[0]


def _visit(desk: Desk, patient_id: str) -> None:
    with desk.writing() as tx:
        visit = Appointment(patient_id=patient_id, starts_at=utcnow() + timedelta(hours=30))
        tx.add(visit, kind="appointment", patient_id=patient_id)


def _patient(desk: Desk, **extra: object) -> str:
    fields: dict[str, object] = {
        "phone": "+1 555 010 2030",
        "email": "rosa@example.org",
        "consent_program": True,
    }
    return add_patient(desk, "Rosa", "Muñoz", "OUT-1", **(fields | extra))


def _caregiver(desk: Desk, patient_id: str, **extra: object) -> FamilyMember:
    fields: dict[str, object] = {
        "name": "Ana Muñoz",
        "relationship": "daughter",
        "caregiver": True,
        "phone": "+1 555 010 7788",
        "email": "ana@example.org",
        "may_be_told": "everything",
        "receives_messages": True,
        "consent_email": True,
        "consent_sms": True,
        "preferred_channel": "sms",
    }
    return desk.patients.add_family(patient_id, **(fields | extra)).value


def test_whatsapp_consent_set_on_the_chart_sends_by_whatsapp_and_a_stop_shows_at_once(
    qtbot: QtBot, ws: Workspace, desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    _no_quiet_hours(desk)
    pid = _patient(desk, preferred_channel="whatsapp", consent_sms=True)
    view = chart_view(qtbot, ws, pid)
    assert "WhatsApp" not in view.header.consent.text()
    with qtbot.waitSignal(view.loaded):  # the chart reloads after the change
        _save(qtbot, view.edit_consent(), consent_whatsapp=True)
    assert "WhatsApp" in view.header.consent.text()
    [event] = desk.audit_events(patient_id=pid, action="patient.consent")
    assert "consent_whatsapp" in (event.detail or "")

    _visit(desk, pid)
    desk.outbox.queue_appointment_reminders()
    assert desk.outbox.send_due().sent == 1
    [request] = whatsapp_api.requests
    assert request["body"]["to"] == "15550102030"
    assert request["body"]["template"]["name"] == "visit_reminder"

    whatsapp_api.replies.append(
        {"id": "wa-1", "from": "15550102030", "body": "STOP", "received_at": utcnow().isoformat()}
    )
    wait_idle(qtbot, ws.worker)  # the reloads the sending asked for are done
    with qtbot.waitSignal(view.loaded):
        assert desk.inbox.fetch().matched == 1
    wait_idle(qtbot, ws.worker)
    assert "WhatsApp" not in view.header.consent.text()
    assert "text" in view.header.consent.text()  # a WhatsApp STOP stops WhatsApp only

    # Ticked again on the chart, the consent dialog says the number still has to send START.
    dialog = view.edit_consent()
    wait_idle(qtbot, ws.worker)
    note = dialog.findChild(QLabel, "stops")
    assert note is not None and note.isVisibleTo(dialog)
    assert note.text().startswith("WhatsApp: this address replied STOP on ")
    assert "until it sends START" in note.text()
    _save(qtbot, dialog, consent_whatsapp=True)
    desk.outbox.queue(pid, "follow_up_checkin", channel="whatsapp")
    desk.outbox.send_due()
    assert len(whatsapp_api.requests) == 1  # only the reminder before the STOP


def test_caregiver_messaging_settings_need_the_patients_agreement(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    pid = _patient(desk)
    ana = _caregiver(
        desk,
        pid,
        receives_messages=False,
        consent_email=False,
        consent_sms=False,
        preferred_channel=None,
    )
    view = chart_view(qtbot, ws, pid)
    story = view.show_tab("story")
    assert isinstance(story, StoryTab)
    story.family.select(ana.id)
    dialog = story.family.messaging_selected()
    assert dialog is not None
    assert not dialog.widgets["consent_whatsapp"].isEnabled()  # no agreement: locked
    dialog.widgets["consent_whatsapp"].setEnabled(True)  # as if forced past the lock
    dialog.set_value("consent_whatsapp", True)
    dialog.submit()
    wait_idle(qtbot, ws.worker)
    assert dialog.isVisible()
    assert "the patient has not agreed" in dialog.form.error_for("receives_messages")

    with qtbot.waitSignal(view.loaded):
        _save(
            qtbot,
            dialog,
            receives_messages=True,
            consent_whatsapp=True,
            preferred_channel="whatsapp",
            may_be_told="appointments",
        )
    model = story.family.model
    assert model.data(model.index(0, 4)) == "appointment reminders by WhatsApp"
    events = desk.audit_events(patient_id=pid, action="family.update")
    assert events and "receives_messages" in (events[0].detail or "")


def test_a_family_member_is_added_on_the_chart(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = _patient(desk)
    view = chart_view(qtbot, ws, pid)
    story = view.show_tab("story")
    assert isinstance(story, StoryTab)
    with qtbot.waitSignal(view.loaded):
        _save(
            qtbot,
            story.family.add_member(),
            name="Luis Muñoz",
            relationship="son",
            caregiver=True,
            may_be_told="appointments",
        )
    assert story.family.model.data(story.family.model.index(0, 0)) == "Luis Muñoz"
    assert story.family.model.data(story.family.model.index(0, 4)) == "—"  # nothing yet


def _copy_dialog(
    qtbot: QtBot, ws: Workspace, pid: str, member_id: str
) -> tuple[HandoutDialog, CaregiverCopyDialog]:
    """The handout dialog (kept by the caller: it owns the copy dialog) and its "Send
    caregiver copy…" dialog with the caregiver chosen."""
    handout = HandoutDialog(ws, pid)
    qtbot.addWidget(handout)
    wait_idle(qtbot, ws.worker)
    dialog = handout.caregiver_copy()
    wait_idle(qtbot, ws.worker)
    dialog.choose(member_id)
    wait_idle(qtbot, ws.worker)
    return handout, dialog


def test_the_caregiver_copy_is_emailed_from_the_handout_dialog(
    qtbot: QtBot, ws: Workspace, desk: Desk, mail: tuple[Inbox, int]
) -> None:
    inbox, port = mail
    configure_smtp(desk, port)
    _no_quiet_hours(desk)
    pid = _patient(desk, consent_email=False)
    desk.clinical.add_condition(pid, display=CONDITION, icd10="I50.9")
    ana = _caregiver(desk, pid)
    _handout, dialog = _copy_dialog(qtbot, ws, pid, ana.id)
    assert dialog.email_button.isEnabled() and dialog.print_button.isEnabled()
    dialog.email_button.click()
    wait_idle(qtbot, ws.worker)
    assert "in the outbox" in dialog.message.text()
    assert desk.outbox.send_due().sent == 1
    [sent] = inbox.messages
    assert sent["to"] == ["ana@example.org"]
    [part] = [p for p in message_from_string(sent["data"]).walk() if p.get_filename()]
    pdf = part.get_payload(decode=True)
    assert isinstance(pdf, bytes)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Copy for Ana Muñoz" in text and CONDITION in text
    sent_events = desk.audit_events(patient_id=pid, action="message.sent")
    assert any(ana.id in (e.detail or "") for e in sent_events)


def test_the_printed_caregiver_copy_is_saved_and_audited(
    qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path
) -> None:
    pid = _patient(desk)
    ana = _caregiver(desk, pid, consent_email=False)
    _handout, dialog = _copy_dialog(qtbot, ws, pid, ana.id)
    assert not dialog.email_button.isEnabled()  # no e-mail consent from Ana
    assert "no consent from the caregiver for email" in dialog.message.text()
    target = tmp_path / "copy.pdf"
    dialog.save_to(target)
    wait_idle(qtbot, ws.worker)
    text = " ".join(p.extract_text() for p in PdfReader(target).pages)
    assert "Copy for Ana Muñoz" in text
    [event] = desk.audit_events(patient_id=pid, action="print")
    assert ana.id in (event.detail or "")


def test_a_caregiver_told_only_appointments_never_gets_the_diagnosis(
    qtbot: QtBot, ws: Workspace, desk: Desk, texts: Gateway, mail: tuple[Inbox, int]
) -> None:
    inbox, port = mail
    configure_smtp(desk, port)
    desk.settings.set("sms.url", texts.url)
    _no_quiet_hours(desk)
    pid = _patient(desk, consent_email=False, consent_sms=False)
    desk.clinical.add_condition(pid, display=CONDITION, icd10="I50.9")
    ana = _caregiver(desk, pid, may_be_told="appointments")
    _handout, dialog = _copy_dialog(qtbot, ws, pid, ana.id)
    assert "this caregiver may be told: appointments" in dialog.message.text()
    assert not any(
        b.isEnabled() for b in (dialog.email_button, dialog.print_button, dialog.save_button)
    )
    _visit(desk, pid)
    desk.outbox.queue_appointment_reminders()
    assert desk.outbox.send_due().sent == 1  # Ana's reminder; the patient has no channel
    [request] = texts.requests
    assert request["body"]["to"] == "+1 555 010 7788"
    assert "heart" not in request["body"]["text"].lower()
    assert inbox.messages == []  # and no copy of the handout went anywhere


def test_on_the_demo_desk_whatsapp_given_on_the_chart_carries_the_reminder(
    qtbot: QtBot, ws: Workspace, desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    """A demo patient who takes texts but not WhatsApp agrees to WhatsApp at the desk: the
    coordinator ticks it and makes it the preferred contact; the next reminder goes there."""
    generate_demo(desk, patients=20, seed=42)
    desk.settings.set("whatsapp.url", whatsapp_api.url)
    desk.settings.set("whatsapp.token", "EAAG-demo-token")
    _no_quiet_hours(desk)
    with desk.reading() as session:
        patient = session.exec(
            select(Patient).where(
                col(Patient.consent_sms).is_(True),
                col(Patient.consent_whatsapp).is_(False),
                col(Patient.status).in_(("enrolled", "active")),
            )
        ).first()
    assert patient is not None
    view = chart_view(qtbot, ws, patient.id)
    with qtbot.waitSignal(view.loaded):
        _save(qtbot, view.edit_consent(), consent_whatsapp=True)
    with qtbot.waitSignal(view.loaded):
        _save(qtbot, view.edit_details(), preferred_channel="whatsapp")
    assert "WhatsApp" in view.header.consent.text()
    _visit(desk, patient.id)
    desk.outbox.queue_appointment_reminders()
    desk.outbox.send_due()
    to = [r["body"]["to"] for r in whatsapp_api.requests]
    assert to.count("1" + str(patient.phone_digits)[-10:]) >= 1  # and its other visits
