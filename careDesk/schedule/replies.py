"""What a reply does, inside the transaction that stores it.

- For the address it came from, whoever that is (:func:`by_address`): STOP withdraws consent
  on that channel for everyone the address belongs to and puts the address on the opt-out
  list, so not one more message goes to it on that channel, even when the reply could not be
  matched to one person (stopping too much is the safe side); START gives back exactly what
  that STOP withdrew; HELP is answered with the clinic's name and phone.
- For the person it is from, once known (:func:`for_person`): an entry on the patient's
  timeline; "C"/"1" to an appointment reminder confirms the visit; anything that needs a person
  (R/2, a STOP, a START with nothing to restart, free text) raises a follow-up for the
  patient's coordinator.

Keywords: :mod:`.keywords`.
"""

from __future__ import annotations

import json
from datetime import datetime
from hashlib import sha256
from typing import TYPE_CHECKING

from sqlmodel import select

from careDesk.errors import ValidationFailed
from careDesk.model.base import stable_id
from careDesk.model.outreach import InboundMessage, MessageState, OptOut, OutboxMessage
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.schedule import Appointment, FollowUp
from careDesk.model.timeline import TimelineEntry
from careDesk.schedule import templates, whatsapp
from careDesk.schedule.delivery import CHANNEL_NAMES
from careDesk.schedule.keywords import Keyword
from careDesk.schedule.matching import Person
from careDesk.schedule.recipients import OutreachSettings, address_key, opted_out_reason
from careDesk.schedule.recurrence import zone

if TYPE_CHECKING:
    from careDesk.desk import Tx

CONSENT = {"sms": "consent_sms", "email": "consent_email", "whatsapp": "consent_whatsapp"}
REMINDERS = ("appointment_reminder", "caregiver_appointment_reminder")


# ----- by address ------------------------------------------------------------------------------
def by_address(
    tx: Tx, settings: OutreachSettings, row: InboundMessage, people: tuple[Person, ...]
) -> list[str]:
    """The keyword's effect on the sender's address; returns what was done, in words."""
    if row.keyword == Keyword.STOP:
        return [stop(tx, row, people)]
    if row.keyword == Keyword.START:
        return [start(tx, row)]
    if row.keyword == Keyword.HELP:
        return [answer_help(tx, settings, row)]
    return []


def stop(tx: Tx, row: InboundMessage, people: tuple[Person, ...]) -> str:
    """Opt the address out of the channel and withdraw the consent of ``people``."""
    channel, key = row.channel, address_key(row.channel, row.sender)
    opt_id = stable_id("opt_out", channel, key)
    opt = tx.session.get(OptOut, opt_id)
    word = (row.body.strip().upper() or "STOP")[:12]
    live = opt is not None and opt.deleted_at is None
    withdrew = set(json.loads(opt.withdrew)) if opt is not None and live else set()
    for patient_id, member_id in people:
        if _set_consent(tx, channel, patient_id, member_id, False, word):
            withdrew.add(f"member:{member_id}" if member_id else f"patient:{patient_id}")
    listed = json.dumps(sorted(withdrew))
    # One write per record per transaction: an insert changed again in the same transaction
    # would replicate as an update without its new time.
    if opt is None:
        opt = OptOut(
            id=opt_id,
            channel=channel,
            address=key,
            since=row.received_at,
            keyword=word,
            withdrew=listed,
        )
        tx.add(opt, kind="opt_out")
    elif not live or opt.withdrew != listed:
        if not live:
            opt.deleted_at, opt.since, opt.keyword = None, row.received_at, word
        opt.withdrew = listed
        tx.touch(opt, kind="opt_out")
    held = _hold_waiting(tx, channel, key, opted_out_reason(opt))
    name = CHANNEL_NAMES.get(channel, channel)
    return f"{name} messages stopped ({word})" + (f"; {held} waiting held" if held else "")


def start(tx: Tx, row: InboundMessage) -> str:
    """Lift the address's opt-out and give back the consent its STOP withdrew."""
    channel, key = row.channel, address_key(row.channel, row.sender)
    opt = tx.session.get(OptOut, stable_id("opt_out", channel, key))
    name = CHANNEL_NAMES.get(channel, channel)
    if opt is None or opt.deleted_at is not None:
        return f"asked to get {name} messages: record consent on the chart if they agree"
    for item in json.loads(opt.withdrew):
        kind, _, ident = str(item).partition(":")
        if kind == "patient":
            _set_consent(tx, channel, ident, None, True, "START")
        else:
            member = tx.session.get(FamilyMember, ident)
            if member is not None:
                _set_consent(tx, channel, member.patient_id, ident, True, "START")
    tx.tombstone(opt, kind="opt_out")
    return f"{name} messages restarted (START)"


def _set_consent(
    tx: Tx, channel: str, patient_id: str, member_id: str | None, given: bool, word: str
) -> bool:
    """Set one person's consent on ``channel``; audited on the patient's record. Returns
    whether it changed: a STOP lists only consent it took, so START never gives consent the
    person had not given."""
    record: Patient | FamilyMember | None = (
        tx.session.get(FamilyMember, member_id)
        if member_id
        else tx.session.get(Patient, patient_id)
    )
    if record is None or record.deleted_at is not None:
        return False
    field = CONSENT[channel]
    if getattr(record, field) == given:
        return False
    setattr(record, field, given)
    tx.touch(record, kind="family_member" if member_id else "patient", patient_id=patient_id)
    detail: dict[str, object] = {"channel": channel, "keyword": word, "by": "reply"}
    if member_id:
        detail["caregiver"] = member_id
    tx.audit(
        "consent.restored" if given else "consent.withdrawn",
        entity="family_member" if member_id else "patient",
        entity_id=member_id or patient_id,
        patient_id=patient_id,
        detail=detail,
    )
    return True


def _hold_waiting(tx: Tx, channel: str, key: str, reason: str) -> int:
    """Block the messages queued to the address on the channel (the send-time check would
    too; doing it now shows it in the outbox at once)."""
    waiting = tx.session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.state == MessageState.QUEUED)
        .where(OutboxMessage.template != templates.HELP_REPLY)
    ).all()
    held = 0
    for message in waiting:
        if message.recipient and address_key(channel, message.recipient) == key:
            message.state, message.reason, message.next_attempt_at = (
                MessageState.BLOCKED,
                reason,
                None,
            )
            tx.touch(message, kind="message", patient_id=message.patient_id)
            held += 1
    return held


def answer_help(tx: Tx, settings: OutreachSettings, row: InboundMessage) -> str:
    """Queue the answer to HELP on the channel it came by (at once: the person asked)."""
    patient = tx.session.get(Patient, row.patient_id) if row.patient_id else None
    member = tx.session.get(FamilyMember, row.family_member_id) if row.family_member_id else None
    language = (member.language if member else None) or (patient.language if patient else "en")
    values = {
        "clinic_name": settings.get("clinic.name"),
        "clinic_phone": settings.get("clinic.phone"),
    }
    rendered = templates.render(templates.HELP_REPLY, language, values)
    to = row.sender
    payload, problem = None, None
    if not all(values.values()):
        problem = "set clinic.name and clinic.phone to answer HELP"
    elif row.channel == "whatsapp":
        to = "".join(ch for ch in row.sender if ch.isdigit())
        try:
            payload = whatsapp.template_payload(
                settings.get("whatsapp.template.help_reply"),
                templates.HELP_REPLY,
                (language, rendered.language),
                values,
            )
        except ValidationFailed as exc:
            problem = f"{exc.message} ({exc.field})"
    message = OutboxMessage(
        patient_id=row.patient_id,
        family_member_id=row.family_member_id,
        idempotency_key=f"help_reply:{sha256(row.source_key.encode()).hexdigest()}",
        channel=row.channel,
        template=templates.HELP_REPLY,
        language=rendered.language,
        recipient=to,
        subject=rendered.subject,
        body=rendered.body if row.channel == "email" else rendered.sms,
        payload=payload,
        state=MessageState.BLOCKED if problem else MessageState.QUEUED,
        reason=problem,
        next_attempt_at=None if problem else tx.now,
    )
    tx.add(message, kind="message", patient_id=row.patient_id)
    tx.audit(
        "message.queue" if problem is None else "message.blocked",
        entity="message",
        entity_id=message.id,
        patient_id=row.patient_id,
        detail={"channel": row.channel, "template": templates.HELP_REPLY, "reason": problem},
    )
    return "HELP answered" if problem is None else f"HELP not answered: {problem}"


# ----- for the person --------------------------------------------------------------------------
def for_person(
    tx: Tx, settings: OutreachSettings, row: InboundMessage, answered: OutboxMessage | None
) -> list[str]:
    """The reply on the patient's timeline and what it asks of the care team."""
    assert row.patient_id is not None
    patient = tx.session.get(Patient, row.patient_id)
    assert patient is not None
    member = tx.session.get(FamilyMember, row.family_member_id) if row.family_member_id else None
    who = f"{member.name} ({member.relationship})" if member else "the patient"
    name = CHANNEL_NAMES.get(row.channel, row.channel)
    word = f" ({row.body.strip().upper()[:12]})" if row.keyword else ""
    entry = TimelineEntry(
        id=stable_id("reply", row.source_key),
        patient_id=patient.id,
        kind="message",
        at=row.received_at,
        summary=f"{name} reply from {who}{word}"[:300],
        body=row.body,
        channel=row.channel,
        direction="in",
        outcome=row.keyword or "received",
    )
    tx.add(entry, kind="timeline", patient_id=patient.id)
    actions: list[str] = []
    reminder = _reminder(tx, row, answered)
    if row.keyword == Keyword.CONFIRM and reminder is not None:
        reminder.confirmed_at = row.received_at
        tx.touch(reminder, kind="appointment", patient_id=patient.id)
        tx.audit(
            "appointment.confirmed",
            entity="appointment",
            entity_id=reminder.id,
            patient_id=patient.id,
            detail={"by": "reply", "channel": row.channel},
        )
        return [f"confirmed the visit on {_when(settings, patient, reminder)}"]
    if row.keyword == Keyword.HELP:
        return actions  # answered with the clinic's name and phone (by_address)
    title = _follow_up_title(settings, patient, row, who, name, reminder)
    tx.add(
        FollowUp(
            id=stable_id("reply-follow-up", row.source_key),
            patient_id=patient.id,
            kind="call",
            title=title[:200],
            due_at=tx.now,
            assignee_id=patient.coordinator_id,
            origin="reply",
        ),
        kind="follow_up",
        patient_id=patient.id,
    )
    actions.append("follow-up for the coordinator")
    return actions


def _follow_up_title(
    settings: OutreachSettings,
    patient: Patient,
    row: InboundMessage,
    who: str,
    name: str,
    reminder: Appointment | None,
) -> str:
    if row.keyword == Keyword.RESCHEDULE and reminder is not None:
        return f"Call {who}: they asked to change the visit on {_when(settings, patient, reminder)}"
    if row.keyword == Keyword.STOP:
        also = " (they may also mean the visit)" if reminder is not None else ""
        return f"{who.capitalize()} stopped {name} messages{also}: check how to reach them"
    if row.keyword == Keyword.START:
        return f"{who.capitalize()} asked to get {name} messages again: check consent"
    return f"Read and answer the {name} reply from {who}"


def _reminder(tx: Tx, row: InboundMessage, answered: OutboxMessage | None) -> Appointment | None:
    """The upcoming visit the reply answers a reminder of, if it answers one."""
    if answered is None or answered.template not in REMINDERS or not answered.related_id:
        return None
    visit = tx.session.get(Appointment, answered.related_id)
    if visit is None or visit.deleted_at is not None or visit.status != "scheduled":
        return None
    return visit if visit.starts_at >= row.received_at else None


def _when(settings: OutreachSettings, patient: Patient, visit: Appointment) -> str:
    local: datetime = visit.starts_at.astimezone(
        zone(patient.timezone or settings.get("clinic.timezone"))
    )
    return f"{local:%Y-%m-%d %H:%M}"
