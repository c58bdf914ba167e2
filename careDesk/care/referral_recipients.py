"""Whom a referral can go to: the patient's care team, then the community resource directory;
and which social needs the patient's latest screen found (where the resource picker starts).

Each choice carries the fields a new referral takes from it (``desk.referrals.create``), so a
recipient picked from a list is named and linked exactly as stored, never retyped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from careDesk.model.referral import NeedDomain

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


def screened_needs(desk: Desk, patient_id: str) -> list[str]:
    """The social needs the patient's latest AHC-HRSN screen found (CMS 2017), in the tool's
    domain order: the resource picker starts on the first of them."""
    latest = desk.screeners.history(patient_id, "ahc_hrsn")[:1]
    found = set(latest[0].positive_domains) if latest else set()
    return [need.value for need in NeedDomain if need.value in found]
