"""Outreach: messages to patients and caregivers (the outbox), the replies that come back (the
inbox) and the addresses that asked for no more messages (opt-outs)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field

from careDesk.model.base import Record


class MessageState(StrEnum):
    """queued → sending → sent, or failed after retries; blocked when consent or details are
    missing; unknown when a send was interrupted and may or may not have gone out."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


class OutboxMessage(Record, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    # None only for an answer to HELP from a number or address no one on file has.
    patient_id: str | None = Field(
        default=None, foreign_key="patient.id", index=True, max_length=36
    )
    family_member_id: str | None = Field(default=None, max_length=36)  # to a caregiver
    idempotency_key: str = Field(max_length=200, unique=True)
    channel: str = Field(max_length=10)  # email, sms, whatsapp, letter, phone
    template: str = Field(max_length=40)
    language: str = Field(default="en", max_length=10)
    recipient: str | None = Field(default=None, max_length=200)
    subject: str | None = Field(default=None, max_length=200)
    body: str
    payload: str | None = None  # WhatsApp: the template name, language and parameters (JSON)
    attachment: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    attachment_name: str | None = Field(default=None, max_length=100)
    state: str = Field(default=MessageState.QUEUED, max_length=10)
    reason: str | None = Field(default=None, max_length=300)  # why blocked / failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    related_id: str | None = Field(default=None, max_length=36)  # appointment, follow-up…
    # The id the far end knows the message by: the e-mail's Message-ID (replies name it in
    # In-Reply-To), the WhatsApp message id.
    external_id: str | None = Field(default=None, max_length=200, index=True)


class ReplyState(StrEnum):
    """matched to a person by careDesk, unmatched (a person sorts it), assigned by a person,
    or dismissed (not from anyone careDesk writes to)."""

    MATCHED = "matched"
    UNMATCHED = "unmatched"
    ASSIGNED = "assigned"
    DISMISSED = "dismissed"


class InboundMessage(Record, table=True):
    """A reply fetched from the clinic mailbox, the SMS gateway or the WhatsApp relay.

    Kept on the workstation that fetched it, like the outbox it answers (its effects, the
    timeline entry, follow-up and consent change, replicate as usual).
    """

    __tablename__ = "inbound_message"

    source_key: str = Field(max_length=300, unique=True)  # "sms:<id>": each reply taken once
    channel: str = Field(max_length=10)  # email, sms, whatsapp
    sender: str = Field(max_length=200)
    received_at: datetime = Field(index=True)
    subject: str | None = Field(default=None, max_length=300)
    body: str
    state: str = Field(default=ReplyState.UNMATCHED, max_length=10, index=True)
    reason: str | None = Field(default=None, max_length=300)  # why it is unmatched
    patient_id: str | None = Field(
        default=None, foreign_key="patient.id", index=True, max_length=36
    )
    family_member_id: str | None = Field(default=None, max_length=36)
    answers_message_id: str | None = Field(default=None, max_length=36)  # the outbox message
    matched_by: str | None = Field(default=None, max_length=20)  # reply header, address, staff
    keyword: str | None = Field(default=None, max_length=12)  # stop, start, help, confirm…
    action: str | None = Field(default=None, max_length=300)  # what careDesk did about it


class OptOut(Record, table=True):
    """An address that replied STOP on a channel: it gets no message on that channel until it
    sends START (the carriers' rule, CTIA Messaging Principles and Best Practices; revoking
    consent by such a reply, FCC Report and Order 24-24, 2024).

    One row per channel and address (a stable id, so two workstations that take the same STOP
    make one row); START tombstones it. ``withdrew`` lists whose consent the STOP withdrew
    ("patient:<id>", "member:<id>", JSON), so START gives back exactly that.
    """

    __tablename__ = "opt_out"

    channel: str = Field(max_length=10)
    address: str = Field(max_length=200, index=True)  # phone digits or a lower-case e-mail
    since: datetime
    keyword: str = Field(max_length=12)
    withdrew: str = Field(default="[]")
