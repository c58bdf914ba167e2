"""Referrals with closed-loop states, the community resource directory, resource referrals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field

from careDesk.model.base import Record


class ReferralState(StrEnum):
    """Closed-loop referral tracking: each step recorded until the loop closes."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    SEEN = "seen"
    REPORT_RECEIVED = "report_received"
    CLOSED = "closed"


class Referral(Record, table=True):
    __tablename__ = "referral"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    to_name: str = Field(max_length=200)
    specialty: str | None = Field(default=None, max_length=100)
    provider_id: str | None = Field(default=None, max_length=36)
    organization_id: str | None = Field(default=None, max_length=36)
    reason: str = Field(max_length=500)
    urgency: str = Field(default="routine", max_length=20)  # routine, soon, urgent
    state: str = Field(default=ReferralState.DRAFT, max_length=20, index=True)
    sent_at: datetime | None = None
    accepted_at: datetime | None = None
    seen_at: datetime | None = None
    report_at: datetime | None = None
    closed_at: datetime | None = None
    closed_reason: str | None = Field(default=None, max_length=300)
    notes: str | None = None


class CommunityResource(Record, table=True):
    __tablename__ = "community_resource"

    name: str = Field(max_length=200, index=True)
    category: str = Field(max_length=40, index=True)  # food, housing, transportation…
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    website: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    languages: str = Field(default="en", max_length=100)  # comma list
    eligibility: str | None = Field(default=None, max_length=500)
    notes: str | None = None


class ResourceReferral(Record, table=True):
    __tablename__ = "resource_referral"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    resource_id: str = Field(foreign_key="community_resource.id", index=True, max_length=36)
    need: str = Field(max_length=40)  # the social-needs domain it answers
    state: str = Field(default="referred", max_length=20)  # referred, connected, closed, declined
    referred_on: date
    outcome: str | None = Field(default=None, max_length=300)
