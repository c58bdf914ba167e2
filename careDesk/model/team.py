"""Care team members, providers and organizations.

Each has one base model declaring its fields once, with their column sizes and rules
(``careDesk/model/fields.py``); tables, forms and read models derive from it
(``careDesk/care/forms/team.py``).
"""

from __future__ import annotations

from typing import ClassVar

from sqlmodel import Field, SQLModel

from careDesk.model.base import PatientOwned, Record
from careDesk.model.fields import Email, Phone


class OrganizationBase(SQLModel):
    """A clinic, hospital, pharmacy or agency in the directory."""

    set_by_core: ClassVar[frozenset[str]] = frozenset({"source_id"})  # by an import

    name: str = Field(max_length=200, index=True)
    kind: str | None = Field(default=None, max_length=60)  # clinic, hospital, pharmacy, agency
    phone: Phone | None = Field(default=None, max_length=40)
    fax: Phone | None = Field(default=None, max_length=40)
    email: Email | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Organization(OrganizationBase, Record, table=True):
    __tablename__ = "organization"


class ProviderBase(SQLModel):
    """A provider in the directory: name, specialty, where they work, how to reach them."""

    set_by_core: ClassVar[frozenset[str]] = frozenset({"source_id"})  # by an import

    name: str = Field(max_length=200, index=True)
    specialty: str | None = Field(default=None, max_length=100)
    organization_id: str | None = Field(default=None, foreign_key="organization.id", max_length=36)
    phone: Phone | None = Field(default=None, max_length=40)
    email: Email | None = Field(default=None, max_length=200)
    source_id: str | None = Field(default=None, max_length=200, index=True)


class Provider(ProviderBase, Record, table=True):
    __tablename__ = "provider"


class CareTeamMemberBase(SQLModel):
    """A person on one patient's care team, with their role and how to reach them.

    A member is a provider from the directory, a careDesk user, or just a named person; the
    name and contact details default to the provider's or user's (``desk.team.add_member``).
    """

    provider_id: str | None = Field(default=None, foreign_key="provider.id", max_length=36)
    user_id: str | None = Field(default=None, max_length=36)
    name: str = Field(max_length=200)
    role: str = Field(max_length=100)  # primary care, cardiology, pharmacist, social worker…
    phone: Phone | None = Field(default=None, max_length=40)
    email: Email | None = Field(default=None, max_length=200)
    lead: bool = Field(default=False)


class CareTeamMember(CareTeamMemberBase, PatientOwned, Record, table=True):
    __tablename__ = "care_team_member"
