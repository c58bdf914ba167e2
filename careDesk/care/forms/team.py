"""Forms and read models for the directory (organizations, providers) and care teams.

All are derived from the base models in ``careDesk/model/team.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from careDesk.care.forms.base import Form, ReadModel, updating
from careDesk.model.team import CareTeamMemberBase, OrganizationBase, ProviderBase


class OrganizationCreate(OrganizationBase, Form):
    """A clinic, hospital, pharmacy or agency for the directory."""


class ProviderCreate(ProviderBase, Form):
    """A provider for the directory."""


class MemberCreate(CareTeamMemberBase, Form):
    """Someone joining a patient's care team."""

    # May be left out for a provider or a careDesk user: their name is taken then.
    name: str | None = Field(default=None, max_length=200)  # type: ignore[assignment]


OrganizationUpdate = updating(
    OrganizationBase, "OrganizationUpdate", doc="Changes to an organization's details."
)
ProviderUpdate = updating(ProviderBase, "ProviderUpdate", doc="Changes to a provider's details.")
MemberUpdate = updating(
    CareTeamMemberBase,
    "MemberUpdate",
    exclude=frozenset({"provider_id", "user_id"}),
    doc="Changes to a member's role, contact details or lead flag.",
)


class OrganizationRead(OrganizationBase, ReadModel):
    id: str


class ProviderRead(ProviderBase, ReadModel):
    id: str


class MemberRead(CareTeamMemberBase, ReadModel):
    id: str
    patient_id: str
    updated_at: datetime
