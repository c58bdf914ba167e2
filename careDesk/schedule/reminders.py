"""Staff reminders over follow-up rows: what is due, announce once, snooze.

Reminders are data (DESIGN §5): "what is due now" is one indexed range query over open
follow-ups, and each follow-up is announced once (``notified_at``), including those that fell
due while the app was closed. Completing (with the next occurrence of a recurring follow-up),
cancelling and reassigning live with the follow-up record in ``careDesk.care.followups``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select

from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx


@dataclass(frozen=True)
class DueItem:
    """A follow-up that is due, as the reminders panel and `caredesk reminders` show it."""

    id: str
    patient_id: str
    patient_name: str
    kind: str
    title: str
    due_at: datetime
    urgent: bool
    assignee_id: str | None
    recurrence: str | None
    overdue: bool


def _due_filter(now: datetime) -> ColumnElement[bool]:
    return and_(
        col(FollowUp.status) == "open",
        col(FollowUp.due_at) <= now,
        col(FollowUp.deleted_at).is_(None),
        or_(col(FollowUp.snoozed_until).is_(None), col(FollowUp.snoozed_until) <= now),
    )


class Reminders:
    """Reminder verbs on an open desk."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def due(
        self,
        now: datetime | None = None,
        *,
        assignee_id: str | None = None,
        limit: int = 500,
    ) -> list[DueItem]:
        """Open follow-ups due by ``now`` (urgent first, then oldest), not snoozed."""
        self.desk.require(Permission.READ)
        now = now or utcnow()
        query = (
            select(FollowUp, Patient.given_name, Patient.family_name)
            .join(Patient, col(Patient.id) == FollowUp.patient_id)
            .where(_due_filter(now))
            .order_by(col(FollowUp.urgent).desc(), col(FollowUp.due_at))
            .limit(limit)
        )
        if assignee_id:
            query = query.where(FollowUp.assignee_id == assignee_id)
        with self.desk.reading() as session:
            rows = session.exec(query).all()
        return [self._item(f, f"{given} {family}", now) for f, given, family in rows]

    @staticmethod
    def _item(f: FollowUp, name: str, now: datetime) -> DueItem:
        return DueItem(
            f.id,
            f.patient_id,
            name,
            f.kind,
            f.title,
            f.due_at,
            f.urgent,
            f.assignee_id,
            f.recurrence,
            f.due_at.date() < now.date(),
        )

    def upcoming(self, start: datetime, end: datetime, limit: int = 2000) -> list[DueItem]:
        """Open follow-ups due between ``start`` and ``end`` (the schedule view)."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(FollowUp, Patient.given_name, Patient.family_name)
                .join(Patient, col(Patient.id) == FollowUp.patient_id)
                .where(FollowUp.status == "open", col(FollowUp.deleted_at).is_(None))
                .where(col(FollowUp.due_at) >= start, col(FollowUp.due_at) < end)
                .order_by(col(FollowUp.due_at))
                .limit(limit)
            ).all()
        return [self._item(f, f"{g} {fam}", start) for f, g, fam in rows]

    def announce(self, now: datetime | None = None) -> list[DueItem]:
        """Due follow-ups not yet announced; marks them, so each is announced exactly once."""
        now = now or utcnow()
        with self.desk.writing(None) as tx:
            rows = tx.session.exec(
                select(FollowUp, Patient.given_name, Patient.family_name)
                .join(Patient, col(Patient.id) == FollowUp.patient_id)
                .where(_due_filter(now), col(FollowUp.notified_at).is_(None))
                .order_by(col(FollowUp.urgent).desc(), col(FollowUp.due_at))
            ).all()
            for follow_up, _, _ in rows:
                follow_up.notified_at = now
                tx.session.add(follow_up)
        return [self._item(f, f"{g} {fam}", now) for f, g, fam in rows]

    def next_due_at(self, now: datetime | None = None) -> datetime | None:
        """When the next open follow-up (or snooze) falls due after ``now``."""
        now = now or utcnow()
        with self.desk.reading() as session:
            due = session.exec(
                select(FollowUp.due_at)
                .where(FollowUp.status == "open", col(FollowUp.due_at) > now)
                .where(col(FollowUp.deleted_at).is_(None))
                .order_by(col(FollowUp.due_at))
                .limit(1)
            ).first()
            snooze = session.exec(
                select(FollowUp.snoozed_until)
                .where(FollowUp.status == "open", col(FollowUp.snoozed_until) > now)
                .order_by(col(FollowUp.snoozed_until))
                .limit(1)
            ).first()
        times = [t for t in (due, snooze) if t is not None]
        return min(times) if times else None

    # ----- actions ------------------------------------------------------------------------
    def _open(self, tx: Tx, follow_up_id: str) -> FollowUp:
        row = tx.session.get(FollowUp, follow_up_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("follow-up", follow_up_id)
        if row.status != "open":
            raise ValidationFailed("status", f"this follow-up is already {row.status}")
        return row

    def snooze(self, follow_up_id: str, until: datetime) -> Outcome[str]:
        """Hide a due follow-up until ``until``; it is announced again then."""
        if until.tzinfo is None:
            raise ValidationFailed("until", "give a time with its time zone")
        with self.desk.writing() as tx:
            row = self._open(tx, follow_up_id)
            if until <= tx.now:
                raise ValidationFailed("until", "choose a time in the future")
            row.snoozed_until, row.notified_at = until, None
            tx.touch(row, kind="follow_up", patient_id=row.patient_id)
            tx.audit(
                "follow_up.snooze", entity="follow_up", entity_id=row.id, patient_id=row.patient_id
            )
            return Outcome(row.id, tx.changes)
