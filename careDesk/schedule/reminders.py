"""Staff reminders over follow-up rows: what is due, announce once, snooze.

Reminders are data (docs/architecture.md#scheduling-the-reminder-clock): "what is due now" is one
indexed range query over open
follow-ups, and each follow-up is announced once (``notified_at``), including those that fell
due while the app was closed. Completing (with the next occurrence of a recurring follow-up),
cancelling and reassigning live with the follow-up record in ``careDesk.care.followups``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, or_, update
from sqlalchemy import select as sa_select
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


# Only the columns the panel shows: hydrating whole rows would cost more than the query.
_URGENT_FIRST = (col(FollowUp.urgent).desc(), col(FollowUp.due_at))


def _select_items() -> Select[*tuple[Any, ...]]:
    columns = [
        col(FollowUp.id),
        col(FollowUp.patient_id),
        col(Patient.given_name),
        col(Patient.family_name),
        col(FollowUp.kind),
        col(FollowUp.title),
        col(FollowUp.due_at),
        col(FollowUp.urgent),
        col(FollowUp.assignee_id),
        col(FollowUp.recurrence),
    ]
    return sa_select(*columns).join(Patient, col(Patient.id) == FollowUp.patient_id)


def _items(rows: Iterable[Any], now: datetime) -> list[DueItem]:
    return [
        DueItem(
            r.id,
            r.patient_id,
            f"{r.given_name} {r.family_name}",
            r.kind,
            r.title,
            r.due_at,
            r.urgent,
            r.assignee_id,
            r.recurrence,
            r.due_at.date() < now.date(),
        )
        for r in rows
    ]


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
        query = _select_items().where(_due_filter(now)).order_by(*_URGENT_FIRST).limit(limit)
        if assignee_id:
            query = query.where(col(FollowUp.assignee_id) == assignee_id)
        with self.desk.reading() as session:
            return _items(session.execute(query), now)

    def upcoming(self, start: datetime, end: datetime, limit: int = 2000) -> list[DueItem]:
        """Open follow-ups due between ``start`` and ``end`` (the schedule view)."""
        self.desk.require(Permission.READ)
        query = (
            _select_items()
            .where(col(FollowUp.status) == "open", col(FollowUp.deleted_at).is_(None))
            .where(col(FollowUp.due_at) >= start, col(FollowUp.due_at) < end)
            .order_by(col(FollowUp.due_at))
            .limit(limit)
        )
        with self.desk.reading() as session:
            return _items(session.execute(query), start)

    def announce(self, now: datetime | None = None) -> list[DueItem]:
        """Due follow-ups not yet announced; marks them, so each is announced exactly once."""
        now = now or utcnow()
        query = (
            _select_items()
            .where(_due_filter(now), col(FollowUp.notified_at).is_(None))
            .order_by(*_URGENT_FIRST)
        )
        with self.desk.writing(None) as tx:
            items = _items(tx.session.execute(query), now)
            if items:
                tx.session.execute(
                    update(FollowUp)
                    .where(col(FollowUp.id).in_([i.id for i in items]))
                    .values(notified_at=now)
                )
        return items

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
