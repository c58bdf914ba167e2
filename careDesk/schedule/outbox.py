"""The outreach outbox: queue, consent and quiet hours, idempotent sending with retries.

docs/architecture.md#outreach-the-outbox: each message is a row with an idempotency key and a
state (queued → sending → sent,
or failed after retries). Consent is enforced when a message is queued: without consent for the
channel (or without an address) it is stored as *blocked* with the reason, so staff see why
nothing went out. It is checked again when the message is claimed for sending, so a STOP or a
consent withdrawn on the chart meanwhile holds every message still waiting
(:mod:`.recipients`). A message is marked *sending* in its own committed transaction before it
is handed to the server; if the app dies before it is marked *sent*, it may or may not have gone
out, so at the next start it becomes *unknown* for a person to check, never re-sent on its own:
a restart never sends a message twice. With no network, messages stay queued and are retried
with back-off until they go.

Messages go to the patient or, within what they may be told and with the patient's agreement,
to a caregiver (:meth:`Outbox.queue_for_caregiver`, :mod:`.caregivers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.outreach import MessageState, OutboxMessage
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.security import User
from careDesk.schedule import channels, compose, delivery, recipients, rules, templates
from careDesk.schedule.recipients import OutreachSettings
from careDesk.schedule.recurrence import zone
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

MAX_ATTEMPTS = 8
SENT_BY_SERVER = ("email", "sms", "whatsapp")
PRINTED = ("letter", "phone")
CHANNELS = (*SENT_BY_SERVER, *PRINTED)


@dataclass(frozen=True)
class MessageRow:
    """A message as staff see it (no body for lists; reasons in words)."""

    id: str
    patient_id: str | None
    channel: str
    template: str
    language: str
    state: str
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    subject: str | None
    family_member_id: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    blocked: int = 0  # consent withdrawn (or a STOP) since they were queued


def _row(m: OutboxMessage) -> MessageRow:
    return MessageRow(
        m.id,
        m.patient_id,
        m.channel,
        m.template,
        m.language,
        m.state,
        m.reason,
        m.attempts,
        m.next_attempt_at,
        m.sent_at,
        m.created_at,
        m.subject,
        m.family_member_id,
        m.external_id,
    )


class Outbox:
    """Outreach verbs on an open desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def allowed_at(self, now: datetime, zone_name: str | None) -> datetime:
        """``now``, or the end of quiet hours in the patient's (or clinic's) zone."""
        return compose.allowed_at(OutreachSettings.read(self.desk), now, zone_name)

    # ----- queueing -----------------------------------------------------------------------
    def queue(
        self,
        patient_id: str,
        template: str,
        *,
        channel: str | None = None,
        values: dict[str, str] | None = None,
        related_id: str | None = None,
        key: str | None = None,
        now: datetime | None = None,
    ) -> Outcome[MessageRow]:
        """Queue one message to the patient (or return the one already queued under the same
        key)."""
        if template not in templates.TEMPLATES:
            raise ValidationFailed("template", f"choose one of {', '.join(templates.TEMPLATES)}")
        return self._queue(patient_id, None, template, channel, values, related_id, key, now)

    def queue_for_caregiver(
        self,
        member_id: str,
        template: str,
        *,
        channel: str | None = None,
        values: dict[str, str] | None = None,
        related_id: str | None = None,
        key: str | None = None,
        now: datetime | None = None,
        attachment: tuple[str, bytes] | None = None,
    ) -> Outcome[MessageRow]:
        """Queue one message to a caregiver: blocked, with the reason, unless the patient
        agreed they get messages, the message is within what they may be told, and they
        consented to the channel (:func:`.rules.caregiver_problem`)."""
        choices = templates.CAREGIVER_TEMPLATES
        if template not in choices:
            raise ValidationFailed("template", f"choose one of {', '.join(choices)}")
        with self.desk.reading() as session:
            member = session.get(FamilyMember, member_id)
        if member is None or member.deleted_at is not None:
            raise NotFound("family member", member_id)
        return self._queue(
            member.patient_id, member, template, channel, values, related_id, key, now, attachment
        )

    def _queue(
        self,
        patient_id: str,
        member: FamilyMember | None,
        template: str,
        channel: str | None,
        values: dict[str, str] | None,
        related_id: str | None,
        key: str | None,
        now: datetime | None,
        attachment: tuple[str, bytes] | None = None,
    ) -> Outcome[MessageRow]:
        self.desk.require(Permission.MESSAGE)
        now = now or utcnow()
        settings = OutreachSettings.read(self.desk)
        clinic = compose.clinic_values(settings)
        with self.desk.writing(Permission.MESSAGE) as tx:
            patient = tx.session.get(Patient, patient_id)
            if patient is None or patient.deleted_at is not None:
                raise NotFound("patient", patient_id)
            default = (member.preferred_channel or "sms") if member else patient.preferred_channel
            chosen = channel or default
            if chosen not in CHANNELS:
                raise ValidationFailed("channel", f"choose one of {', '.join(CHANNELS)}")
            who = f"{related_id or patient_id}" + (f":{member.id}" if member else "")
            key = key or f"{template}:{who}:{chosen}:{now:%Y%m%d}"
            existing = tx.session.exec(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
            ).first()
            if existing is not None:
                return Outcome(_row(existing), tx.changes)
            recipient = recipients.resolve(tx.session, settings, patient, member, chosen, template)
            filled = {"first_name": patient.preferred_name or patient.given_name, **clinic}
            if member is not None:
                filled["caregiver_name"] = member.name
            coordinator = patient.coordinator_id and tx.session.get(User, patient.coordinator_id)
            if coordinator:
                filled["coordinator_name"] = coordinator.display_name
            message = compose.compose(
                tx,
                settings,
                recipient,
                template,
                {**filled, **(values or {})},
                key=key,
                related_id=related_id,
                now=now,
                attachment=attachment,
            )
            return Outcome(_row(message), tx.changes)

    # ----- listing ------------------------------------------------------------------------
    def messages(
        self, *, states: tuple[str, ...] = (), patient_id: str | None = None, limit: int = 500
    ) -> list[MessageRow]:
        """Messages newest first, optionally only in ``states`` or for one patient."""
        self.desk.require(Permission.READ)
        query = select(OutboxMessage).order_by(col(OutboxMessage.created_at).desc()).limit(limit)
        if states:
            query = query.where(col(OutboxMessage.state).in_(states))
        if patient_id:
            query = query.where(OutboxMessage.patient_id == patient_id)
        with self.desk.reading() as session:
            return [_row(m) for m in session.exec(query)]

    # ----- sending ------------------------------------------------------------------------
    def recover_interrupted(self) -> int:
        """At start: messages left *sending* by a crash become *unknown* (never re-sent)."""
        with self.desk.writing(None) as tx:
            stuck = tx.session.exec(
                select(OutboxMessage).where(OutboxMessage.state == MessageState.SENDING)
            ).all()
            for message in stuck:
                message.state = MessageState.UNKNOWN
                message.reason = "interrupted while sending: check with the patient, then resend"
                tx.touch(message, kind="message", patient_id=message.patient_id)
                tx.audit(
                    "message.interrupted",
                    entity="message",
                    entity_id=message.id,
                    patient_id=message.patient_id,
                )
        return len(stuck)

    def send_due(self, now: datetime | None = None) -> SendReport:
        """Send every queued e-mail, text and WhatsApp message whose time has come; one
        transaction per step."""
        self.desk.require(Permission.MESSAGE)
        now = now or utcnow()
        with self.desk.reading() as session:
            ids = session.exec(
                select(OutboxMessage.id)
                .where(OutboxMessage.state == MessageState.QUEUED)
                .where(col(OutboxMessage.channel).in_(SENT_BY_SERVER))
                .where(col(OutboxMessage.next_attempt_at) <= now)
                .order_by(col(OutboxMessage.next_attempt_at))
            ).all()
        if not ids:
            return SendReport()
        settings = OutreachSettings.read(self.desk)
        counts = {"sent": 0, "retry": 0, "failed": 0, "blocked": 0}
        for message_id in ids:
            outcome = self._send_one(message_id, now, settings)
            if outcome in counts:
                counts[outcome] += 1
        return SendReport(counts["sent"], counts["retry"], counts["failed"], counts["blocked"])

    def _claim(self, message_id: str, settings: OutreachSettings) -> OutboxMessage | str:
        """Mark the message *sending* (committed before it goes), after checking consent and
        the address again; "skipped" or "blocked" when it must not go."""
        with self.desk.writing(Permission.MESSAGE) as tx:
            message = tx.session.get(OutboxMessage, message_id)
            if message is None or message.state != MessageState.QUEUED:
                return "skipped"  # someone else took it, or it changed meanwhile
            problem = compose.recheck(tx, settings, message)
            if problem is not None:
                message.state, message.reason, message.next_attempt_at = (
                    MessageState.BLOCKED,
                    problem,
                    None,
                )
                tx.touch(message, kind="message", patient_id=message.patient_id)
                tx.audit(
                    "message.blocked",
                    entity="message",
                    entity_id=message.id,
                    patient_id=message.patient_id,
                    detail={"channel": message.channel, "reason": problem, "when": "sending"},
                )
                return "blocked"
            if message.channel == "email" and message.external_id is None:
                message.external_id = channels.message_id_for(
                    message.id, settings.get("smtp.sender")
                )
            message.state = MessageState.SENDING
            message.attempts += 1
            tx.touch(message, kind="message", patient_id=message.patient_id)
            return message

    def _send_one(self, message_id: str, now: datetime, settings: OutreachSettings) -> str:
        message = self._claim(message_id, settings)
        if isinstance(message, str):
            return message
        try:
            far_id = delivery.deliver(self.desk, message)
        except channels.TransientFailure as exc:
            return self._finish(message, now, retry_reason=str(exc))
        except channels.PermanentFailure as exc:
            return self._finish(message, now, fail_reason=str(exc))
        return self._finish(message, now, external_id=far_id)

    def _finish(
        self,
        message: OutboxMessage,
        now: datetime,
        *,
        retry_reason: str | None = None,
        fail_reason: str | None = None,
        external_id: str | None = None,
    ) -> str:
        with self.desk.writing(None) as tx:
            row = tx.session.get(OutboxMessage, message.id)
            assert row is not None
            if retry_reason and row.attempts < MAX_ATTEMPTS:
                row.state, row.reason = MessageState.QUEUED, retry_reason
                row.next_attempt_at = now + rules.backoff(row.attempts)
                outcome = "retry"
            elif retry_reason or fail_reason:
                row.state, row.reason = MessageState.FAILED, fail_reason or retry_reason
                outcome = "failed"
                delivery.record(tx, row, delivered=False)
            else:
                row.state, row.reason, row.sent_at = MessageState.SENT, None, utcnow()
                row.external_id = external_id or row.external_id
                outcome = "sent"
                delivery.record(tx, row, delivered=True)
            tx.touch(row, kind="message", patient_id=row.patient_id)
        return outcome

    # ----- staff actions ------------------------------------------------------------------
    def resend(self, message_id: str, now: datetime | None = None) -> Outcome[MessageRow]:
        """Put a failed or unknown message back in the queue (a person decided to resend)."""
        with self.desk.writing(Permission.MESSAGE) as tx:
            message = tx.session.get(OutboxMessage, message_id)
            if message is None:
                raise NotFound("message", message_id)
            if message.state not in (MessageState.FAILED, MessageState.UNKNOWN):
                raise ValidationFailed("state", "only failed or unknown messages can be resent")
            message.state, message.reason = MessageState.QUEUED, None
            message.next_attempt_at = now or utcnow()
            tx.touch(message, kind="message", patient_id=message.patient_id)
            tx.audit(
                "message.resend",
                entity="message",
                entity_id=message.id,
                patient_id=message.patient_id,
            )
            return Outcome(_row(message), tx.changes)

    def mark_printed(self, message_ids: list[str]) -> int:
        """Letters and phone-list entries count as sent once their batch is printed."""
        with self.desk.writing(Permission.MESSAGE) as tx:
            done = 0
            for message_id in message_ids:
                row = tx.session.get(OutboxMessage, message_id)
                if row is None or row.channel not in PRINTED or row.state != MessageState.QUEUED:
                    continue
                row.state, row.sent_at = MessageState.SENT, tx.now
                tx.touch(row, kind="message", patient_id=row.patient_id)
                delivery.record(tx, row, delivered=True)
                done += 1
        return done

    # ----- automatic outreach -------------------------------------------------------------
    def queue_appointment_reminders(self, days_ahead: int = 2, now: datetime | None = None) -> int:
        """Queue one reminder per upcoming appointment (once per appointment, ever), and one
        to each caregiver who may be told about appointments (:mod:`.caregivers`)."""
        from careDesk.model.schedule import Appointment
        from careDesk.schedule import caregivers

        now = now or utcnow()
        clinic_zone = self.desk.settings.get("clinic.timezone")
        with self.desk.reading() as session:
            rows = session.exec(
                select(Appointment, Patient)
                .join(Patient, col(Patient.id) == Appointment.patient_id)
                .where(Appointment.status == "scheduled")
                .where(col(Appointment.deleted_at).is_(None))
                .where(col(Appointment.starts_at) >= now)
                .where(col(Appointment.starts_at) < now + timedelta(days=days_ahead))
            ).all()
        queued = 0
        for appointment, patient in rows:
            local = appointment.starts_at.astimezone(zone(patient.timezone or clinic_zone))
            values = {
                "date": templates.format_date(local, patient.language),
                "time": templates.format_time(local, patient.language),
                "place": appointment.place or "",
                "link": appointment.telehealth_url or "",
            }
            channel = patient.preferred_channel
            outcome = self.queue(
                patient.id,
                "appointment_reminder",
                channel=channel,
                values=values,
                related_id=appointment.id,
                key=f"appointment_reminder:{appointment.id}:{channel}",
                now=now,
            )
            queued += outcome.value.state == MessageState.QUEUED and bool(outcome.changes)
            queued += caregivers.appointment_reminders(self, appointment, patient, local, now)
        return queued
