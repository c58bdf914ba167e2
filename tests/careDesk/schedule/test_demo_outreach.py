"""Issue 20's "done when", on the demo clinic: messages sent by WhatsApp, e-mail and SMS to demo
patients, answered on each channel, land on the right timeline with a follow-up; STOP on each
channel stops that channel; a demo caregiver gets their reminder and their copy of the handout.

Every part is real: the demo vault, aiosmtpd for the e-mail sent, Dovecot over TLS for the
e-mail answered, and loopback HTTP servers speaking the SMS gateway's and WhatsApp Cloud API's
shapes (``conftest.py``).
"""

from __future__ import annotations

import io
from datetime import timedelta
from email import message_from_string

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlmodel import col, select

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.outreach import MessageState
from careDesk.model.patient import FamilyMember, Patient
from careDesk.schedule import caregivers, matching
from careDesk.schedule.outbox import MessageRow
from tests.careDesk.schedule.conftest import (
    Gateway,
    Inbox,
    WhatsAppApi,
    configure_imap,
)
from tests.careDesk.schedule.imap_server import ImapServer
from tests.careDesk.schedule.test_mailbox import mail
from tests.conftest import PASSWORD

ANSWER = {
    "email": "Can someone call me after 3pm?",
    "sms": "Can you call me after 3pm?",
    "whatsapp": "Please call me after 3pm",
}
CONSENT = {"email": "consent_email", "sms": "consent_sms", "whatsapp": "consent_whatsapp"}


@pytest.fixture
def demo(
    desk: Desk,
    imap: ImapServer,
    smtp_server: Controller,
    smtp_port: int,
    gateway: Gateway,
    whatsapp_api: WhatsAppApi,
) -> Desk:
    """Sixty demo patients, the clinic's gateways pointed at the loopback servers."""
    generate_demo(desk, patients=60, seed=42, coordinator_password=PASSWORD)
    for key, value in {
        "smtp.host": "127.0.0.1",
        "smtp.port": str(smtp_port),
        "smtp.security": "none",
        "smtp.sender": "care@bayou.example",
        "sms.url": gateway.url,
        "sms.inbox_url": gateway.inbox_url,
        "whatsapp.url": whatsapp_api.url,
        "whatsapp.token": "EAAG-demo-token",
        "whatsapp.inbox_url": whatsapp_api.relay_url,
        "outreach.quiet_start": "00:00",  # no quiet hours: the test runs at any hour
        "outreach.quiet_end": "00:00",
    }.items():
        desk.settings.set(key, value)
    configure_imap(desk, imap)
    return desk


def _sent(desk: Desk) -> list[MessageRow]:
    return [m for m in desk.outbox.messages(limit=5000) if m.state == MessageState.SENT]


def _one_per_channel(desk: Desk) -> dict[str, Patient]:
    """Send the week's reminders; one demo patient per channel, each alone on their address
    (a shared phone is rightly left for a person to sort)."""
    assert desk.outbox.queue_appointment_reminders(days_ahead=7) >= 5
    report = desk.outbox.send_due(now=utcnow() + timedelta(days=8))
    assert report.sent >= 5
    chosen: dict[str, Patient] = {}
    with desk.reading() as session:
        for row in _sent(desk):
            patient = session.get(Patient, row.patient_id)
            if row.family_member_id or row.channel in chosen or patient is None:
                continue
            address = patient.email if row.channel == "email" else patient.phone
            if address and len(matching.candidates(session, row.channel, address)) == 1:
                chosen[row.channel] = patient
    assert set(chosen) == {"email", "sms", "whatsapp"}, "the demo sends on every channel"
    return chosen


def _answer(
    desk: Desk,
    imap: ImapServer,
    inbox: Inbox,
    gateway: Gateway,
    api: WhatsAppApi,
    who: dict[str, Patient],
    words: dict[str, str],
    tag: str,
) -> None:
    """Each chosen patient answers on the channel they were reached on."""
    now = utcnow().isoformat()
    email = who["email"]
    [ours] = [  # the e-mail careDesk sent them, so the answer names it
        message_from_string(m["data"])["Message-ID"]
        for m in inbox.messages
        if m["to"] == [email.email]
    ][:1]
    imap.deliver(mail(str(email.email), words["email"], In_Reply_To=ours, References=ours))
    gateway.inbound.append(
        {"id": f"s-{tag}", "from": who["sms"].phone, "body": words["sms"], "received_at": now}
    )
    digits = "1" + str(who["whatsapp"].phone_digits)[-10:]
    api.replies.append(
        {"id": f"w-{tag}", "from": digits, "body": words["whatsapp"], "received_at": now}
    )


def test_answers_on_each_channel_land_on_the_right_timeline_with_a_follow_up(
    demo: Desk, imap: ImapServer, inbox: Inbox, gateway: Gateway, whatsapp_api: WhatsAppApi
) -> None:
    who = _one_per_channel(demo)
    assert {r["body"]["to"] for r in whatsapp_api.requests}  # WhatsApp really went out
    before = {c: len(demo.followups.open_for_patient(p.id)) for c, p in who.items()}
    _answer(demo, imap, inbox, gateway, whatsapp_api, who, ANSWER, "1")
    report = demo.inbox.fetch()
    assert report.problems == []
    assert report.matched >= 3
    for channel, patient in who.items():
        replies = [e for e in demo.timeline.page(patient.id) if e.direction == "in"]
        assert [(e.channel, e.body) for e in replies] == [(channel, ANSWER[channel])]
        assert len(demo.followups.open_for_patient(patient.id)) == before[channel] + 1
        others = [p for c, p in who.items() if c != channel]
        for other in others:  # not on anyone else's timeline
            assert all(e.body != ANSWER[channel] for e in demo.timeline.page(other.id))


def test_stop_on_each_channel_stops_that_channel(
    demo: Desk, imap: ImapServer, inbox: Inbox, gateway: Gateway, whatsapp_api: WhatsAppApi
) -> None:
    who = _one_per_channel(demo)
    _answer(demo, imap, inbox, gateway, whatsapp_api, who, dict.fromkeys(ANSWER, "STOP"), "2")
    assert demo.inbox.fetch().problems == []
    with demo.reading() as session:
        for channel, patient in who.items():
            stored = session.get(Patient, patient.id)
            assert stored is not None and not getattr(stored, CONSENT[channel])
    for channel, patient in who.items():
        row = demo.outbox.queue(patient.id, "follow_up_checkin", channel=channel).value
        assert row.state == MessageState.BLOCKED
    sent_before = len(whatsapp_api.requests), len(gateway.requests), len(inbox.messages)
    demo.outbox.send_due()
    assert (len(whatsapp_api.requests), len(gateway.requests), len(inbox.messages)) == sent_before


def test_a_demo_caregiver_gets_their_reminder_and_their_copy(
    demo: Desk, gateway: Gateway, whatsapp_api: WhatsAppApi, inbox: Inbox
) -> None:
    demo.outbox.queue_appointment_reminders(days_ahead=7)
    demo.outbox.send_due(now=utcnow() + timedelta(days=8))
    to_caregivers = [m for m in _sent(demo) if m.family_member_id]
    assert to_caregivers, "demo caregivers get reminders"
    with demo.reading() as session:
        member = session.exec(
            select(FamilyMember).where(
                col(FamilyMember.receives_messages).is_(True),
                FamilyMember.may_be_told == "everything",
                col(FamilyMember.email).is_not(None),
                col(FamilyMember.consent_email).is_(True),
            )
        ).first()
    assert member is not None, "the demo has caregivers who take e-mail"
    pdf = caregivers.printed_handout_copy(demo, member.id)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert member.name in text
    caregivers.email_handout_copy(demo, member.id)
    assert demo.outbox.send_due().sent == 1
    assert inbox.messages[-1]["to"] == [member.email]
    assert {e.action for e in demo.audit_events(patient_id=member.patient_id)} >= {
        "print",
        "message.sent",
    }
