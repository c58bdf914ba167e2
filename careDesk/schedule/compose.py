"""Composing an outbox message: its text, the privacy check, quiet hours, and the check
again just before it is sent (:mod:`.outbox`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import ValidationFailed
from careDesk.model.clinical import Condition
from careDesk.model.outreach import MessageState, OutboxMessage
from careDesk.model.patient import FamilyMember, Patient
from careDesk.schedule import privacy, recipients, rules, templates, whatsapp
from careDesk.schedule.recipients import OutreachSettings, Recipient
from careDesk.schedule.recurrence import zone

if TYPE_CHECKING:
    from careDesk.desk import Tx


def _reveals(tx: Tx, patient_id: str, text: str) -> bool:
    """Whether a message's text would reveal health information (:mod:`.privacy`)."""
    conditions = tx.session.exec(
        select(Condition.display).where(
            Condition.patient_id == patient_id, col(Condition.deleted_at).is_(None)
        )
    ).all()
    return privacy.reveals_health(text, conditions)


def clinic_values(settings: OutreachSettings) -> dict[str, str]:
    """Who the message is from; a message without them would leave the patient guessing."""
    values = {}
    for key in ("clinic.name", "clinic.phone"):
        value = settings.get(key)
        if not value:
            raise ValidationFailed(
                key, f"set it before sending messages (caredesk config set {key})"
            )
        values[key.replace(".", "_")] = value
    return values


def allowed_at(settings: OutreachSettings, now: datetime, zone_name: str | None) -> datetime:
    """``now``, or the end of quiet hours in the recipient's (or clinic's) zone."""
    start, end = settings.quiet_hours()
    tz = zone(zone_name or settings.get("clinic.timezone"))
    return rules.after_quiet_hours(now, start, end, tz)


def compose(
    tx: Tx,
    settings: OutreachSettings,
    recipient: Recipient,
    template: str,
    values: dict[str, str],
    *,
    key: str,
    related_id: str | None,
    now: datetime,
    attachment: tuple[str, bytes] | None = None,
) -> OutboxMessage:
    """Render, check and store one message (queued, or blocked with the reason), audited."""
    rendered = templates.render(template, recipient.language, values)
    problem, payload = recipient.problem, None
    if problem is None and recipient.channel == "whatsapp":
        try:
            payload = whatsapp.template_payload(
                settings.get(f"whatsapp.template.{template}"),
                template,
                (recipient.language, rendered.language),
                {"coordinator_name": templates.care_team(rendered.language), **values},
            )
        except ValidationFailed as exc:
            problem = f"{exc.message} ({exc.field})"
    text = " ".join((rendered.subject, rendered.body, rendered.sms, rendered.letter))
    if payload is not None:
        text += " " + whatsapp.parameters_text(payload)
    if problem is None and _reveals(tx, recipient.patient.id, text):
        problem = privacy.HELD
    channel = recipient.channel
    message = OutboxMessage(
        patient_id=recipient.patient.id,
        family_member_id=recipient.member.id if recipient.member else None,
        idempotency_key=key,
        channel=channel,
        template=template,
        language=rendered.language,
        recipient=recipient.address,
        subject=rendered.subject,
        body={"sms": rendered.sms, "whatsapp": rendered.sms, "letter": rendered.letter}.get(
            channel, rendered.body
        ),
        payload=payload,
        attachment=attachment[1] if attachment else None,
        attachment_name=attachment[0] if attachment else None,
        state=MessageState.BLOCKED if problem else MessageState.QUEUED,
        reason=problem,
        next_attempt_at=None if problem else allowed_at(settings, now, recipient.patient.timezone),
        related_id=related_id,
    )
    tx.add(message, kind="message", patient_id=recipient.patient.id)
    detail = {"channel": channel, "template": template, "reason": problem}
    if recipient.member is not None:
        detail["caregiver"] = recipient.member.id
    tx.audit(
        "message.queue" if message.state == MessageState.QUEUED else "message.blocked",
        entity="message",
        entity_id=message.id,
        patient_id=recipient.patient.id,
        detail=detail,
    )
    return message


def recheck(tx: Tx, settings: OutreachSettings, message: OutboxMessage) -> str | None:
    """Why a queued message may no longer go (and its current address, set on it), or None.
    An answer to HELP always goes: the person asked for it."""
    if message.template == templates.HELP_REPLY or message.patient_id is None:
        return None
    patient = tx.session.get(Patient, message.patient_id)
    member = (
        tx.session.get(FamilyMember, message.family_member_id) if message.family_member_id else None
    )
    if patient is None or (message.family_member_id and member is None):
        return "the recipient is no longer on file"
    found = recipients.resolve(
        tx.session, settings, patient, member, message.channel, message.template
    )
    if found.problem is None and found.address:
        message.recipient = found.address  # a number or address changed since it was queued
    return found.problem
