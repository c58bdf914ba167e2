"""Referrals with closed-loop tracking, as a coordinator's work queue.

A referral moves draft → sent → accepted → seen → report received one dated step at a time and
ends completed, declined, no-show or cancelled (the rules: ``careDesk/care/referral_rules.py``).
Each step is kept as a :class:`ReferralStep` with the day it happened and a note, so the tab
shows the referral's history; the referral's own stamps (``sent_at``…) and state say where it
is now. Every referral has an expected-by day and is late after it until it ends; the
clinic-wide list of open referrals is ``careDesk/care/referral_queue.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Field, col, select

from careDesk.care.forms.base import Form, ReadModel, refuse, updating
from careDesk.care.referral_rules import (
    STAMPS,
    STEPS,
    check_day,
    check_ending,
    check_step,
    days_late,
    default_expected_by,
    next_step,
    stamp_for,
)
from careDesk.care.verb_kit import (
    add_audited,
    live,
    local_today,
    record_change,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Kind, Outcome
from careDesk.model.fields import Day
from careDesk.model.referral import (
    Referral,
    ReferralBase,
    ReferralEnding,
    ReferralState,
    ReferralStep,
    Urgency,
)
from careDesk.model.team import Organization, Provider
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from sqlmodel import Session

    from careDesk.care.referral_queue import QueueRow
    from careDesk.desk import Desk

__all__ = ["STEPS", "ReferralEnding", "Referrals", "Urgency", "next_step"]

OPEN_LOOP = (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.SEEN)


class ReferralCreate(ReferralBase, Form):
    """A new referral (a draft); without an expected-by day it gets its urgency's default."""

    # May be left out when a provider or organization is linked: their name is taken then.
    to_name: str | None = Field(default=None, max_length=200)  # type: ignore[assignment]


ReferralUpdate = updating(
    ReferralBase,
    "ReferralUpdate",
    doc="Changes to who, why, how urgent, the expected-by day, or the notes.",
)


class StepForm(Form):
    """One step or ending as entered: its day (today if left out) and a note or reason."""

    on: Day | None = None
    note: str | None = Field(default=None, max_length=300)


class ReferralRead(ReferralBase, ReadModel):
    """A referral as lists show it: ``due_by`` is its expected-by day (reckoned from its
    urgency when it was entered before expected-by dates), ``days_late`` how far past it."""

    id: str
    patient_id: str
    created_at: datetime
    updated_at: datetime
    due_by: date
    days_late: int

    @property
    def is_open(self) -> bool:
        """Not ended yet."""
        return self.state != ReferralState.CLOSED

    @property
    def late(self) -> bool:
        """Past its expected-by day and not ended."""
        return self.days_late > 0


class StepRead(ReadModel):
    """One line of a referral's history: the step (a state or an ending), its day, the note.
    ``recorded`` is False for a step known only from its stamp (entered before schema 8)."""

    step: str
    on_date: date
    note: str | None
    recorded: bool = True


def due_by(row: Referral) -> date:
    """The referral's expected-by day (its own, or its urgency's default from entry)."""
    if row.expected_by is not None:
        return row.expected_by
    return default_expected_by(row.created_at.astimezone().date(), row.urgency)


def read_referral(row: Referral, today: date) -> ReferralRead:
    """The read model of ``row`` as of ``today`` (the workstation's local day)."""
    due = due_by(row)
    ended = row.state == ReferralState.CLOSED
    return ReferralRead.of(row, due_by=due, days_late=days_late(due, today, ended=ended))


def _fill_recipient(session: Session, values: dict[str, Any]) -> None:
    """Check the linked provider/organization; name the recipient after them if unnamed."""
    names = []
    if values.get("provider_id"):
        names.append(live(session, Provider, values["provider_id"], "provider").name)
    if values.get("organization_id"):
        names.append(live(session, Organization, values["organization_id"], "organization").name)
    if not values.get("to_name") and names:
        values["to_name"] = names[0]


def _last_day(session: Session, row: Referral) -> date | None:
    """The day of the referral's latest step (recorded, or its stamp), if it took any."""
    days = [
        s.on_date
        for s in session.exec(
            select(ReferralStep).where(
                ReferralStep.referral_id == row.id,
                col(ReferralStep.deleted_at).is_(None),
                ReferralStep.step != "undone",  # an undo is no step taken
            )
        )
    ]
    stamps = [getattr(row, STAMPS[state]) for state in STEPS]
    days += [stamp.astimezone().date() for stamp in stamps if stamp is not None]
    return max(days, default=None)


class Referrals:
    """Verbs on referrals to specialists and services (``desk.referrals``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def create(self, patient_id: str, **fields: Any) -> Outcome[ReferralRead]:
        """A new referral in the draft state, expected by its day (or its urgency's default)."""
        self.desk.require(Permission.EDIT)
        form = ReferralCreate.parse(fields)
        values = form.to_record()
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            _fill_recipient(tx.session, values)
            if not values["to_name"]:
                raise refuse("to_name", "name who the referral goes to")
            today = local_today(tx.now)
            if values.get("expected_by") is None:
                values["expected_by"] = default_expected_by(today, values["urgency"])
            row = add_audited(
                tx,
                "referral.add",
                Referral(patient_id=patient_id, **values),
                kind=Kind.REFERRAL,
                patient_id=patient_id,
                fields=form.model_fields_set | {"expected_by"},
            )
            return Outcome(read_referral(row, today), tx.changes)

    def update(self, referral_id: str, **fields: Any) -> Outcome[ReferralRead]:
        """Change who, why, how urgent, the expected-by day or the notes (not the state: see
        :meth:`advance` and :meth:`end`)."""
        self.desk.require(Permission.EDIT)
        values = ReferralUpdate.parse(fields).changes()
        with self.desk.writing() as tx:
            row = live(tx.session, Referral, referral_id, "referral")
            _fill_recipient(tx.session, values)
            update_audited(
                tx, "referral.update", row, values, kind=Kind.REFERRAL, patient_id=row.patient_id
            )
            return Outcome(read_referral(row, local_today(tx.now)), tx.changes)

    def advance(
        self, referral_id: str, state: str, *, on: date | str | None = None, note: str | None = None
    ) -> Outcome[ReferralRead]:
        """Take the referral's one next step on day ``on`` (today if left out; never in the
        future nor before the step it follows), with an optional note."""
        self.desk.require(Permission.EDIT)
        form = StepForm.parse(on=on, note=note)
        try:
            target = ReferralState(state)
        except ValueError:
            raise refuse("state", "choose one of " + ", ".join(STEPS)) from None
        with self.desk.writing() as tx:
            row = live(tx.session, Referral, referral_id, "referral")
            check_step(ReferralState(row.state), target)
            return self._record(tx, row, target, target, form)

    def end(
        self,
        referral_id: str,
        ending: str,
        *,
        on: date | str | None = None,
        reason: str | None = None,
    ) -> Outcome[ReferralRead]:
        """End the referral: completed, declined, no_show or cancelled, on day ``on``; declined
        and cancelled (and completed before the report is back) need a reason."""
        self.desk.require(Permission.EDIT)
        form = StepForm.parse(on=on, note=reason)
        try:
            how = ReferralEnding(ending)
        except ValueError:
            raise refuse("ending", "choose one of " + ", ".join(ReferralEnding)) from None
        with self.desk.writing() as tx:
            row = live(tx.session, Referral, referral_id, "referral")
            check_ending(ReferralState(row.state), how, form.note)
            row.ending = how
            row.closed_reason = form.note
            return self._record(tx, row, ReferralState.CLOSED, how, form)

    def _record(
        self, tx: Any, row: Referral, target: ReferralState, step: str, form: StepForm
    ) -> Outcome[ReferralRead]:
        """Stamp the step on the referral and keep it in the history, both audited."""
        today = local_today(tx.now)
        on = form.on or today
        check_day(on, today, _last_day(tx.session, row))
        setattr(row, STAMPS[target], stamp_for(on, tx.now))
        row.state = target
        changed = ["state", STAMPS[target]]
        if target == ReferralState.CLOSED:
            changed += ["closed_reason", "ending"]
        record_change(
            tx,
            f"referral.{step}",
            row,
            kind=Kind.REFERRAL,
            patient_id=row.patient_id,
            fields=changed,
        )
        entry = ReferralStep(
            patient_id=row.patient_id, referral_id=row.id, step=step, on_date=on, note=form.note
        )
        add_audited(
            tx,
            "referral_step.add",
            entry,
            kind=Kind.REFERRAL_STEP,
            patient_id=row.patient_id,
            fields=["on_date", "step"] + (["note"] if form.note else []),
        )
        return Outcome(read_referral(row, today), tx.changes)

    def send(self, referral_id: str, on: date | str | None = None) -> Outcome[ReferralRead]:
        """Record that the referral was sent."""
        return self.advance(referral_id, ReferralState.SENT, on=on)

    def accept(self, referral_id: str, on: date | str | None = None) -> Outcome[ReferralRead]:
        """Record that the recipient accepted the referral."""
        return self.advance(referral_id, ReferralState.ACCEPTED, on=on)

    def mark_seen(self, referral_id: str, on: date | str | None = None) -> Outcome[ReferralRead]:
        """Record that the patient was seen."""
        return self.advance(referral_id, ReferralState.SEEN, on=on)

    def record_report(
        self, referral_id: str, on: date | str | None = None
    ) -> Outcome[ReferralRead]:
        """Record that the report came back."""
        return self.advance(referral_id, ReferralState.REPORT_RECEIVED, on=on)

    def remove(self, referral_id: str) -> Outcome[None]:
        """Remove a referral entered by mistake (tombstone)."""
        return remove_live(
            self.desk,
            Referral,
            referral_id,
            what="referral",
            kind=Kind.REFERRAL,
            action="referral.remove",
        )

    def get(self, referral_id: str) -> ReferralRead:
        """One live referral."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = live(session, Referral, referral_id, "referral")
            return read_referral(row, date.today())

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
        today = date.today()
        with self.desk.reading() as session:
            return [read_referral(r, today) for r in session.exec(query)]

    def undo_last_step(self, referral_id: str, reason: str) -> Outcome[ReferralRead]:
        """Take back the last step or ending entered in error (``referral_undo.py``)."""
        from careDesk.care.referral_undo import undo_last_step

        return undo_last_step(self.desk, referral_id, reason)

    def queue(
        self, scope: str = "clinic", *, today: date | None = None, late_only: bool = False
    ) -> list[QueueRow]:
        """The open referrals of ``scope`` (mine or clinic) in work order: late first."""
        from careDesk.care.referral_queue import open_queue

        return open_queue(self.desk, scope, today=today, late_only=late_only)

    def history(self, referral_id: str) -> list[StepRead]:
        """The referral's steps, oldest first: entered (draft), then each step with its day and
        note. Steps taken before schema 8 are shown from their stamps, without a note."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = live(session, Referral, referral_id, "referral")
            recorded = session.exec(
                select(ReferralStep)
                .where(ReferralStep.referral_id == row.id, col(ReferralStep.deleted_at).is_(None))
                .order_by(col(ReferralStep.on_date), col(ReferralStep.created_at))
            ).all()
            return _history(row, list(recorded))

    def open_loops(
        self, days: int = 30, *, now: datetime | None = None, patient_id: str | None = None
    ) -> list[ReferralRead]:
        """Referrals sent more than ``days`` ago with no report yet, oldest first."""
        self.desk.require(Permission.READ)
        if days < 0:
            raise refuse("days", "must not be negative")
        moment = now or datetime.now().astimezone()
        cutoff = moment - timedelta(days=days)
        query = (
            select(Referral)
            .where(col(Referral.state).in_(OPEN_LOOP), col(Referral.deleted_at).is_(None))
            .where(col(Referral.sent_at) <= cutoff)
            .order_by(col(Referral.sent_at))
        )
        if patient_id:
            query = query.where(Referral.patient_id == patient_id)
        today = moment.astimezone().date()
        with self.desk.reading() as session:
            return [read_referral(r, today) for r in session.exec(query)]


def _history(row: Referral, recorded: list[ReferralStep]) -> list[StepRead]:
    entered = StepRead(
        step=ReferralState.DRAFT, on_date=row.created_at.astimezone().date(), note=None
    )
    lines = [entered]
    have = {s.step for s in recorded}
    for state in STEPS:
        stamp = getattr(row, STAMPS[state])
        if stamp is not None and state not in have:
            lines.append(
                StepRead(step=state, on_date=stamp.astimezone().date(), note=None, recorded=False)
            )
    if row.state == ReferralState.CLOSED and not have & set(ReferralEnding):
        ended = row.closed_at.astimezone().date() if row.closed_at else lines[-1].on_date
        lines.append(
            StepRead(
                step=row.ending or ReferralState.CLOSED,
                on_date=ended,
                note=row.closed_reason,
                recorded=False,
            )
        )
    lines += [StepRead(step=s.step, on_date=s.on_date, note=s.note) for s in recorded]
    names = [*STEPS, *ReferralEnding, ReferralState.CLOSED, "undone"]
    order = {name: i for i, name in enumerate(names)}
    head, rest = lines[0], sorted(lines[1:], key=lambda s: (s.on_date, order.get(s.step, 0)))
    return [head, *rest]
