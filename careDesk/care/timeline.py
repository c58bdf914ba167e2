"""The patient's timeline (notes, calls, messages, letters) and care-management time.

A note or call with minutes also records a :class:`TimeEntry`, which is what the monthly
care-management minutes report counts (CCM, CPT 99490/99439/99487: minutes per patient per
calendar month). The timeline is paged newest first with a keyset cursor, so a chart with
hundreds of entries opens with one short indexed query.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import col, func, select

from careDesk.care.billing_codes import BillingCategory
from careDesk.care.followups import complete_in, open_follow_up
from careDesk.care.forms.base import Form, refuse
from careDesk.care.forms.timeline import (
    CallForm,
    CallOutcome,
    Direction,
    LetterForm,
    MessageForm,
    MinutesForm,
    NoteForm,
    TimeForm,
    TimelineRead,
    TimeRead,
)
from careDesk.care.verb_kit import (
    add_audited,
    live,
    local_today,
    remove_live,
    require_patient,
    tombstone_audited,
)
from careDesk.changes import Kind, Outcome
from careDesk.errors import NotFound
from careDesk.model.security import User
from careDesk.model.timeline import TimeEntry, TimelineEntry
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

F = TypeVar("F", bound=Form)
MAX_PAGE = 500


_CALL_WORDS = {
    (Direction.OUT, CallOutcome.REACHED): "Called the patient: reached",
    (Direction.OUT, CallOutcome.VOICEMAIL): "Called the patient: left a voicemail",
    (Direction.OUT, CallOutcome.NO_ANSWER): "Called the patient: no answer",
    (Direction.IN, CallOutcome.REACHED): "Call from the patient",
    (Direction.IN, CallOutcome.VOICEMAIL): "Voicemail from the patient",
    (Direction.IN, CallOutcome.NO_ANSWER): "Missed call from the patient",
}


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise refuse("month", "give a month from 1 to 12")
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


class Timeline:
    """Verbs on the timeline and time entries (``desk.timeline``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- writing entries -------------------------------------------------------------------
    def add_note(self, patient_id: str, **fields: Any) -> Outcome[TimelineRead]:
        """A note; with ``minutes`` it also counts as care-management time."""
        form = self._parse(NoteForm, fields)
        values = {"summary": form.summary, "body": form.body, "minutes": form.minutes}
        return self._entry(patient_id, "note", values, form)

    def log_call(self, patient_id: str, **fields: Any) -> Outcome[TimelineRead]:
        """A phone call: direction, outcome (reached, voicemail, no answer) and minutes."""
        form = self._parse(CallForm, fields)
        words = _CALL_WORDS[(Direction(form.direction), CallOutcome(form.outcome))]
        values = {
            "summary": form.summary or words,
            "body": form.body,
            "minutes": form.minutes,
            "direction": form.direction,
            "outcome": form.outcome,
            "channel": "phone",
        }
        return self._entry(patient_id, "call", values, form)

    def record_message(self, patient_id: str, **fields: Any) -> Outcome[TimelineRead]:
        """A message sent or received (text, e-mail, portal, fax)."""
        form = self._parse(MessageForm, fields)
        values = {
            "summary": form.summary,
            "body": form.body,
            "direction": form.direction,
            "channel": form.channel,
        }
        return self._plain_entry(patient_id, "message", values, form.at, form.model_fields_set)

    def record_letter(self, patient_id: str, **fields: Any) -> Outcome[TimelineRead]:
        """A letter sent or received."""
        form = self._parse(LetterForm, fields)
        values = {
            "summary": form.summary,
            "body": form.body,
            "direction": form.direction,
            "channel": "letter",
        }
        return self._plain_entry(patient_id, "letter", values, form.at, form.model_fields_set)

    def remove(self, entry_id: str) -> Outcome[None]:
        """Remove an entry made in error, with the time it recorded (tombstones)."""
        with self.desk.writing(Permission.EDIT) as tx:
            row = live(tx.session, TimelineEntry, entry_id, "timeline entry")
            tombstone_audited(tx, "timeline.remove", row, kind="timeline")
            for time in tx.session.exec(
                select(TimeEntry).where(
                    TimeEntry.timeline_id == row.id, col(TimeEntry.deleted_at).is_(None)
                )
            ):
                tx.tombstone(time, kind="time_entry", patient_id=row.patient_id)
            return Outcome(None, tx.changes)

    # ----- reading the timeline --------------------------------------------------------------
    def page(
        self, patient_id: str, before: str | None = None, limit: int = 50
    ) -> list[TimelineRead]:
        """Up to ``limit`` entries, newest first, older than the entry id ``before``."""
        self.desk.require(Permission.READ)
        if not 1 <= limit <= MAX_PAGE:
            raise refuse("limit", f"give 1 to {MAX_PAGE}")
        query = select(TimelineEntry).where(
            TimelineEntry.patient_id == patient_id, col(TimelineEntry.deleted_at).is_(None)
        )
        with self.desk.reading() as session:
            if before is not None:
                anchor = session.get(TimelineEntry, before)
                if anchor is None or anchor.patient_id != patient_id:
                    raise NotFound("timeline entry", before)
                query = query.where(
                    or_(
                        col(TimelineEntry.at) < anchor.at,
                        and_(col(TimelineEntry.at) == anchor.at, col(TimelineEntry.id) < anchor.id),
                    )
                )
            rows = session.exec(
                query.order_by(col(TimelineEntry.at).desc(), col(TimelineEntry.id).desc()).limit(
                    limit
                )
            ).all()
            times = {
                t.timeline_id: t
                for t in session.exec(
                    select(TimeEntry).where(
                        col(TimeEntry.timeline_id).in_([r.id for r in rows if r.minutes]),
                        col(TimeEntry.deleted_at).is_(None),
                    )
                )
            }
            return [_read(r, times.get(r.id)) for r in rows]

    def count(self, patient_id: str) -> int:
        """How many (live) entries the patient's timeline holds."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return session.exec(
                select(func.count())
                .select_from(TimelineEntry)
                .where(
                    TimelineEntry.patient_id == patient_id,
                    col(TimelineEntry.deleted_at).is_(None),
                )
            ).one()

    # ----- time entries ----------------------------------------------------------------------
    def add_time(self, patient_id: str, **fields: Any) -> Outcome[TimeRead]:
        """Record care-management minutes spent for a patient (default: by me, today)."""
        form = self._parse(TimeForm, fields)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            row = TimeEntry(
                patient_id=patient_id,
                user_id=form.user_id or self.desk.user.id,
                on_date=form.on_date or local_today(tx.now),
                minutes=form.minutes,
                activity=form.activity,
                category=form.category,
            )
            add_audited(
                tx,
                "time.add",
                row,
                kind=Kind.TIME_ENTRY,
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(TimeRead.model_validate(row), tx.changes)

    def remove_time(self, time_id: str) -> Outcome[None]:
        """Remove a time entry made in error (tombstone)."""
        return remove_live(
            self.desk,
            TimeEntry,
            time_id,
            what="time entry",
            kind="time_entry",
            action="time.remove",
        )

    def time_entries(
        self, patient_id: str, year: int | None = None, month: int | None = None
    ) -> list[TimeRead]:
        """The patient's time entries (of one calendar month if given), newest first."""
        self.desk.require(Permission.READ)
        query = select(TimeEntry).where(
            TimeEntry.patient_id == patient_id, col(TimeEntry.deleted_at).is_(None)
        )
        if year is not None and month is not None:
            first, last = _month_bounds(year, month)
            query = query.where(col(TimeEntry.on_date) >= first, col(TimeEntry.on_date) <= last)
        with self.desk.reading() as session:
            rows = session.exec(
                query.order_by(col(TimeEntry.on_date).desc(), col(TimeEntry.id).desc())
            )
            return [TimeRead.model_validate(r) for r in rows]

    def minutes_by_month(self, patient_id: str) -> dict[str, int]:
        """The patient's minutes per calendar month, as {"2026-11": 45, …}."""
        self.desk.require(Permission.READ)
        month = func.substr(col(TimeEntry.on_date), 1, 7)
        with self.desk.reading() as session:
            rows = session.exec(
                select(month, func.sum(TimeEntry.minutes))
                .where(TimeEntry.patient_id == patient_id, col(TimeEntry.deleted_at).is_(None))
                .group_by(month)
                .order_by(month)
            ).all()
        return {str(key): int(total or 0) for key, total in rows}

    def minutes_in_month(self, year: int, month: int) -> dict[str, int]:
        """Every patient's minutes in one calendar month, as {patient id: minutes}."""
        self.desk.require(Permission.READ)
        first, last = _month_bounds(year, month)
        with self.desk.reading() as session:
            rows = session.exec(
                select(TimeEntry.patient_id, func.sum(TimeEntry.minutes))
                .where(col(TimeEntry.on_date) >= first, col(TimeEntry.on_date) <= last)
                .where(col(TimeEntry.deleted_at).is_(None))
                .group_by(col(TimeEntry.patient_id))
            ).all()
        return {pid: int(total or 0) for pid, total in rows}

    # ----- shared steps ----------------------------------------------------------------------
    def _parse(self, model: type[F], fields: dict[str, Any]) -> F:
        self.desk.require(Permission.EDIT)
        return model.parse(fields)

    def _plain_entry(
        self,
        patient_id: str,
        kind: str,
        values: dict[str, Any],
        at: datetime | None,
        fields: set[str],
    ) -> Outcome[TimelineRead]:
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            row = TimelineEntry(
                patient_id=patient_id, kind=kind, at=at or tx.now, author_id=self.desk.user.id,
                **values,
            )  # fmt: skip
            add_audited(
                tx,
                f"timeline.{kind}",
                row,
                kind=Kind.TIMELINE_ENTRY,
                patient_id=patient_id,
                fields=fields,
            )
            return Outcome(TimelineRead.model_validate(row), tx.changes)

    def _entry(
        self, patient_id: str, kind: str, values: dict[str, Any], form: MinutesForm
    ) -> Outcome[TimelineRead]:
        """A note or call: the entry, its minutes as a time entry, and the follow-up it
        answers completed, in one transaction."""
        if form.minutes is None:
            for name in ("category", "staff_id"):
                if getattr(form, name) is not None:
                    raise refuse(name, "give the minutes spent as well")
        fields = form.model_fields_set - {"category", "staff_id", "follow_up_id"}
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            answered = (
                open_follow_up(tx.session, form.follow_up_id, patient_id)
                if form.follow_up_id
                else None
            )
            if (
                answered is not None
                and answered.urgent
                and values.get("outcome")
                not in (
                    None,
                    CallOutcome.REACHED,
                )
            ):
                # An urgent follow-up (e.g. PHQ-9 item 9) is not done because a voicemail was
                # left: it stays open until someone reaches the patient (hazard: urgent work
                # closed unseen).
                raise refuse(
                    "follow_up_id",
                    "an urgent follow-up is completed only by a call that reached the patient",
                )
            staff = _staff(tx.session, form.staff_id) if form.staff_id else self.desk.user.id
            row = TimelineEntry(
                patient_id=patient_id,
                kind=kind,
                at=form.at or tx.now,
                author_id=self.desk.user.id,
                **values,
            )
            add_audited(
                tx,
                f"timeline.{kind}",
                row,
                kind=Kind.TIMELINE_ENTRY,
                patient_id=patient_id,
                fields=fields,
            )
            read = TimelineRead.model_validate(row)
            if row.minutes:
                time = _time_for(tx, row, staff, form.category or BillingCategory.CCM)
                read = read.model_copy(update={"category": time.category, "staff_id": staff})
            if answered is not None:
                complete_in(tx, answered, f"{row.summary} ({kind}, {local_today(row.at)})")
            return Outcome(read, tx.changes)


def _read(row: TimelineEntry, time: TimeEntry | None) -> TimelineRead:
    read = TimelineRead.model_validate(row)
    if time is None:
        return read
    return read.model_copy(update={"category": time.category, "staff_id": time.user_id})


def _staff(session: Any, user_id: str) -> str:
    """``user_id`` if it is an active careDesk user (whose minutes these are)."""
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise refuse("staff_id", "choose an active careDesk user")
    return user_id


def _time_for(tx: Tx, entry: TimelineEntry, staff: str, category: str) -> TimeEntry:
    """The time entry that a note or call with minutes also counts as (audited: whose
    minutes, which category and day)."""
    assert entry.minutes is not None
    return add_audited(
        tx,
        "time.add",
        TimeEntry(
            patient_id=entry.patient_id,
            user_id=staff,
            on_date=local_today(entry.at),
            minutes=entry.minutes,
            activity=entry.kind,
            timeline_id=entry.id,
            category=category,
        ),
        kind=Kind.TIME_ENTRY,
        patient_id=entry.patient_id,
        fields={"minutes", "on_date", "user_id", "category"},
    )
