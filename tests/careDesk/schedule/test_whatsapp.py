"""WhatsApp through a loopback server speaking the WhatsApp Business Cloud API's shape.

Request shape: Meta, WhatsApp Cloud API reference, "Messages" (POST /{phone-number-id}/messages,
``type: template``); the answer's ``messages[0].id`` is what careDesk keeps.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.outreach import MessageState
from careDesk.model.schedule import Appointment
from careDesk.paths import VaultPaths
from careDesk.schedule import privacy
from careDesk.store.vault import unlock
from tests.careDesk.schedule.conftest import WhatsAppApi, add_patient, configure_whatsapp
from tests.careDesk.schedule.test_outbox import _kill_mid_send
from tests.conftest import ADMIN, PASSWORD

NOON = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # daytime in UTC and in Chicago


def _visit(desk: Desk, patient_id: str, place: str = "Riverside Clinic, room 2") -> str:
    with desk.writing() as tx:
        visit = Appointment(
            patient_id=patient_id, starts_at=NOON + timedelta(days=1, hours=-1), place=place
        )
        tx.add(visit, kind="appointment", patient_id=patient_id)
    return visit.id


def test_a_reminder_goes_as_an_approved_template_and_its_id_is_kept(
    desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    desk.settings.set("clinic.timezone", "America/Chicago")
    patient = add_patient(
        desk, preferred_channel="whatsapp", consent_whatsapp=True, given_name="Rosa"
    )
    _visit(desk, patient.id)
    assert desk.outbox.queue_appointment_reminders(now=NOON) == 1
    assert desk.outbox.send_due(NOON).sent == 1
    assert desk.outbox.send_due(NOON + timedelta(hours=2)).sent == 0  # exactly once

    [request] = whatsapp_api.requests
    assert request["auth"] == "Bearer EAAG-test-token"
    assert request["body"] == {
        "messaging_product": "whatsapp",
        "to": "15550102030",
        "type": "template",
        "template": {
            "name": "aviso_cita",  # the Spanish template the clinic named, with its code
            "language": {"code": "es_MX"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Rosa"},
                        {"type": "text", "text": "jueves 26 de noviembre"},
                        {"type": "text", "text": "10:00"},
                        {"type": "text", "text": "Riverside Clinic"},
                        {"type": "text", "text": "555-0100"},
                    ],
                }
            ],
        },
    }
    [row] = desk.outbox.messages()
    assert (row.state, row.channel, row.external_id) == ("sent", "whatsapp", request["id"])
    assert desk.audit_events(patient_id=patient.id, action="message.sent")


def test_one_name_serves_every_language(desk: Desk, whatsapp_api: WhatsAppApi) -> None:
    configure_whatsapp(desk, whatsapp_api)  # follow_up_checkin: "checkin_v2" for all
    patient = add_patient(desk, consent_whatsapp=True, language="en")
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    desk.outbox.send_due(NOON)
    template = whatsapp_api.requests[0]["body"]["template"]
    assert (template["name"], template["language"]) == ("checkin_v2", {"code": "en"})
    # No coordinator: the parameter reads "your care team", never an empty text WhatsApp refuses.
    assert template["components"][0]["parameters"][1] == {"type": "text", "text": "your care team"}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"consent_whatsapp": False}, "no consent on file for whatsapp"),
        ({"phone": None, "phone_digits": None}, "no phone number on file"),
        ({"status": "discharged"}, "the patient has left the program"),
        ({"phone": "(555) 010-2030"}, "no country code for WhatsApp"),
    ],
)
def test_without_consent_or_a_usable_number_nothing_is_sent(
    desk: Desk, whatsapp_api: WhatsAppApi, overrides: dict[str, object], reason: str
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, **{"consent_whatsapp": True, **overrides})
    row = desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON).value
    assert row.state == MessageState.BLOCKED and reason in (row.reason or "")
    assert desk.outbox.send_due(NOON).sent == 0
    assert whatsapp_api.requests == []


def test_a_national_number_takes_the_clinic_country_code(
    desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    desk.settings.set("whatsapp.country_code", "+1")
    patient = add_patient(desk, consent_whatsapp=True, phone="(555) 010-2030")
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    assert desk.outbox.send_due(NOON).sent == 1
    assert whatsapp_api.requests[0]["body"]["to"] == "15550102030"


def test_a_kind_without_an_approved_template_is_held_naming_the_setting(
    desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)  # no template for refill_reminder
    patient = add_patient(desk, consent_whatsapp=True)
    row = desk.outbox.queue(patient.id, "refill_reminder", channel="whatsapp", now=NOON).value
    assert row.state == MessageState.BLOCKED
    assert "whatsapp.template.refill_reminder" in (row.reason or "")
    assert desk.outbox.send_due(NOON).sent == 0


@pytest.mark.parametrize(
    "value", ["Visit Reminder", "en=ok fr=", "english=ok", "en=ok en=again", "ok:EN-us"]
)
def test_template_names_are_checked_when_set(desk: Desk, value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        desk.settings.set("whatsapp.template.appointment_reminder", value)
    assert refused.value.field == "whatsapp.template.appointment_reminder"


def test_a_place_that_names_a_diagnosis_holds_the_whatsapp_reminder(
    desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, preferred_channel="whatsapp", consent_whatsapp=True)
    _visit(desk, patient.id, place="Oncology, 3rd floor")
    desk.outbox.queue_appointment_reminders(now=NOON)
    [row] = desk.outbox.messages()
    assert (row.state, row.reason) == (MessageState.BLOCKED, privacy.HELD)
    assert desk.outbox.send_due(NOON).sent == 0 and whatsapp_api.requests == []


def test_quiet_hours_hold_whatsapp_until_morning(desk: Desk, whatsapp_api: WhatsAppApi) -> None:
    configure_whatsapp(desk, whatsapp_api)
    desk.settings.set("clinic.timezone", "America/Chicago")
    patient = add_patient(desk, consent_whatsapp=True)
    late = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 21:00 in Chicago
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=late)
    assert desk.outbox.send_due(late).sent == 0
    assert desk.outbox.send_due(datetime(2026, 11, 25, 14, 0, tzinfo=UTC)).sent == 1


def test_whatsapp_down_then_up_delivers_exactly_once(desk: Desk, whatsapp_api: WhatsAppApi) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, consent_whatsapp=True)
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    whatsapp_api.status = 503
    assert desk.outbox.send_due(NOON).retrying == 1
    whatsapp_api.status = 200
    assert desk.outbox.send_due(NOON + timedelta(minutes=5)).sent == 1
    assert desk.outbox.send_due(NOON + timedelta(hours=1)).sent == 0
    assert len(whatsapp_api.requests) == 1


def test_a_refused_template_fails_with_the_reason(desk: Desk, whatsapp_api: WhatsAppApi) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, consent_whatsapp=True)
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    whatsapp_api.status = 400
    assert desk.outbox.send_due(NOON).failed == 1
    [row] = desk.outbox.messages()
    assert row.reason == "WhatsApp refused the message (HTTP 400)"


def test_whatsapp_killed_mid_send_is_unknown_and_not_resent(
    desk: Desk, vault_paths: VaultPaths, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, consent_whatsapp=True)
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    desk.close()
    whatsapp_api.hold = threading.Event()
    _kill_mid_send(vault_paths, whatsapp_api.arrived)
    whatsapp_api.hold.set()
    restarted = unlock(vault_paths, ADMIN, PASSWORD)
    try:
        assert restarted.outbox.recover_interrupted() == 1
        assert restarted.outbox.send_due(NOON + timedelta(hours=1)).sent == 0
        [row] = restarted.outbox.messages()
        assert row.state == MessageState.UNKNOWN
    finally:
        restarted.close()
    assert len(whatsapp_api.requests) == 1


def test_consent_withdrawn_after_queueing_holds_the_message_at_send_time(
    desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, consent_whatsapp=True, consent_program_on=NOON.date())
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    desk.patients.set_consent(patient.id, consent_whatsapp=False)
    report = desk.outbox.send_due(NOON)
    assert (report.sent, report.blocked) == (0, 1)
    [row] = desk.outbox.messages()
    assert (row.state, row.reason) == ("blocked", "no consent on file for whatsapp")
    assert whatsapp_api.requests == []


def test_a_new_number_on_the_chart_is_used_for_a_waiting_message(
    desk: Desk, whatsapp_api: WhatsAppApi
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = add_patient(desk, consent_whatsapp=True)
    desk.outbox.queue(patient.id, "follow_up_checkin", channel="whatsapp", now=NOON)
    desk.patients.update(patient.id, phone="+1 555 010 9999")
    desk.outbox.send_due(NOON)
    assert whatsapp_api.requests[0]["body"]["to"] == "15550109999"
