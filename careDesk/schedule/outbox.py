"""The outreach outbox: queue, consent and quiet hours, idempotent sending with retries.

docs/architecture.md#outreach-the-outbox: each message is a row with an idempotency key and a
state (queued → sending → sent,
or failed after retries). Consent is enforced when a message is queued: without consent for the
channel (or without an address) it is stored as *blocked* with the reason, so staff see why
nothing went out. A message is marked *sending* in its own committed transaction before it is
handed to the server; if the app dies before it is marked *sent*, it may or may not have gone
out, so at the next start it becomes *unknown* for a person to check, never re-sent on its own:
a restart never sends a message twice. With no network, messages stay queued and are retried
with back-off until they go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from careDesk.model.outreach import MessageState, OutboxMessage
from careDesk.model.patient import Patient
from careDesk.model.security import User
from careDesk.model.timeline import TimelineEntry
from careDesk.schedule import channels, privacy, rules, templates
from careDesk.schedule.recurrence import zone
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

MAX_ATTEMPTS = 8
SENT_BY_SERVER = ("email", "sms")
PRINTED = ("letter", "phone")
CHANNELS = (*SENT_BY_SERVER, *PRINTED)


@dataclass(frozen=True)
class MessageRow:
    """A message as staff see it (no body for lists; reasons in words)."""

    id: str
    patient_id: str
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


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _reveals(tx: Tx, patient_id: str, rendered: templates.Rendered) -> bool:
    """Whether a message's text would reveal health information (:mod:`.privacy`)."""
    conditions = tx.session.exec(
        select(Condition.display).where(
            Condition.patient_id == patient_id, col(Condition.deleted_at).is_(None)
        )
    ).all()
    text = " ".join((rendered.subject, rendered.body, rendered.sms, rendered.letter))
    return privacy.reveals_health(text, conditions)


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
    )


class Outbox:
    """Outreach verbs on an open desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- settings -----------------------------------------------------------------------
    def _quiet_hours(self) -> tuple[time, time]:
        start = self.desk.settings.get("outreach.quiet_start") or "20:00"
        end = self.desk.settings.get("outreach.quiet_end") or "08:00"
        return time.fromisoformat(start), time.fromisoformat(end)

    def allowed_at(self, now: datetime, zone_name: str | None) -> datetime:
        """``now``, or the end of quiet hours in the patient's (or clinic's) zone."""
        start, end = self._quiet_hours()
        tz = zone(zone_name or self.desk.settings.get("clinic.timezone"))
        return rules.after_quiet_hours(now, start, end, tz)

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
        """Queue one message (or return the one already queued under the same key)."""
        self.desk.require(Permission.MESSAGE)
        now = now or utcnow()
        clinic = self._clinic_values()
        with self.desk.writing(Permission.MESSAGE) as tx:
            patient = tx.session.get(Patient, patient_id)
            if patient is None or patient.deleted_at is not None:
                raise NotFound("patient", patient_id)
            chosen = channel or patient.preferred_channel
            if chosen not in CHANNELS:
                raise ValidationFailed("channel", f"choose one of {', '.join(CHANNELS)}")
            key = key or f"{template}:{related_id or patient_id}:{chosen}:{now:%Y%m%d}"
            existing = tx.session.exec(
                select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
            ).first()
            if existing is not None:
                return Outcome(_row(existing), tx.changes)
            filled = {"first_name": patient.preferred_name or patient.given_name, **clinic}
            coordinator = patient.coordinator_id and tx.session.get(User, patient.coordinator_id)
            if coordinator:
                filled["coordinator_name"] = coordinator.display_name
            rendered = templates.render(template, patient.language, {**filled, **(values or {})})
            message = self._new_message(patient, chosen, template, rendered, key, related_id, now)
            if message.state == MessageState.QUEUED and _reveals(tx, patient.id, rendered):
                message.state, message.reason, message.next_attempt_at = (
                    MessageState.BLOCKED,
                    privacy.HELD,
                    None,
                )
            tx.add(message, kind="message", patient_id=patient_id)
            tx.audit(
                "message.queue" if message.state == MessageState.QUEUED else "message.blocked",
                entity="message",
                entity_id=message.id,
                patient_id=patient_id,
                detail={"channel": chosen, "template": template, "reason": message.reason},
            )
            return Outcome(_row(message), tx.changes)

    def _clinic_values(self) -> dict[str, str]:
        """Who the message is from; a message without them would leave the patient guessing."""
        values = {}
        for key in ("clinic.name", "clinic.phone"):
            value = self.desk.settings.get(key)
            if not value:
                raise ValidationFailed(
                    key, f"set it before sending messages (caredesk config set {key})"
                )
            values[key.replace(".", "_")] = value
        return values

    def _new_message(
        self,
        patient: Patient,
        channel: str,
        template: str,
        rendered: templates.Rendered,
        key: str,
        related_id: str | None,
        now: datetime,
    ) -> OutboxMessage:
        recipient = {"email": patient.email, "sms": patient.phone, "phone": patient.phone}.get(
            channel
        )
        problem = rules.consent_problem(patient, channel)
        return OutboxMessage(
            patient_id=patient.id,
            idempotency_key=key,
            channel=channel,
            template=template,
            language=rendered.language,
            recipient=recipient,
            subject=rendered.subject,
            body={"sms": rendered.sms, "letter": rendered.letter}.get(channel, rendered.body),
            state=MessageState.BLOCKED if problem else MessageState.QUEUED,
            reason=problem,
            next_attempt_at=None if problem else self.allowed_at(now, patient.timezone),
            related_id=related_id,
        )

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
        """Send every queued e-mail and SMS whose time has come; one transaction per step."""
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
        sent = retrying = failed = 0
        for message_id in ids:
            outcome = self._send_one(message_id, now)
            sent += outcome == "sent"
            retrying += outcome == "retry"
            failed += outcome == "failed"
        return SendReport(sent, retrying, failed)

    def _claim(self, message_id: str, now: datetime) -> OutboxMessage | None:
        with self.desk.writing(Permission.MESSAGE) as tx:
            message = tx.session.get(OutboxMessage, message_id)
            if message is None or message.state != MessageState.QUEUED:
                return None  # someone else took it, or it changed meanwhile
            message.state = MessageState.SENDING
            message.attempts += 1
            tx.touch(message, kind="message", patient_id=message.patient_id)
            return message

    def _send_one(self, message_id: str, now: datetime) -> str:
        message = self._claim(message_id, now)
        if message is None:
            return "skipped"
        try:
            self._deliver(message)
        except channels.TransientFailure as exc:
            return self._finish(message, now, retry_reason=str(exc))
        except channels.PermanentFailure as exc:
            return self._finish(message, now, fail_reason=str(exc))
        return self._finish(message, now)

    def _deliver(self, message: OutboxMessage) -> None:
        to, key = message.recipient or "", message.idempotency_key
        if message.channel == "email":
            config = channels.smtp_config(self.desk)
            channels.send_email(config, to, message.subject or "", message.body, key)
        else:
            channels.send_sms(channels.sms_config(self.desk), to, message.body, key)

    def _finish(
        self,
        message: OutboxMessage,
        now: datetime,
        *,
        retry_reason: str | None = None,
        fail_reason: str | None = None,
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
                self._record_delivery(tx, row, delivered=False)
            else:
                row.state, row.reason, row.sent_at = MessageState.SENT, None, utcnow()
                outcome = "sent"
                self._record_delivery(tx, row, delivered=True)
            tx.touch(row, kind="message", patient_id=row.patient_id)
        return outcome

    @staticmethod
    def _record_delivery(tx: Tx, message: OutboxMessage, *, delivered: bool) -> None:
        """The delivery record on the patient's timeline and in the audit trail."""
        label = message.template.replace("_", " ")
        summary = f"{message.channel} {'sent' if delivered else 'not delivered'}: {label}"
        entry = TimelineEntry(
            patient_id=message.patient_id,
            kind="message",
            at=tx.now,
            author_id=tx.desk.user.id,
            summary=summary,
            body=message.body if delivered else message.reason,
            channel=message.channel,
            direction="out",
            outcome="sent" if delivered else "failed",
        )
        tx.add(entry, kind="timeline", patient_id=message.patient_id)
        tx.audit(
            "message.sent" if delivered else "message.failed",
            entity="message",
            entity_id=message.id,
            patient_id=message.patient_id,
            detail={"channel": message.channel, "attempts": message.attempts},
        )

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
                self._record_delivery(tx, row, delivered=True)
                done += 1
        return done

    # ----- automatic outreach -------------------------------------------------------------
    def queue_appointment_reminders(self, days_ahead: int = 2, now: datetime | None = None) -> int:
        """Queue one reminder per upcoming appointment (once per appointment, ever)."""
        from careDesk.model.schedule import Appointment

        now = now or utcnow()
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
            local = appointment.starts_at.astimezone(
                zone(patient.timezone or self.desk.settings.get("clinic.timezone"))
            )
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
        return queued
