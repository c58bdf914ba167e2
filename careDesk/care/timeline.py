"""The patient's timeline (notes, calls, messages, letters) and care-management time.

A note or call with minutes also records a :class:`TimeEntry`, which is what the monthly
care-management minutes report counts (CCM, CPT 99490/99439/99487: minutes per patient per
calendar month). The timeline is paged newest first with a keyset cursor, so a chart with
hundreds of entries opens with one short indexed query.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Field, col, func, select

from careDesk.care.forms.base import Form, ReadModel, refuse
from careDesk.care.verb_kit import (
    add_audited,
    live,
    local_today,
    remove_live,
    require_patient,
    tombstone_audited,
)
from careDesk.changes import Outcome
from careDesk.errors import NotFound
from careDesk.model.fields import Day, Lines, Minutes, UtcTime
from careDesk.model.timeline import TimeEntry, TimelineEntry
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

F = TypeVar("F", bound=Form)
MAX_PAGE = 500


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class CallOutcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"


class MessageChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    PORTAL = "portal"
    FAX = "fax"


class NoteForm(Form):
    summary: str = Field(max_length=300)
    body: Lines | None = Field(default=None, max_length=20_000)
    minutes: Minutes | None = None
    at: UtcTime | None = None


class CallForm(Form):
    outcome: CallOutcome
    direction: Direction = Direction.OUT
    summary: str | None = Field(default=None, max_length=300)
    body: Lines | None = Field(default=None, max_length=20_000)
    minutes: Minutes | None = None
    at: UtcTime | None = None


class MessageForm(Form):
    channel: MessageChannel
    summary: str = Field(max_length=300)
    direction: Direction = Direction.OUT
    body: Lines | None = Field(default=None, max_length=20_000)
    at: UtcTime | None = None


class LetterForm(Form):
    summary: str = Field(max_length=300)
    direction: Direction = Direction.OUT
    body: Lines | None = Field(default=None, max_length=20_000)
    at: UtcTime | None = None


class TimeForm(Form):
    minutes: Minutes
    activity: str = Field(max_length=60)
    on_date: Day | None = None
    user_id: str | None = Field(default=None, max_length=36)


class TimelineRead(ReadModel):
    id: str
    patient_id: str
    kind: str
    at: datetime
    author_id: str | None
    summary: str
    body: str | None
    channel: str | None
    direction: str | None
    outcome: str | None
    minutes: int | None


class TimeRead(ReadModel):
    id: str
    patient_id: str
    user_id: str
    on_date: date
    minutes: int
    activity: str
    timeline_id: str | None


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
        return self._entry(patient_id, "note", values, form.at, form.model_fields_set)

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
        return self._entry(patient_id, "call", values, form.at, form.model_fields_set)

    def record_message(self, patient_id: str, **fields: Any) -> Outcome[TimelineRead]:
        """A message sent or received (text, e-mail, portal, fax)."""
        form = self._parse(MessageForm, fields)
        values = {
            "summary": form.summary,
            "body": form.body,
            "direction": form.direction,
            "channel": form.channel,
        }
        return self._entry(patient_id, "message", values, form.at, form.model_fields_set)

    def record_letter(self, patient_id: str, **fields: Any) -> Outcome[TimelineRead]:
        """A letter sent or received."""
        form = self._parse(LetterForm, fields)
        values = {
            "summary": form.summary,
            "body": form.body,
            "direction": form.direction,
            "channel": "letter",
        }
        return self._entry(patient_id, "letter", values, form.at, form.model_fields_set)

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
            )
            return [TimelineRead.model_validate(r) for r in rows]

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
            )
            add_audited(
                tx,
                "time.add",
                row,
                kind="time_entry",
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

    def _entry(
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
                patient_id=patient_id,
                kind=kind,
                at=at or tx.now,
                author_id=self.desk.user.id,
                **values,
            )
            add_audited(
                tx, f"timeline.{kind}", row, kind="timeline", patient_id=patient_id, fields=fields
            )
            if row.minutes:
                _time_for(tx, row)
            return Outcome(TimelineRead.model_validate(row), tx.changes)


def _time_for(tx: Tx, entry: TimelineEntry) -> TimeEntry:
    """The time entry that a note or call with minutes also counts as."""
    assert entry.minutes is not None
    return tx.add(
        TimeEntry(
            patient_id=entry.patient_id,
            user_id=tx.desk.user.id,
            on_date=local_today(entry.at),
            minutes=entry.minutes,
            activity=entry.kind,
            timeline_id=entry.id,
        ),
        kind="time_entry",
        patient_id=entry.patient_id,
    )
