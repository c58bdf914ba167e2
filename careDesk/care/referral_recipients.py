"""Whom a referral can go to: the patient's care team, then the community resource directory.

Each choice carries the fields a new referral takes from it (``desk.referrals.create``), so a
recipient picked from a list is named and linked exactly as stored, never retyped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from careDesk.desk import Desk


class Recipient(BaseModel):
    """One choice of recipient: ``key`` is stable for a list, ``fields`` go to create()."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    source: str  # "care team" or "directory"
    fields: dict[str, Any]


def recipients(desk: Desk, patient_id: str) -> list[Recipient]:
    """The patient's care team (lead first) then the directory's resources (by name)."""
    found = [
        Recipient(
            key=f"team:{m.id}",
            label=f"{m.name} ({m.role}, care team)",
            source="care team",
            fields={"to_name": m.name, "specialty": m.role, "provider_id": m.provider_id},
        )
        for m in desk.team.members(patient_id)
    ]
    found += [
        Recipient(
            key=f"directory:{r.id}",
            label=f"{r.name} ({r.category.replace('_', ' ')}, directory)",
            source="directory",
            fields={"to_name": r.name, "specialty": r.category.replace("_", " ")},
        )
        for r in desk.resources.search()
    ]
    return found
