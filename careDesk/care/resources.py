"""The community resource directory, and resource referrals for a patient's social needs.

Need domains follow the CMS Accountable Health Communities HRSN screening tool (2017): the five
core domains (housing, food, transportation, utilities, interpersonal safety) and its
supplemental domains, so a positive screen maps straight to a kind of resource.
A resource referral moves referred → connected → closed, or ends declined/closed early.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlmodel import Field, col, select

from careDesk.care.forms.base import Form, ReadModel, refuse, updating
from careDesk.care.verb_kit import (
    add_audited,
    live,
    local_today,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.model.fields import Day
from careDesk.model.referral import (
    CATEGORIES,
    CommunityResource,
    CommunityResourceBase,
    NeedDomain,
    ResourceReferral,
)
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

__all__ = ["CATEGORIES", "NeedDomain", "Resources"]


class ReferralState(StrEnum):
    REFERRED = "referred"
    CONNECTED = "connected"
    CLOSED = "closed"
    DECLINED = "declined"


NEXT_STATES: dict[str, frozenset[str]] = {
    "referred": frozenset({"connected", "closed", "declined"}),
    "connected": frozenset({"closed", "declined"}),
    "closed": frozenset(),
    "declined": frozenset(),
}


def fold(text: str) -> str:
    """Lower case without accents, so "credito" finds "crédito"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ResourceCreate(CommunityResourceBase, Form):
    """A resource for the directory."""


ResourceUpdate = updating(
    CommunityResourceBase, "ResourceUpdate", doc="Changes to a resource's details."
)


class ReferForm(Form):
    need: NeedDomain
    referred_on: Day | None = None
    outcome: str | None = Field(default=None, max_length=300)


class ReferralStateForm(Form):
    state: ReferralState
    outcome: str | None = Field(default=None, max_length=300)


class ResourceRead(CommunityResourceBase, ReadModel):
    id: str


class ResourceReferralRead(ReadModel):
    id: str
    patient_id: str
    resource_id: str
    resource_name: str
    need: str
    state: str
    referred_on: date
    outcome: str | None
    updated_at: datetime


def _matches(row: CommunityResource, words: list[str], language: str) -> bool:
    if language and language not in row.languages.split(","):
        return False
    haystack = fold(
        " ".join(filter(None, [row.name, row.category, row.eligibility, row.notes, row.address]))
    )
    return all(w in haystack for w in words)


def _referral_read(row: ResourceReferral, resource: CommunityResource) -> ResourceReferralRead:
    return ResourceReferralRead.of(row, resource_name=resource.name)


class Resources:
    """Verbs on the community resource directory and resource referrals (``desk.resources``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- the directory ---------------------------------------------------------------------
    def add(self, **fields: Any) -> Outcome[ResourceRead]:
        """Add a resource (food bank, housing help, rides…) to the directory."""
        self.desk.require(Permission.EDIT)
        form = ResourceCreate.parse(fields)
        with self.desk.writing() as tx:
            row = add_audited(
                tx,
                "resource.add",
                CommunityResource(**form.to_record()),
                kind="community_resource",
                patient_id=None,
                fields=form.model_fields_set,
            )
            return Outcome(ResourceRead.of(row), tx.changes)

    def update(self, resource_id: str, **fields: Any) -> Outcome[ResourceRead]:
        """Change a resource's details."""
        self.desk.require(Permission.EDIT)
        values = ResourceUpdate.parse(fields).changes()
        with self.desk.writing() as tx:
            row = live(tx.session, CommunityResource, resource_id, "community resource")
            update_audited(
                tx, "resource.update", row, values, kind="community_resource", patient_id=None
            )
            return Outcome(ResourceRead.of(row), tx.changes)

    def remove(self, resource_id: str) -> Outcome[None]:
        """Take a resource out of the directory (tombstone)."""
        return remove_live(
            self.desk,
            CommunityResource,
            resource_id,
            what="community resource",
            kind="community_resource",
            action="resource.remove",
        )

    def search(
        self, text: str = "", *, category: str = "", language: str = ""
    ) -> list[ResourceRead]:
        """Resources matching every word of ``text`` (accents ignored), a category, a language."""
        self.desk.require(Permission.READ)
        query = select(CommunityResource).where(col(CommunityResource.deleted_at).is_(None))
        if category.strip():
            query = query.where(CommunityResource.category == category.strip().lower())
        words = fold(text).split()
        wanted = language.strip().lower()
        with self.desk.reading() as session:
            rows = session.exec(query.order_by(col(CommunityResource.name))).all()
        return [ResourceRead.of(r) for r in rows if _matches(r, words, wanted)]

    # ----- resource referrals ----------------------------------------------------------------
    def refer(
        self, patient_id: str, resource_id: str, **fields: Any
    ) -> Outcome[ResourceReferralRead]:
        """Refer a patient to a resource for one need domain."""
        self.desk.require(Permission.EDIT)
        form = ReferForm.parse(fields)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            resource = live(tx.session, CommunityResource, resource_id, "community resource")
            row = ResourceReferral(
                patient_id=patient_id,
                resource_id=resource.id,
                need=form.need,
                referred_on=form.referred_on or local_today(tx.now),
                outcome=form.outcome,
            )
            add_audited(
                tx,
                "resource_referral.add",
                row,
                kind="resource_referral",
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(_referral_read(row, resource), tx.changes)

    def set_state(
        self, referral_id: str, state: str, outcome: str | None = None
    ) -> Outcome[ResourceReferralRead]:
        """Move a resource referral on (connected, closed or declined) with its outcome."""
        self.desk.require(Permission.EDIT)
        form = ReferralStateForm.parse(state=state, outcome=outcome)
        with self.desk.writing() as tx:
            row = live(tx.session, ResourceReferral, referral_id, "resource referral")
            if form.state not in NEXT_STATES[row.state]:
                allowed = ", ".join(sorted(NEXT_STATES[row.state])) or "nothing (it has ended)"
                raise refuse("state", f"a {row.state} referral can become {allowed}")
            values: dict[str, Any] = {"state": form.state}
            if form.outcome is not None:
                values["outcome"] = form.outcome
            # The state always changes (no state leads to itself), so this always writes.
            update_audited(
                tx,
                "resource_referral.update",
                row,
                values,
                kind="resource_referral",
                patient_id=row.patient_id,
            )
            resource = tx.session.get(CommunityResource, row.resource_id)
            assert resource is not None  # foreign key
            return Outcome(_referral_read(row, resource), tx.changes)

    def for_patient(self, patient_id: str) -> list[ResourceReferralRead]:
        """The patient's resource referrals, newest first."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(ResourceReferral, CommunityResource)
                .join(CommunityResource, col(CommunityResource.id) == ResourceReferral.resource_id)
                .where(ResourceReferral.patient_id == patient_id)
                .where(col(ResourceReferral.deleted_at).is_(None))
                .order_by(col(ResourceReferral.referred_on).desc(), col(ResourceReferral.id).desc())
            ).all()
        return [_referral_read(r, res) for r, res in rows]

    def remove_referral(self, referral_id: str) -> Outcome[None]:
        """Remove a resource referral entered by mistake (tombstone)."""
        return remove_live(
            self.desk,
            ResourceReferral,
            referral_id,
            what="resource referral",
            kind="resource_referral",
            action="resource_referral.remove",
        )
