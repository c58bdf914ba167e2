"""E-mail replies from a real IMAP server (Dovecot on loopback, TLS with a self-signed
certificate), answering e-mails careDesk sent through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from email import message_from_string
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from aiosmtpd.controller import Controller

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.schedule.mailbox import TAKEN
from tests.careDesk.schedule.conftest import Inbox, add_patient, configure_imap, configure_smtp
from tests.careDesk.schedule.imap_server import ImapServer

FAMILY_INBOX = "garcia.family@example.org"


def mail(
    sender: str, body: str, *, subject: str = "Re: We would like to check in", **headers: str
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "care@riverside.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{abs(hash((sender, body, tuple(headers.items()))))}@mail.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


@pytest.fixture
def mailing(desk: Desk, imap: ImapServer, smtp_server: Controller, smtp_port: int) -> ImapServer:
    configure_smtp(desk, smtp_port)
    configure_imap(desk, imap)
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    return imap


def emailed(desk: Desk, patient: Patient, inbox: Inbox) -> str:
    """Send the patient a check-in e-mail; returns the Message-ID it went out with."""
    row = desk.outbox.queue(patient.id, "follow_up_checkin", now=utcnow()).value
    assert desk.outbox.send_due().sent == 1
    sent = message_from_string(inbox.messages[-1]["data"])
    [stored] = [m for m in desk.outbox.messages() if m.id == row.id]
    assert stored.external_id == sent["Message-ID"]  # recorded, so a reply can name it
    return str(sent["Message-ID"])


def test_a_reply_naming_our_message_is_matched_by_its_header(
    desk: Desk, mailing: ImapServer, inbox: Inbox
) -> None:
    """Two patients share a family inbox: only the header can tell whose reply it is."""
    rosa = add_patient(desk, email=FAMILY_INBOX, language="en", given_name="Rosa")
    luis = add_patient(desk, email=FAMILY_INBOX, language="en", given_name="Luis")
    ours = emailed(desk, luis, inbox)
    quoted = "\n".join(
        [
            "I am doing better, thank you.",
            "",
            "On Wed, Nov 25, 2026 at 11:00 AM Riverside Clinic <",
            "care@riverside.example> wrote:",
            "> Hello Luis. This is your care team from Riverside Clinic.",
        ]
    )
    mailing.deliver(mail(FAMILY_INBOX, quoted, In_Reply_To=ours, References=ours))

    report = desk.inbox.fetch()
    assert (report.taken, report.matched, report.problems) == (1, 1, [])
    [reply] = desk.inbox.replies()
    assert (reply.patient_id, reply.matched_by) == (luis.id, "reply header")
    assert reply.body == "I am doing better, thank you."  # without the quoted message
    assert desk.timeline.page(rosa.id) == []
    [entry] = [e for e in desk.timeline.page(luis.id) if e.direction == "in"]
    assert entry.channel == "email" and entry.body == reply.body
    assert mailing.unseen() == 1  # read with PEEK: still unread for people in the mailbox


def test_a_new_email_from_an_address_on_file_is_matched_by_address(
    desk: Desk, mailing: ImapServer
) -> None:
    patient = add_patient(desk, email="Rosa@Example.org")
    mailing.deliver(mail("Rosa Muñoz <rosa@example.org>", "Can someone call me?", subject="Hi"))
    assert desk.inbox.fetch().matched == 1
    [reply] = desk.inbox.replies()
    assert (reply.patient_id, reply.matched_by) == (patient.id, "address")
    assert len(desk.followups.open_for_patient(patient.id)) == 1


def test_an_address_two_patients_share_without_a_header_is_left_unmatched(
    desk: Desk, mailing: ImapServer
) -> None:
    add_patient(desk, email=FAMILY_INBOX)
    add_patient(desk, email=FAMILY_INBOX)
    mailing.deliver(mail(FAMILY_INBOX, "Who is this about?", subject="Question"))
    assert desk.inbox.fetch().unmatched == 1
    [reply] = desk.inbox.unmatched()
    assert reply.reason == "2 people on file share this address"


def test_mail_from_strangers_is_left_for_the_people_reading_the_mailbox(
    desk: Desk, mailing: ImapServer
) -> None:
    add_patient(desk)
    mailing.deliver(mail("offers@shop.example", "Big sale", subject="Sale"))
    assert desk.inbox.fetch().taken == 0
    assert desk.inbox.replies() == []
    assert mailing.unseen() == 1


def test_an_emailed_stop_above_the_quoted_message_stops_email(
    desk: Desk, mailing: ImapServer, inbox: Inbox
) -> None:
    patient = add_patient(desk, language="en")
    ours = emailed(desk, patient, inbox)
    body = "Stop\n\nSent from my phone\n\n> Hello Rosa. This is your care team."
    mailing.deliver(mail("rosa@example.org", body, In_Reply_To=ours))
    desk.inbox.fetch()
    with desk.reading() as session:
        stored = session.get(type(patient), patient.id)
    assert stored is not None and not stored.consent_email and stored.consent_sms
    row = desk.outbox.queue(patient.id, "refill_reminder", now=utcnow()).value
    assert row.state == "blocked"


def test_each_email_is_taken_once(desk: Desk, mailing: ImapServer) -> None:
    add_patient(desk)
    mailing.deliver(mail("rosa@example.org", "Thanks!"))
    assert desk.inbox.fetch().taken == 1
    assert mailing.flagged(TAKEN) == 1
    assert desk.inbox.fetch().taken == 0
    assert len(desk.inbox.replies()) == 1


def test_a_wrong_password_is_one_clear_problem(desk: Desk, mailing: ImapServer) -> None:
    desk.settings.set("imap.password", "not the password")
    report = desk.inbox.fetch()
    assert report.problems == [
        "email: the mailbox server refused the login (imap.user, imap.password)"
    ]


def test_a_server_certificate_not_trusted_is_refused(desk: Desk, mailing: ImapServer) -> None:
    desk.settings.set("imap.ca_file", "")  # the system's CAs do not know the test server
    mailing.deliver(mail("rosa@example.org", "Thanks!"))
    add_patient(desk)
    report = desk.inbox.fetch()
    assert report.problems == [
        "email: the mailbox server's certificate is not trusted (imap.ca_file)"
    ]
    assert desk.inbox.replies() == []


def test_a_reply_to_a_message_of_a_removed_patient_is_not_theirs(
    desk: Desk, mailing: ImapServer, inbox: Inbox
) -> None:
    rosa = add_patient(desk, email=FAMILY_INBOX, language="en")
    luis = add_patient(desk, email=FAMILY_INBOX, language="en")
    ours = emailed(desk, luis, inbox)
    desk.patients.remove(luis.id)  # entered in error
    mailing.deliver(mail(FAMILY_INBOX, "Thanks", In_Reply_To=ours))
    desk.inbox.fetch()
    [reply] = desk.inbox.replies()
    assert (reply.patient_id, reply.matched_by) == (rosa.id, "address")


def test_a_missing_ca_file_is_named(desk: Desk, mailing: ImapServer) -> None:
    desk.settings.set("imap.ca_file", str(mailing.root / "no-such-ca.pem"))
    report = desk.inbox.fetch()
    assert report.problems == ["email: the CA file in imap.ca_file cannot be read"]
