"""Texts that come back: the SMS gateway's list of replies and the WhatsApp relay, on loopback.

Keywords (whole message, any case, spaces trimmed): STOP, STOPALL, UNSUBSCRIBE, CANCEL, END and
QUIT withdraw consent for the channel (the words US carriers require senders to honour, CTIA
Messaging Principles and Best Practices); START and UNSTOP restore it; HELP is answered with
the clinic's name and phone; C/1 confirm an appointment reminded of, R/2 ask for a call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.outreach import MessageState
from careDesk.model.patient import Patient
from careDesk.model.schedule import Appointment
from careDesk.schedule.inbox import FetchReport
from tests.careDesk.schedule.conftest import (
    Gateway,
    WhatsAppApi,
    add_patient,
    configure_smtp,
    configure_whatsapp,
    free_port,
)

SHARED = "+1 555 010 4242"
_IDS = iter(range(1, 10_000))


@pytest.fixture
def texting(desk: Desk, gateway: Gateway) -> Iterator[Gateway]:
    """The clinic sends and receives texts through the loopback gateway, day and night."""
    configure_smtp(desk, 25)
    desk.settings.set("sms.url", gateway.url)
    desk.settings.set("sms.inbox_url", gateway.inbox_url)
    desk.settings.set("sms.token", "gw-token")
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    yield gateway


def texted(gateway: Gateway | WhatsAppApi, sender: str, body: str, **extra: Any) -> None:
    """The person texts ``body`` (the gateway lists it from now on)."""
    item = {
        "id": f"in-{next(_IDS)}",
        "from": sender,
        "body": body,
        "received_at": (utcnow() + timedelta(minutes=1)).isoformat(),
        **extra,
    }
    (gateway.inbound if isinstance(gateway, Gateway) else gateway.replies).append(item)


def texter(desk: Desk, **overrides: Any) -> Patient:
    fields: dict[str, Any] = {
        "preferred_channel": "sms",
        "language": "en",
        "coordinator_id": desk.user.id,
        "consent_program_on": utcnow().date(),
    }
    return add_patient(desk, **{**fields, **overrides})


def patient_now(desk: Desk, patient_id: str) -> Patient:
    with desk.reading() as session:
        found = session.get(Patient, patient_id)
    assert found is not None
    return found


def fetched(desk: Desk) -> FetchReport:
    report = desk.inbox.fetch()
    assert report.problems == []
    return report


@pytest.mark.parametrize(
    "word", ["STOP", "stopall", "  Unsubscribe ", "CANCEL", "end", "Quit", "Stop."]
)
def test_every_opt_out_word_stops_texts_at_once(desk: Desk, texting: Gateway, word: str) -> None:
    patient = texter(desk)
    waiting = desk.outbox.queue(patient.id, "refill_reminder", now=utcnow()).value
    texted(texting, "+1 (555) 010-2030", word)

    assert fetched(desk).matched == 1
    assert patient_now(desk, patient.id).consent_sms is False
    [held] = desk.outbox.messages(states=("blocked",))
    assert held.id == waiting.id and "replied" in (held.reason or "")
    assert desk.outbox.send_due().sent == 0
    again = desk.outbox.queue(patient.id, "follow_up_checkin", now=utcnow()).value
    assert again.state == MessageState.BLOCKED
    assert texting.requests == []  # not one more text
    [event] = desk.audit_events(patient_id=patient.id, action="consent.withdrawn")
    assert event.detail is not None and '"channel": "sms"' in event.detail
    chart = desk.patients.chart(patient.id)
    assert not chart.patient.consent_sms
    assert chart.timeline[0].direction == "in" and chart.timeline[0].outcome == "stop"
    [task] = desk.followups.open_for_patient(patient.id)
    assert "stopped text messages" in task.title and task.assignee_id == desk.user.id


@pytest.mark.parametrize("word", ["START", "unstop"])
def test_start_gives_back_what_stop_took(desk: Desk, texting: Gateway, word: str) -> None:
    patient = texter(desk)
    texted(texting, "+15550102030", "STOP")
    fetched(desk)
    texted(texting, "+15550102030", word)
    fetched(desk)
    assert patient_now(desk, patient.id).consent_sms is True
    assert desk.audit_events(patient_id=patient.id, action="consent.restored")
    desk.outbox.queue(patient.id, "follow_up_checkin", now=utcnow())
    assert desk.outbox.send_due().sent == 1


def test_start_without_a_stop_grants_no_consent(desk: Desk, texting: Gateway) -> None:
    """Consent the patient never gave on the chart is not made up from a text."""
    patient = texter(desk, consent_sms=False)
    texted(texting, "5550102030", "START")
    fetched(desk)
    assert patient_now(desk, patient.id).consent_sms is False
    [task] = desk.followups.open_for_patient(patient.id)
    assert "check consent" in task.title


def test_start_gives_back_only_what_the_stop_took(desk: Desk, texting: Gateway) -> None:
    """No text consent on the chart, then STOP and START: still none (the STOP took none)."""
    patient = texter(desk, consent_sms=False, consent_whatsapp=False)
    texted(texting, "5550102030", "STOP")
    texted(texting, "5550102030", "START")
    fetched(desk)
    assert patient_now(desk, patient.id).consent_sms is False
    assert desk.audit_events(patient_id=patient.id, action="consent.restored") == []


@pytest.mark.parametrize("known", [True, False])
def test_help_is_answered_with_the_clinic_name_and_phone(
    desk: Desk, texting: Gateway, known: bool
) -> None:
    if known:
        texter(desk, consent_sms=False)  # no consent needed to answer a question asked
    texted(texting, "+1 555 010 2030", " help ")
    fetched(desk)
    assert desk.outbox.send_due().sent == 1
    [answer] = texting.requests
    assert answer["body"]["to"] == "+1 555 010 2030"
    assert "Riverside Clinic" in answer["body"]["text"]
    assert "555-0100" in answer["body"]["text"]
    fetched(desk)
    assert desk.outbox.send_due().sent == 0  # answered once


def _reminded(desk: Desk, patient: Patient) -> Appointment:
    """An appointment tomorrow whose reminder went out by text."""
    with desk.writing() as tx:
        visit = Appointment(
            patient_id=patient.id, starts_at=utcnow() + timedelta(hours=30), place="Room 2"
        )
        tx.add(visit, kind="appointment", patient_id=patient.id)
    assert desk.outbox.queue_appointment_reminders() == 1
    assert desk.outbox.send_due().sent == 1
    return visit


@pytest.mark.parametrize("word", ["C", "1", " c "])
def test_c_or_1_confirms_the_appointment_reminded_of(
    desk: Desk, texting: Gateway, word: str
) -> None:
    patient = texter(desk)
    visit = _reminded(desk, patient)
    assert "Reply C to confirm" in texting.requests[0]["body"]["text"]
    texted(texting, "+15550102030", word)
    fetched(desk)
    with desk.reading() as session:
        stored = session.get(Appointment, visit.id)
    assert stored is not None and stored.confirmed_at is not None
    assert desk.audit_events(patient_id=patient.id, action="appointment.confirmed")
    assert desk.followups.open_for_patient(patient.id) == []  # nothing left to do
    [reply] = desk.inbox.replies()
    assert reply.action is not None and reply.action.startswith("confirmed the visit")


@pytest.mark.parametrize("word", ["R", "2"])
def test_r_or_2_asks_for_a_call_to_change_the_time(desk: Desk, texting: Gateway, word: str) -> None:
    patient = texter(desk)
    visit = _reminded(desk, patient)
    texted(texting, "+15550102030", word)
    fetched(desk)
    [task] = desk.followups.open_for_patient(patient.id)
    assert task.kind == "call" and "change the visit" in task.title
    assert task.assignee_id == desk.user.id
    with desk.reading() as session:
        stored = session.get(Appointment, visit.id)
    assert stored is not None and stored.confirmed_at is None


def test_c_with_no_reminder_waiting_is_read_by_a_person(desk: Desk, texting: Gateway) -> None:
    patient = texter(desk)
    texted(texting, "+15550102030", "C")
    fetched(desk)
    [task] = desk.followups.open_for_patient(patient.id)
    assert task.title.startswith("Read and answer")


def test_a_free_text_reply_lands_on_the_timeline_once(desk: Desk, texting: Gateway) -> None:
    patient = texter(desk)
    texted(texting, "+15550102030", "My ride fell through, can we talk?")
    assert fetched(desk).taken == 1
    assert fetched(desk).taken == 0  # the same list again: taken once
    [entry] = desk.timeline.page(patient.id)
    assert entry.body == "My ride fell through, can we talk?" and entry.direction == "in"
    assert len(desk.followups.open_for_patient(patient.id)) == 1
    assert texting.inbox_auth[-1] == "Bearer gw-token"


def test_two_patients_on_one_number_leave_the_reply_for_a_person(
    desk: Desk, texting: Gateway
) -> None:
    first = texter(desk, phone=SHARED, given_name="Rosa")
    second = texter(desk, phone=SHARED, given_name="Luis")
    texted(texting, SHARED, "Yes I will be there")
    report = fetched(desk)
    assert (report.matched, report.unmatched) == (0, 1)
    [reply] = desk.inbox.unmatched()
    assert reply.reason == "2 people on file share this phone number"
    for patient in (first, second):  # on no one's chart until a person decides
        assert desk.timeline.page(patient.id) == []
        assert desk.followups.open_for_patient(patient.id) == []

    desk.inbox.assign(reply.id, second.id)
    assert desk.inbox.unmatched() == []
    assert [e.body for e in desk.timeline.page(second.id)] == ["Yes I will be there"]
    assert desk.timeline.page(first.id) == []
    assert desk.audit_events(patient_id=second.id, action="reply.assign")


def test_a_stop_from_a_shared_number_stops_texts_to_everyone_on_it(
    desk: Desk, texting: Gateway
) -> None:
    first = texter(desk, phone=SHARED)
    second = texter(desk, phone=SHARED)
    for patient in (first, second):
        desk.outbox.queue(patient.id, "refill_reminder", now=utcnow())
    texted(texting, SHARED, "STOP")
    assert fetched(desk).unmatched == 1
    assert not patient_now(desk, first.id).consent_sms
    assert not patient_now(desk, second.id).consent_sms
    assert desk.outbox.send_due().sent == 0 and texting.requests == []
    assert len(desk.outbox.messages(states=("blocked",))) == 2
    # Sorted later, the reply goes on the right chart; texts stay stopped.
    [reply] = desk.inbox.unmatched()
    desk.inbox.assign(reply.id, first.id)
    assert not patient_now(desk, first.id).consent_sms


def test_a_stopped_number_gets_nothing_even_for_someone_new_on_it(
    desk: Desk, texting: Gateway
) -> None:
    """The opt-out belongs to the number: a patient added later with it gets no text."""
    texted(texting, "+1 555 010 3131", "STOP")
    assert fetched(desk).unmatched == 1
    newcomer = texter(desk, phone="+1 555 010 3131")
    row = desk.outbox.queue(newcomer.id, "follow_up_checkin", now=utcnow()).value
    assert row.state == MessageState.BLOCKED and "replied STOP" in (row.reason or "")


def test_an_unknown_number_waits_unmatched_and_can_be_dismissed(
    desk: Desk, texting: Gateway
) -> None:
    texted(texting, "+1 555 999 0000", "wrong number?")
    fetched(desk)
    [reply] = desk.inbox.unmatched()
    assert reply.reason == "no one on file has this phone number"
    desk.inbox.dismiss(reply.id)
    assert desk.inbox.unmatched() == []
    assert [r.state for r in desk.inbox.replies()] == ["dismissed"]


def test_whatsapp_replies_come_through_the_relay(
    desk: Desk, whatsapp_api: WhatsAppApi, texting: Gateway
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    patient = texter(desk, consent_whatsapp=True, preferred_channel="whatsapp")
    texted(whatsapp_api, "15550102030", "STOP")
    assert fetched(desk).matched == 1
    now = patient_now(desk, patient.id)
    assert (now.consent_whatsapp, now.consent_sms) == (False, True)  # only that channel
    assert desk.outbox.queue(patient.id, "follow_up_checkin", now=utcnow()).value.state == (
        MessageState.BLOCKED
    )
    assert (
        desk.outbox.queue(patient.id, "follow_up_checkin", channel="sms", now=utcnow()).value.state
        == MessageState.QUEUED
    )
    texted(whatsapp_api, "15550102030", "HELP")
    fetched(desk)
    desk.outbox.send_due()
    [answer] = whatsapp_api.requests  # HELP is answered even after STOP, by template
    assert answer["body"]["template"]["name"] == "clinic_help"
    assert answer["body"]["to"] == "15550102030"


def test_a_failing_source_is_reported_and_the_others_still_fetched(
    desk: Desk, whatsapp_api: WhatsAppApi, texting: Gateway
) -> None:
    configure_whatsapp(desk, whatsapp_api)
    desk.settings.set("sms.inbox_url", f"http://127.0.0.1:{free_port()}/inbox")
    patient = texter(desk, consent_whatsapp=True)
    texted(whatsapp_api, "15550102030", "thanks!")
    report = desk.inbox.fetch()
    assert report.taken == 1
    [problem] = report.problems
    assert problem.startswith("sms: the sms replies (sms.inbox_url): not reachable")
    assert desk.timeline.page(patient.id)[0].body == "thanks!"


def test_items_not_in_the_expected_shape_are_counted_never_shown(
    desk: Desk, texting: Gateway
) -> None:
    texter(desk)
    texting.inbound.extend(
        [
            {"id": "x1", "from": "+15550102030", "body": "secret words"},  # no time
            {"id": "", "from": "+15550102030", "body": "x", "received_at": "2026-01-01"},
            ["not", "an", "object"],
            {"id": "x3", "from": 5550102030, "body": "x", "received_at": "2026-01-01T10:00"},
        ]
    )
    report = fetched(desk)
    assert (report.taken, report.rejected) == (0, 4)
    assert "secret" not in repr(report)


def test_a_naive_time_is_utc_and_an_offset_is_kept(desk: Desk, texting: Gateway) -> None:
    texter(desk)
    texted(texting, "+15550102030", "one", received_at="2026-11-25T10:00:00")
    texted(texting, "+15550102030", "two", received_at="2026-11-25T10:00:00-06:00")
    fetched(desk)
    times = sorted(r.received_at for r in desk.inbox.replies())
    assert times == [
        datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 16, 0, tzinfo=UTC),
    ]
