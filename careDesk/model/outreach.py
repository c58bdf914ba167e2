"""The outreach outbox: messages to patients with states, retries and an idempotency key."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
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

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    idempotency_key: str = Field(max_length=200, unique=True)
    channel: str = Field(max_length=10)  # email, sms, letter, phone
    template: str = Field(max_length=40)
    language: str = Field(default="en", max_length=10)
    recipient: str | None = Field(default=None, max_length=200)
    subject: str | None = Field(default=None, max_length=200)
    body: str
    state: str = Field(default=MessageState.QUEUED, max_length=10)
    reason: str | None = Field(default=None, max_length=300)  # why blocked / failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    related_id: str | None = Field(default=None, max_length=36)  # appointment, follow-up…
