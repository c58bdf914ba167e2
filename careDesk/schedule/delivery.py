"""Handing one claimed outbox message to its channel, and the record of its delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from careDesk.model.outreach import OutboxMessage
from careDesk.model.timeline import TimelineEntry
from careDesk.schedule import channels, whatsapp

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

CHANNEL_NAMES = {"email": "e-mail", "sms": "text", "whatsapp": "WhatsApp", "letter": "letter"}


def deliver(desk: Desk, message: OutboxMessage) -> str | None:
    """Send ``message``; returns the id the far end gave it (WhatsApp), if any. Raises
    :class:`channels.TransientFailure` or :class:`channels.PermanentFailure`."""
    to, key = message.recipient or "", message.idempotency_key
    if message.channel == "email":
        attachment = None
        if message.attachment is not None:
            name = message.attachment_name or "handout.pdf"
            attachment = channels.Attachment(name, message.attachment)
        channels.send_email(
            channels.smtp_config(desk),
            to,
            message.subject or "",
            message.body,
            key,
            message_id=message.external_id,
            attachment=attachment,
        )
        return None
    if message.channel == "whatsapp":
        return whatsapp.send(whatsapp.config(desk), to, message.payload or "", key)
    channels.send_sms(channels.sms_config(desk), to, message.body, key)
    return None


def record(tx: Tx, message: OutboxMessage, *, delivered: bool) -> None:
    """The delivery record on the patient's timeline and in the audit trail (a message to a
    caregiver is recorded on the patient's record, naming the caregiver's record)."""
    label = message.template.replace("_", " ")
    channel = CHANNEL_NAMES.get(message.channel, message.channel)
    to = " to a caregiver" if message.family_member_id else ""
    summary = f"{channel}{to} {'sent' if delivered else 'not delivered'}: {label}"
    if message.patient_id is not None:
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
    detail: dict[str, object] = {"channel": message.channel, "attempts": message.attempts}
    if message.family_member_id:
        detail["caregiver"] = message.family_member_id
    tx.audit(
        "message.sent" if delivered else "message.failed",
        entity="message",
        entity_id=message.id,
        patient_id=message.patient_id,
        detail=detail,
    )
