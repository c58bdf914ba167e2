"""Care team members, providers and organizations."""

from __future__ import annotations

from sqlmodel import Field

from careDesk.model.base import Record


class Organization(Record, table=True):
    __tablename__ = "organization"

    name: str = Field(max_length=200, index=True)
    kind: str | None = Field(default=None, max_length=60)  # clinic, hospital, pharmacy, agency
    phone: str | None = Field(default=None, max_length=40)
    fax: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Provider(Record, table=True):
    __tablename__ = "provider"

    name: str = Field(max_length=200, index=True)
    specialty: str | None = Field(default=None, max_length=100)
    organization_id: str | None = Field(default=None, foreign_key="organization.id", max_length=36)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class CareTeamMember(Record, table=True):
    """A person on one patient's care team, with their role and how to reach them."""

    __tablename__ = "care_team_member"

    patient_id: str = Field(foreign_key="patient.id", index=True, max_length=36)
    provider_id: str | None = Field(default=None, foreign_key="provider.id", max_length=36)
    user_id: str | None = Field(default=None, max_length=36)
    name: str = Field(max_length=200)
    role: str = Field(max_length=100)  # primary care, cardiology, pharmacist, social worker…
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    lead: bool = Field(default=False)
