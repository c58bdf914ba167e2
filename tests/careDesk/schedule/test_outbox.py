"""Outreach through real loopback servers: SMTP (aiosmtpd) and an HTTP SMS gateway."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.outreach import MessageState
from careDesk.model.schedule import Appointment
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.careDesk.schedule.conftest import Gateway, Inbox, add_patient, configure_smtp
from tests.conftest import ADMIN, PASSWORD

NOON = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # inside the day in UTC and in Chicago
ROOT = Path(__file__).resolve().parents[3]


def subject_of(raw: str) -> str:
    return str(make_header(decode_header(message_from_string(raw)["Subject"])))


def test_email_arrives_once_with_the_right_content(
    desk: Desk, smtp_server: Controller, inbox: Inbox, smtp_port: int
) -> None:
    configure_smtp(desk, smtp_port)
    patient = add_patient(desk, language="en", given_name="Walter")
    queued = desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    again = desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    assert again.value.id == queued.value.id  # same idempotency key: no second message

    report = desk.outbox.send_due(NOON)
    assert (report.sent, report.failed) == (1, 0)
    assert desk.outbox.send_due(NOON + timedelta(hours=1)).sent == 0
    assert len(inbox.messages) == 1
    mail = message_from_string(inbox.messages[0]["data"])
    assert inbox.messages[0]["to"] == ["rosa@example.org"]
    assert subject_of(inbox.messages[0]["data"]) == "We would like to check in"
    assert "Hello Walter. This is" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Riverside Clinic" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    [row] = desk.outbox.messages()
    assert row.state == MessageState.SENT
    timeline = desk.audit_events(patient_id=patient.id, action="message.sent")
    assert len(timeline) == 1


def test_spanish_patient_gets_the_spanish_template(
    desk: Desk, smtp_server: Controller, inbox: Inbox, smtp_port: int
) -> None:
    configure_smtp(desk, smtp_port)
    patient = add_patient(desk, language="es")
    desk.outbox.queue(patient.id, "refill_reminder", now=NOON)
    desk.outbox.send_due(NOON)
    assert subject_of(inbox.messages[0]["data"]) == "Es hora de pedir más medicina"


def test_with_the_server_down_mail_stays_queued_then_arrives_exactly_once(
    desk: Desk, inbox: Inbox, smtp_port: int
) -> None:
    configure_smtp(desk, smtp_port)  # nothing listens on this port yet
    patient = add_patient(desk)
    desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    report = desk.outbox.send_due(NOON)
    assert report.retrying == 1
    [row] = desk.outbox.messages()
    assert row.state == MessageState.QUEUED and "not reachable" in (row.reason or "")
    assert row.next_attempt_at == NOON + timedelta(minutes=1)
    assert desk.outbox.send_due(NOON + timedelta(seconds=30)).sent == 0  # back-off respected

    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert desk.outbox.send_due(NOON + timedelta(minutes=2)).sent == 1
        assert desk.outbox.send_due(NOON + timedelta(minutes=10)).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def _kill_mid_send(vault_paths: VaultPaths, arrived: threading.Event) -> None:
    env = {**os.environ, "CAREDESK_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.careDesk.schedule.send_child",
            str(vault_paths.root),
            ADMIN,
            NOON.isoformat(),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as child:
        try:
            reached = arrived.wait(60)
        finally:
            child.kill()
            _, err = child.communicate()
    assert reached, err.decode(errors="replace")


def test_a_process_killed_mid_send_does_not_send_twice_on_restart(
    desk: Desk, vault_paths: VaultPaths, smtp_server: Controller, inbox: Inbox, smtp_port: int
) -> None:
    configure_smtp(desk, smtp_port)
    patient = add_patient(desk)
    desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    desk.close()
    inbox.hold = threading.Event()  # the server has the message but holds its reply
    _kill_mid_send(vault_paths, inbox.arrived)
    inbox.hold.set()

    restarted = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert restarted.outbox.recover_interrupted() == 1
        assert restarted.outbox.send_due(NOON + timedelta(hours=1)).sent == 0
        [row] = restarted.outbox.messages()
        assert row.state == MessageState.UNKNOWN
        assert "check with the patient" in (row.reason or "")
    finally:
        restarted.close()
    assert len(inbox.messages) == 1


def test_sms_goes_through_the_gateway_once_with_token_and_key(desk: Desk, gateway: Gateway) -> None:
    configure_smtp(desk, 25)  # clinic name and phone
    desk.settings.set("sms.url", gateway.url)
    desk.settings.set("sms.token", "s3cret-token")
    patient = add_patient(desk, preferred_channel="sms", language="en")
    desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    assert desk.outbox.send_due(NOON).sent == 1
    [request] = gateway.requests
    assert request["body"]["to"] == "+1 555 010 2030"
    assert request["body"]["text"] == (
        "Riverside Clinic: Hi Rosa, this is your care team. "
        "How are you doing? Please call 555-0100."
    )
    assert request["auth"] == "Bearer s3cret-token"
    assert request["key"].startswith("follow_up_checkin:")


def test_sms_gateway_down_then_up_delivers_exactly_once(desk: Desk, gateway: Gateway) -> None:
    configure_smtp(desk, 25)
    desk.settings.set("sms.url", gateway.url)
    patient = add_patient(desk, preferred_channel="sms")
    desk.outbox.queue(patient.id, "refill_reminder", now=NOON)
    gateway.status = 503
    assert desk.outbox.send_due(NOON).retrying == 1
    gateway.status = 200
    assert desk.outbox.send_due(NOON + timedelta(minutes=5)).sent == 1
    assert desk.outbox.send_due(NOON + timedelta(minutes=50)).sent == 0
    assert len(gateway.requests) == 1


def test_sms_killed_mid_send_is_not_resent(
    desk: Desk, vault_paths: VaultPaths, gateway: Gateway
) -> None:
    configure_smtp(desk, 25)
    desk.settings.set("sms.url", gateway.url)
    patient = add_patient(desk, preferred_channel="sms")
    desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    desk.close()
    gateway.hold = threading.Event()
    _kill_mid_send(vault_paths, gateway.arrived)
    gateway.hold.set()
    restarted = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        restarted.outbox.recover_interrupted()
        assert restarted.outbox.send_due(NOON + timedelta(hours=1)).sent == 0
    finally:
        restarted.close()
    assert len(gateway.requests) == 1


@pytest.mark.parametrize(
    ("overrides", "channel", "reason"),
    [
        ({"consent_sms": False}, "sms", "no consent on file for sms"),
        ({"consent_email": False}, "email", "no consent on file for email"),
        ({"email": None}, "email", "no e-mail address on file"),
        ({"status": "discharged"}, "email", "the patient has left the program"),
    ],
)
def test_no_consent_means_not_sent_with_the_reason_shown(
    desk: Desk, overrides: dict[str, object], channel: str, reason: str
) -> None:
    configure_smtp(desk, 25)
    patient = add_patient(desk, **overrides)
    outcome = desk.outbox.queue(patient.id, "follow_up_checkin", channel=channel, now=NOON)
    assert outcome.value.state == MessageState.BLOCKED
    assert outcome.value.reason == reason
    assert desk.outbox.send_due(NOON).sent == 0
    assert desk.audit_events(patient_id=patient.id, action="message.blocked")


def test_quiet_hours_hold_messages_until_morning_in_the_clinic_zone(desk: Desk) -> None:
    configure_smtp(desk, 25)
    desk.settings.set("clinic.timezone", "America/Chicago")
    patient = add_patient(desk)
    late = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 21:00 CST on the 24th
    outcome = desk.outbox.queue(patient.id, "follow_up_checkin", now=late)
    assert outcome.value.next_attempt_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 08:00


def test_appointment_reminders_are_queued_once_per_appointment(desk: Desk) -> None:
    configure_smtp(desk, 25)
    patient = add_patient(desk, language="en")
    with desk.writing() as tx:
        tx.add(
            Appointment(
                patient_id=patient.id,
                starts_at=NOON + timedelta(days=1),
                place="Riverside Clinic, room 2",
                with_whom="Dr. Lee",
            ),
            kind="appointment",
            patient_id=patient.id,
        )
    assert desk.outbox.queue_appointment_reminders(now=NOON) == 1
    assert desk.outbox.queue_appointment_reminders(now=NOON + timedelta(hours=3)) == 0
    [row] = desk.outbox.messages()
    assert row.template == "appointment_reminder"


def test_messages_need_the_clinic_name_and_phone(desk: Desk) -> None:
    patient = add_patient(desk)
    with pytest.raises(ValidationFailed) as caught:
        desk.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    assert caught.value.field == "clinic.name"


def test_read_only_user_cannot_queue_messages(desk: Desk, vault_paths: VaultPaths) -> None:
    patient = add_patient(desk)
    desk.users.add("reader", "quiet meadow lantern 4", "read-only")
    desk.close()
    reader = unlock(vault_paths, "reader", "quiet meadow lantern 4")
    try:
        with pytest.raises(PermissionDenied):
            reader.outbox.queue(patient.id, "follow_up_checkin", now=NOON)
    finally:
        reader.close()
