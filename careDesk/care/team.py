"""The care team: organizations, providers, and each patient's care team members.

A member is a provider from the directory, a careDesk user, or just a named person; their
contact details default to the provider's or user's. One member per patient may be the lead
(the patient's one point of contact: docs/architecture.md#the-care-process-in-the-code).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel import col, select

from careDesk.care.forms.base import Form, ReadModel, refuse
from careDesk.care.forms.team import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
)
from careDesk.care.verb_kit import (
    add_audited,
    live,
    record_change,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.errors import NotFound
from careDesk.model.security import User
from careDesk.model.team import CareTeamMember, Organization, Provider
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from sqlmodel import Session

    from careDesk.desk import Desk, Tx

Directory = TypeVar("Directory", Organization, Provider)
F = TypeVar("F", bound=Form)
Read = TypeVar("Read", bound=ReadModel)


def _check_links(session: Session, row: Provider) -> None:
    if row.organization_id:
        live(session, Organization, row.organization_id, "organization")


class Team:
    """Verbs on organizations, providers and care team members (``desk.team``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- directory: organizations and providers --------------------------------------------
    def add_organization(self, **fields: Any) -> Outcome[OrganizationRead]:
        """Add a clinic, hospital, pharmacy or agency to the directory."""
        form = self._form(OrganizationCreate, fields)
        return self._add_entry(Organization(**form.to_record()), form, OrganizationRead)

    def update_organization(self, org_id: str, **fields: Any) -> Outcome[OrganizationRead]:
        """Change an organization's details."""
        values = self._form(OrganizationUpdate, fields).changes()
        return self._update_entry(Organization, org_id, values, OrganizationRead)

    def remove_organization(self, org_id: str) -> Outcome[None]:
        """Remove an organization from the directory (tombstone)."""
        return self._remove_entry(Organization, org_id)

    def organizations(self, search: str = "") -> list[OrganizationRead]:
        """Organizations whose name contains ``search``, by name."""
        return [OrganizationRead.of(r) for r in self._find(Organization, search)]

    def add_provider(self, **fields: Any) -> Outcome[ProviderRead]:
        """Add a provider (name, specialty, phone, e-mail) to the directory."""
        form = self._form(ProviderCreate, fields)
        return self._add_entry(Provider(**form.to_record()), form, ProviderRead)

    def update_provider(self, provider_id: str, **fields: Any) -> Outcome[ProviderRead]:
        """Change a provider's details."""
        values = self._form(ProviderUpdate, fields).changes()
        return self._update_entry(Provider, provider_id, values, ProviderRead)

    def remove_provider(self, provider_id: str) -> Outcome[None]:
        """Remove a provider from the directory (tombstone)."""
        return self._remove_entry(Provider, provider_id)

    def providers(self, search: str = "", specialty: str = "") -> list[ProviderRead]:
        """Providers whose name contains ``search`` (and of ``specialty``), by name."""
        rows = self._find(Provider, search)
        wanted = specialty.strip().casefold()
        return [
            ProviderRead.of(r)
            for r in rows
            if not wanted or (r.specialty or "").casefold() == wanted
        ]

    # ----- a patient's care team -------------------------------------------------------------
    def members(self, patient_id: str) -> list[MemberRead]:
        """The patient's care team: the lead first, then by role and name."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(CareTeamMember)
                .where(CareTeamMember.patient_id == patient_id)
                .where(col(CareTeamMember.deleted_at).is_(None))
                .order_by(
                    col(CareTeamMember.lead).desc(),
                    col(CareTeamMember.role),
                    col(CareTeamMember.name),
                )
            )
            return [MemberRead.of(r) for r in rows]

    def add_member(self, patient_id: str, **fields: Any) -> Outcome[MemberRead]:
        """Add someone to the patient's care team (a provider, a user, or a named person)."""
        form = self._form(MemberCreate, fields)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            row = CareTeamMember(patient_id=patient_id, **_member_values(tx.session, form))
            tx.add(row, kind="care_team_member", patient_id=patient_id)
            if row.lead:  # the other leads are cleared (and audited) before this add is
                _clear_other_leads(tx, row)
            record_change(
                tx,
                "care_team.add",
                row,
                kind="care_team_member",
                patient_id=patient_id,
                fields=form.model_fields_set,
                touch=False,
            )
            return Outcome(MemberRead.of(row), tx.changes)

    def update_member(self, member_id: str, **fields: Any) -> Outcome[MemberRead]:
        """Change a member's role, contact details or lead flag."""
        values = self._form(MemberUpdate, fields).changes()
        with self.desk.writing() as tx:
            row = live(tx.session, CareTeamMember, member_id, "care team member")
            changed = update_audited(
                tx,
                "care_team.update",
                row,
                values,
                kind="care_team_member",
                patient_id=row.patient_id,
            )
            if changed and row.lead:
                _clear_other_leads(tx, row)
            return Outcome(MemberRead.of(row), tx.changes)

    def remove_member(self, member_id: str) -> Outcome[None]:
        """Take someone off the patient's care team (tombstone)."""
        return remove_live(
            self.desk,
            CareTeamMember,
            member_id,
            what="care team member",
            kind="care_team_member",
            action="care_team.remove",
        )

    # ----- shared steps ----------------------------------------------------------------------
    def _form(self, model: type[F], fields: dict[str, Any]) -> F:
        self.desk.require(Permission.EDIT)
        return model.parse(fields)

    def _find(self, table: type[Directory], search: str) -> Sequence[Directory]:
        self.desk.require(Permission.READ)
        query = select(table).where(col(table.deleted_at).is_(None)).order_by(col(table.name))
        if search.strip():
            query = query.where(col(table.name).contains(search.strip(), autoescape=True))
        with self.desk.reading() as session:
            return session.exec(query).all()

    def _add_entry(self, row: Directory, form: Form, read: type[Read]) -> Outcome[Read]:
        kind = str(row.__tablename__)
        with self.desk.writing() as tx:
            if isinstance(row, Provider):
                _check_links(tx.session, row)
            add_audited(
                tx, f"{kind}.add", row, kind=kind, patient_id=None, fields=form.model_fields_set
            )
            return Outcome(read.of(row), tx.changes)

    def _update_entry(
        self, table: type[Directory], record_id: str, values: dict[str, Any], read: type[Read]
    ) -> Outcome[Read]:
        kind = str(table.__tablename__)
        with self.desk.writing() as tx:
            row = live(tx.session, table, record_id, kind)
            update_audited(tx, f"{kind}.update", row, values, kind=kind, patient_id=None)
            if isinstance(row, Provider):
                _check_links(tx.session, row)  # a refusal rolls the whole write back
            return Outcome(read.of(row), tx.changes)

    def _remove_entry(self, table: type[Directory], record_id: str) -> Outcome[None]:
        kind = str(table.__tablename__)
        return remove_live(
            self.desk, table, record_id, what=kind, kind=kind, action=f"{kind}.remove"
        )


def _member_values(session: Session, form: MemberCreate) -> dict[str, Any]:
    """A member's fields, filling name and contact details from the provider or user."""
    values = form.to_record()
    source: Provider | User | None = None
    if form.provider_id:
        source = live(session, Provider, form.provider_id, "provider")
        values["name"] = values["name"] or source.name
    elif form.user_id:
        source = session.get(User, form.user_id)
        if source is None:
            raise NotFound("careDesk user", form.user_id)
        values["name"] = values["name"] or source.display_name
    if not values["name"]:
        raise refuse("name", "give a name, a provider or a careDesk user")
    if source is not None:
        values["phone"] = values["phone"] or source.phone
        values["email"] = values["email"] or source.email
    return values


def _clear_other_leads(tx: Tx, lead: CareTeamMember) -> None:
    """Only one lead per patient: taking the lead clears it on the others."""
    others = tx.session.exec(
        select(CareTeamMember).where(
            CareTeamMember.patient_id == lead.patient_id,
            col(CareTeamMember.lead).is_(True),
            CareTeamMember.id != lead.id,
            col(CareTeamMember.deleted_at).is_(None),
        )
    )
    for other in others:
        other.lead = False
        record_change(
            tx,
            "care_team.update",
            other,
            kind="care_team_member",
            patient_id=lead.patient_id,
            fields=["lead"],
        )
