"""Referrals with closed-loop tracking: draft → sent → accepted → seen → report received → closed.

Each step stamps its time and a referral only ever moves one step forward, so the record shows
when every step happened. Closing is allowed from any state but, before the report is back,
needs a reason (the loop was closed without a report: patient declined, moved…). "Open loops"
are referrals sent more than N days ago whose report has not come back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Field, col, select

from careDesk.care.forms.base import Form, ReadModel, refuse, updating
from careDesk.care.verb_kit import (
    add_audited,
    live,
    record_change,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.model.fields import UtcTime
from careDesk.model.referral import Referral, ReferralBase, ReferralState, Urgency
from careDesk.model.team import Organization, Provider
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from sqlmodel import Session

    from careDesk.desk import Desk

__all__ = ["Referrals", "Urgency"]

ORDER: tuple[ReferralState, ...] = tuple(ReferralState)
STAMPS: dict[ReferralState, str] = {
    ReferralState.SENT: "sent_at",
    ReferralState.ACCEPTED: "accepted_at",
    ReferralState.SEEN: "seen_at",
    ReferralState.REPORT_RECEIVED: "report_at",
    ReferralState.CLOSED: "closed_at",
}
OPEN_LOOP = (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.SEEN)
#: The steps of a referral in the order it takes them (closing is also allowed from any step).
STEPS: tuple[ReferralState, ...] = ORDER


def next_step(state: ReferralState | str) -> ReferralState | None:
    """The one step a referral in ``state`` takes next; None once it is closed. The client
    offers this step; :meth:`Referrals.advance` refuses any other (except closing)."""
    current = ReferralState(state)
    if current == ReferralState.CLOSED:
        return None
    return ORDER[ORDER.index(current) + 1]


class ReferralCreate(ReferralBase, Form):
    """A new referral (a draft)."""

    # May be left out when a provider or organization is linked: their name is taken then.
    to_name: str | None = Field(default=None, max_length=200)  # type: ignore[assignment]


ReferralUpdate = updating(
    ReferralBase, "ReferralUpdate", doc="Changes to who, why, how urgent, or the notes."
)


class StepForm(Form):
    state: ReferralState
    at: UtcTime | None = None
    reason: str | None = Field(default=None, max_length=300)


class ReferralRead(ReferralBase, ReadModel):
    id: str
    patient_id: str
    created_at: datetime
    updated_at: datetime


def _fill_recipient(session: Session, values: dict[str, Any]) -> None:
    """Check the linked provider/organization; name the recipient after them if unnamed."""
    names = []
    if values.get("provider_id"):
        names.append(live(session, Provider, values["provider_id"], "provider").name)
    if values.get("organization_id"):
        names.append(live(session, Organization, values["organization_id"], "organization").name)
    if not values.get("to_name") and names:
        values["to_name"] = names[0]


class Referrals:
    """Verbs on referrals to specialists and services (``desk.referrals``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def create(self, patient_id: str, **fields: Any) -> Outcome[ReferralRead]:
        """A new referral in the draft state."""
        self.desk.require(Permission.EDIT)
        form = ReferralCreate.parse(fields)
        values = form.to_record()
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            _fill_recipient(tx.session, values)
            if not values["to_name"]:
                raise refuse("to_name", "name who the referral goes to")
            row = add_audited(
                tx,
                "referral.add",
                Referral(patient_id=patient_id, **values),
                kind="referral",
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(ReferralRead.of(row), tx.changes)

    def update(self, referral_id: str, **fields: Any) -> Outcome[ReferralRead]:
        """Change who, why, how urgent, or the notes (not the state: see :meth:`advance`)."""
        self.desk.require(Permission.EDIT)
        values = ReferralUpdate.parse(fields).changes()
        with self.desk.writing() as tx:
            row = live(tx.session, Referral, referral_id, "referral")
            _fill_recipient(tx.session, values)
            update_audited(
                tx, "referral.update", row, values, kind="referral", patient_id=row.patient_id
            )
            return Outcome(ReferralRead.of(row), tx.changes)

    def advance(
        self, referral_id: str, state: str, *, at: datetime | None = None, reason: str | None = None
    ) -> Outcome[ReferralRead]:
        """Move a referral one step forward (or close it), stamping the step's time."""
        self.desk.require(Permission.EDIT)
        step = StepForm.parse(state=state, at=at, reason=reason)
        target = ReferralState(step.state)
        with self.desk.writing() as tx:
            row = live(tx.session, Referral, referral_id, "referral")
            current = ReferralState(row.state)
            _check_step(current, target, step.reason)
            setattr(row, STAMPS[target], step.at or tx.now)
            row.state = target
            changed = ["state", STAMPS[target]]
            if target == ReferralState.CLOSED:
                row.closed_reason = step.reason
                changed.append("closed_reason")
            record_change(
                tx,
                f"referral.{target.value}",
                row,
                kind="referral",
                patient_id=row.patient_id,
                fields=changed,
            )
            return Outcome(ReferralRead.of(row), tx.changes)

    def send(self, referral_id: str, at: datetime | None = None) -> Outcome[ReferralRead]:
        """Record that the referral was sent."""
        return self.advance(referral_id, ReferralState.SENT, at=at)

    def accept(self, referral_id: str, at: datetime | None = None) -> Outcome[ReferralRead]:
        """Record that the recipient accepted the referral."""
        return self.advance(referral_id, ReferralState.ACCEPTED, at=at)

    def mark_seen(self, referral_id: str, at: datetime | None = None) -> Outcome[ReferralRead]:
        """Record that the patient was seen."""
        return self.advance(referral_id, ReferralState.SEEN, at=at)

    def record_report(self, referral_id: str, at: datetime | None = None) -> Outcome[ReferralRead]:
        """Record that the report came back."""
        return self.advance(referral_id, ReferralState.REPORT_RECEIVED, at=at)

    def close(
        self, referral_id: str, reason: str | None = None, at: datetime | None = None
    ) -> Outcome[ReferralRead]:
        """Close the loop; a reason is needed unless the report came back."""
        return self.advance(referral_id, ReferralState.CLOSED, at=at, reason=reason)

    def remove(self, referral_id: str) -> Outcome[None]:
        """Remove a referral entered by mistake (tombstone)."""
        return remove_live(
            self.desk,
            Referral,
            referral_id,
            what="referral",
            kind="referral",
            action="referral.remove",
        )

    def for_patient(self, patient_id: str, *, include_closed: bool = True) -> list[ReferralRead]:
        """The patient's referrals, newest first."""
        self.desk.require(Permission.READ)
        query = (
            select(Referral)
            .where(Referral.patient_id == patient_id, col(Referral.deleted_at).is_(None))
            .order_by(col(Referral.created_at).desc(), col(Referral.id).desc())
        )
        if not include_closed:
            query = query.where(Referral.state != ReferralState.CLOSED)
        with self.desk.reading() as session:
            return [ReferralRead.of(r) for r in session.exec(query)]

    def open_loops(
        self, days: int = 30, *, now: datetime | None = None, patient_id: str | None = None
    ) -> list[ReferralRead]:
        """Referrals sent more than ``days`` ago with no report yet, oldest first."""
        self.desk.require(Permission.READ)
        if days < 0:
            raise refuse("days", "must not be negative")
        cutoff = (now or datetime.now().astimezone()) - timedelta(days=days)
        query = (
            select(Referral)
            .where(col(Referral.state).in_(OPEN_LOOP), col(Referral.deleted_at).is_(None))
            .where(col(Referral.sent_at) <= cutoff)
            .order_by(col(Referral.sent_at))
        )
        if patient_id:
            query = query.where(Referral.patient_id == patient_id)
        with self.desk.reading() as session:
            return [ReferralRead.of(r) for r in session.exec(query)]


def _check_step(current: ReferralState, target: ReferralState, reason: str | None) -> None:
    """Only one step forward; closing from anywhere, with a reason before the report."""
    if current == ReferralState.CLOSED:
        raise refuse("state", "this referral is already closed")
    if target == ReferralState.CLOSED:
        if reason is None and current != ReferralState.REPORT_RECEIVED:
            raise refuse("reason", "say why the referral is closed without a report")
        return
    following = next_step(current)
    if following is None or target != following:
        then = following.value if following is not None else "nothing more"
        raise refuse("state", f"a referral that is {current.value} can next be {then} or closed")
