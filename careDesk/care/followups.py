"""Follow-up tasks for staff: create, update, complete, cancel, reassign, and what is due.

Follow-ups are rows with a UTC due time (reminders are data, see
docs/architecture.md#scheduling-the-reminder-clock; the scheduler in
``careDesk.schedule`` is only the clock). "What is due for me" is one query over the
``(status, due_at)`` index. A recurring follow-up (RFC 5545 RRULE, run in its local time zone)
gets its next occurrence when it is completed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlmodel import Field, col, select

from careDesk.care.forms.base import Form, ReadModel, parse, refuse, updating
from careDesk.care.verb_kit import (
    add_audited,
    live,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.model.base import utcnow
from careDesk.model.fields import Lines
from careDesk.model.schedule import FollowUp, FollowUpBase, FollowUpKind
from careDesk.model.security import User
from careDesk.schedule.recurrence import next_occurrence
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from sqlmodel import Session

    from careDesk.desk import Desk, Tx

__all__ = ["FollowUpCreate", "FollowUpKind", "FollowUps"]


class FollowUpCreate(FollowUpBase, Form):
    """A new open follow-up."""


FollowUpUpdate = updating(
    FollowUpBase,
    "FollowUpUpdate",
    exclude=frozenset({"origin", "activity_id"}),
    doc="Changes to an open follow-up.",
)


class ResultForm(Form):
    result: Lines = Field(max_length=20_000)


class FollowUpRead(FollowUpBase, ReadModel):
    id: str
    patient_id: str
    updated_at: datetime


def _check_assignee(session: Session, user_id: str | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise refuse("assignee_id", "choose an active careDesk user")


def _open(session: Session, follow_up_id: str) -> FollowUp:
    row = live(session, FollowUp, follow_up_id, "follow-up")
    if row.status != "open":
        raise refuse("status", f"this follow-up is already {row.status}")
    return row


def cancel_open(tx: Tx, patient_id: str, reason: str) -> int:
    """Cancel every open follow-up of a patient with ``reason`` (used by discharge)."""
    rows = tx.session.exec(
        select(FollowUp).where(
            FollowUp.patient_id == patient_id,
            FollowUp.status == "open",
            col(FollowUp.deleted_at).is_(None),
        )
    ).all()
    for row in rows:
        update_audited(
            tx,
            "follow_up.cancel",
            row,
            {"status": "cancelled", "result": reason},
            kind="follow_up",
            patient_id=patient_id,
        )
    return len(rows)


class FollowUps:
    """Verbs on follow-up tasks (``desk.followups``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def create(self, patient_id: str, **fields: Any) -> Outcome[FollowUpRead]:
        """A new open follow-up for a patient."""
        self.desk.require(Permission.EDIT)
        form = FollowUpCreate.parse(fields)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            _check_assignee(tx.session, form.assignee_id)
            row = add_audited(
                tx,
                "follow_up.add",
                FollowUp(patient_id=patient_id, **form.to_record()),
                kind="follow_up",
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(FollowUpRead.of(row), tx.changes)

    def update(self, follow_up_id: str, **fields: Any) -> Outcome[FollowUpRead]:
        """Change an open follow-up (a new due time is announced again)."""
        self.desk.require(Permission.EDIT)
        values = FollowUpUpdate.parse(fields).changes()
        with self.desk.writing() as tx:
            row = _open(tx.session, follow_up_id)
            _check_assignee(tx.session, values.get("assignee_id"))
            changed = update_audited(
                tx, "follow_up.update", row, values, kind="follow_up", patient_id=row.patient_id
            )
            if {"due_at", "assignee_id"} & set(changed):
                row.notified_at = None
            return Outcome(FollowUpRead.of(row), tx.changes)

    def complete(self, follow_up_id: str, result: str) -> Outcome[FollowUpRead]:
        """Mark done with what happened; a recurring follow-up gets its next occurrence."""
        return self._close(follow_up_id, "done", result)

    def cancel(self, follow_up_id: str, reason: str) -> Outcome[FollowUpRead]:
        """Cancel an open follow-up, saying why."""
        return self._close(follow_up_id, "cancelled", reason)

    def reassign(self, follow_up_id: str, assignee_id: str | None) -> Outcome[FollowUpRead]:
        """Give an open follow-up to another user (or to nobody); only to someone who may act
        on it (``desk.users.assignable``)."""
        if assignee_id is not None and assignee_id not in {
            u.id for u in self.desk.users.assignable()
        }:
            raise refuse("assignee_id", "that user cannot take follow-ups")
        return self.update(follow_up_id, assignee_id=assignee_id)

    def remove(self, follow_up_id: str) -> Outcome[None]:
        """Remove a follow-up created in error (tombstone)."""
        return remove_live(
            self.desk,
            FollowUp,
            follow_up_id,
            what="follow-up",
            kind="follow_up",
            action="follow_up.remove",
        )

    def open_for_patient(self, patient_id: str) -> list[FollowUpRead]:
        """The patient's open follow-ups, soonest first."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(FollowUp)
                .where(FollowUp.patient_id == patient_id, FollowUp.status == "open")
                .where(col(FollowUp.deleted_at).is_(None))
                .order_by(col(FollowUp.due_at), col(FollowUp.id))
            )
            return [FollowUpRead.of(r) for r in rows]

    def due(
        self, assignee_id: str | None = None, *, now: datetime | None = None, limit: int = 500
    ) -> list[FollowUpRead]:
        """Open follow-ups due by ``now`` (overdue included, snoozed ones not), urgent first.

        One range scan over the ``(status, due_at)`` index, optionally for one assignee.
        """
        self.desk.require(Permission.READ)
        moment = now or utcnow()
        query = (
            select(FollowUp)
            .where(FollowUp.status == "open", col(FollowUp.due_at) <= moment)
            .where(col(FollowUp.deleted_at).is_(None))
            .where(
                or_(col(FollowUp.snoozed_until).is_(None), col(FollowUp.snoozed_until) <= moment)
            )
            .order_by(col(FollowUp.urgent).desc(), col(FollowUp.due_at))
            .limit(limit)
        )
        if assignee_id is not None:
            query = query.where(FollowUp.assignee_id == assignee_id)
        with self.desk.reading() as session:
            return [FollowUpRead.of(r) for r in session.exec(query)]

    def _close(self, follow_up_id: str, status: str, text: str) -> Outcome[FollowUpRead]:
        self.desk.require(Permission.EDIT)
        form = parse(ResultForm, {"result": text}, where="follow-up")
        with self.desk.writing() as tx:
            row = _open(tx.session, follow_up_id)
            values: dict[str, Any] = {"status": status, "result": form.result}
            if status == "done":
                values["completed_at"] = tx.now
            action = "follow_up.complete" if status == "done" else "follow_up.cancel"
            # Only an open follow-up gets here, so the status always changes.
            update_audited(tx, action, row, values, kind="follow_up", patient_id=row.patient_id)
            if status == "done":
                _next_occurrence(tx, row)
            return Outcome(FollowUpRead.of(row), tx.changes)


def _next_occurrence(tx: Tx, done: FollowUp) -> FollowUp | None:
    """The next open follow-up of a recurring one, after its due time (local wall time)."""
    if not done.recurrence:
        return None
    when = next_occurrence(done.recurrence, done.due_at, done.due_at, done.timezone)
    if when is None:
        return None
    following = FollowUp(
        patient_id=done.patient_id,
        kind=done.kind,
        title=done.title,
        due_at=when,
        timezone=done.timezone,
        recurrence=done.recurrence,
        assignee_id=done.assignee_id,
        urgent=False,
        origin=done.origin,
        activity_id=done.activity_id,
    )
    return add_audited(
        tx,
        "follow_up.recur",
        following,
        kind="follow_up",
        patient_id=done.patient_id,
        fields=["due_at"],
    )
