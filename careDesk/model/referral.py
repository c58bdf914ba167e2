"""Referrals with closed-loop states, the community resource directory, resource referrals.

``ReferralBase`` and ``CommunityResourceBase`` declare each field once, with its column size
and rule (``careDesk/model/fields.py``); the tables, forms and read models derive from them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from sqlmodel import Field, SQLModel

from careDesk.model.base import PatientOwned, Record
from careDesk.model.fields import Email, LanguageList, Lines, ServicePhone, one_of


class ReferralState(StrEnum):
    """Closed-loop referral tracking: each step recorded until the loop closes."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    SEEN = "seen"
    REPORT_RECEIVED = "report_received"
    CLOSED = "closed"


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class NeedDomain(StrEnum):
    """AHC-HRSN core domains, then its supplemental domains (CMS 2017)."""

    HOUSING = "housing"
    FOOD = "food"
    TRANSPORTATION = "transportation"
    UTILITIES = "utilities"
    SAFETY = "safety"
    FINANCIAL_STRAIN = "financial_strain"
    EMPLOYMENT = "employment"
    FAMILY_COMMUNITY_SUPPORT = "family_community_support"
    EDUCATION = "education"
    PHYSICAL_ACTIVITY = "physical_activity"
    SUBSTANCE_USE = "substance_use"
    MENTAL_HEALTH = "mental_health"
    DISABILITIES = "disabilities"
    OTHER = "other"


CATEGORIES: tuple[str, ...] = (*NeedDomain, "legal", "health", "caregiver_support")


class ReferralBase(SQLModel):
    """A referral to a specialist or service, tracked until its loop closes."""

    # The state and the time of each step are recorded by ``desk.referrals.advance``.
    set_by_core: ClassVar[frozenset[str]] = frozenset(
        {"state", "sent_at", "accepted_at", "seen_at", "report_at", "closed_at", "closed_reason"}
    )

    to_name: str = Field(max_length=200)
    specialty: str | None = Field(default=None, max_length=100)
    provider_id: str | None = Field(default=None, max_length=36)
    organization_id: str | None = Field(default=None, max_length=36)
    reason: Lines = Field(max_length=500)
    urgency: Annotated[str, one_of(Urgency)] = Field(default="routine", max_length=20)
    state: str = Field(default=ReferralState.DRAFT, max_length=20, index=True)
    sent_at: datetime | None = None
    accepted_at: datetime | None = None
    seen_at: datetime | None = None
    report_at: datetime | None = None
    closed_at: datetime | None = None
    closed_reason: str | None = Field(default=None, max_length=300)
    notes: Lines | None = None


class Referral(ReferralBase, PatientOwned, Record, table=True):
    __tablename__ = "referral"


class CommunityResourceBase(SQLModel):
    """A food bank, housing help, ride service… in the clinic's resource directory."""

    name: str = Field(max_length=200, index=True)
    category: Annotated[str, one_of(CATEGORIES)] = Field(max_length=40, index=True)
    # A directory line may be a public service number such as 211 or 988 (fields.py).
    phone: ServicePhone | None = Field(default=None, max_length=40)
    email: Email | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    website: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    languages: LanguageList = Field(default="en", max_length=100)  # comma list
    eligibility: Lines | None = Field(default=None, max_length=500)
    notes: Lines | None = None


class CommunityResource(CommunityResourceBase, Record, table=True):
    __tablename__ = "community_resource"


class ResourceReferral(PatientOwned, Record, table=True):
    __tablename__ = "resource_referral"

    resource_id: str = Field(foreign_key="community_resource.id", index=True, max_length=36)
    need: str = Field(max_length=40)  # the social-needs domain it answers
    state: str = Field(default="referred", max_length=20)  # referred, connected, closed, declined
    referred_on: date
    outcome: str | None = Field(default=None, max_length=300)
