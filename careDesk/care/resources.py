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
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator
from sqlmodel import col, select

from careDesk.care.verb_kit import (
    Email,
    Form,
    Line,
    OptBody,
    OptLine,
    OptLong,
    OptPara,
    Phone,
    ReadModel,
    add_audited,
    live,
    local_today,
    parse,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.errors import ValidationFailed
from careDesk.model.referral import CommunityResource, ResourceReferral
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk


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
Category = Annotated[str, AfterValidator(lambda v: _choice(v, CATEGORIES))]


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


def _choice(value: str, choices: tuple[str, ...]) -> str:
    cleaned = value.strip().lower()
    if cleaned not in choices:
        raise ValueError(f"choose one of {', '.join(choices)}")
    return cleaned


def _languages(value: str) -> str:
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    if not codes or any(not c.isalpha() or not 2 <= len(c) <= 3 for c in codes):
        raise ValueError("list language codes separated by commas, such as en, es, vi")
    return ",".join(dict.fromkeys(codes))


Languages = Annotated[str, AfterValidator(_languages)]


def fold(text: str) -> str:
    """Lower case without accents, so "credito" finds "crédito"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ResourceUpdate(Form):
    not_null: ClassVar[frozenset[str]] = frozenset({"name", "category", "languages"})
    name: Line | None = None
    category: Category | None = None
    phone: Phone = None
    email: Email = None
    address: OptLong = None
    website: OptLong = None
    hours: OptLine = None
    languages: Languages | None = None
    eligibility: OptPara = None
    notes: OptBody = None


class ResourceForm(ResourceUpdate):
    name: Line
    category: Category
    languages: Languages = "en"


class ReferForm(Form):
    need: NeedDomain
    referred_on: date | None = None
    outcome: OptLong = None


class ReferralStateForm(Form):
    state: ReferralState
    outcome: OptLong = None


class ResourceRead(ReadModel):
    id: str
    name: str
    category: str
    phone: str | None
    email: str | None
    address: str | None
    website: str | None
    hours: str | None
    languages: str
    eligibility: str | None
    notes: str | None


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
    return ResourceReferralRead(**row.model_dump(), resource_name=resource.name)


class Resources:
    """Verbs on the community resource directory and resource referrals (``desk.resources``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- the directory ---------------------------------------------------------------------
    def add(self, **fields: Any) -> Outcome[ResourceRead]:
        """Add a resource (food bank, housing help, rides…) to the directory."""
        self.desk.require(Permission.EDIT)
        form = parse(ResourceForm, fields)
        with self.desk.writing() as tx:
            row = add_audited(
                tx,
                "resource.add",
                CommunityResource(**form.model_dump()),
                kind="community_resource",
                patient_id=None,
                fields=form.model_fields_set,
            )
            return Outcome(ResourceRead.model_validate(row), tx.changes)

    def update(self, resource_id: str, **fields: Any) -> Outcome[ResourceRead]:
        """Change a resource's details."""
        self.desk.require(Permission.EDIT)
        values = parse(ResourceUpdate, fields).values()
        with self.desk.writing() as tx:
            row = live(tx.session, CommunityResource, resource_id, "community resource")
            update_audited(
                tx, "resource.update", row, values, kind="community_resource", patient_id=None
            )
            return Outcome(ResourceRead.model_validate(row), tx.changes)

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
        return [ResourceRead.model_validate(r) for r in rows if _matches(r, words, wanted)]

    # ----- resource referrals ----------------------------------------------------------------
    def refer(
        self, patient_id: str, resource_id: str, **fields: Any
    ) -> Outcome[ResourceReferralRead]:
        """Refer a patient to a resource for one need domain."""
        self.desk.require(Permission.EDIT)
        form = parse(ReferForm, fields)
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
        form = parse(ReferralStateForm, {"state": state, "outcome": outcome})
        with self.desk.writing() as tx:
            row = live(tx.session, ResourceReferral, referral_id, "resource referral")
            if form.state not in NEXT_STATES[row.state]:
                allowed = ", ".join(sorted(NEXT_STATES[row.state])) or "nothing (it has ended)"
                raise ValidationFailed("state", f"a {row.state} referral can become {allowed}")
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
