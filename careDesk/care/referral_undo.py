"""Undo a referral's last step entered in error (the wrong referral marked sent, a referral
cancelled by mistake), so a referral never drops out of the open list by a slip.

The step goes back one: its stamp is cleared, an ending's reason too, and its history line is
tombstoned; an "undone" line with the reason stays in the history, and the audit trail names
the fields changed (never the reason's words).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.care.forms.base import refuse
from careDesk.care.referral_rules import ORDER, STAMPS, STEPS
from careDesk.care.verb_kit import add_audited, live, local_today, record_change
from careDesk.changes import Kind, Outcome
from careDesk.model.referral import Referral, ReferralState, ReferralStep
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.care.referrals import ReferralRead
    from careDesk.desk import Desk, Tx

#: The history line an undo leaves (never counted as a step taken).
UNDONE = "undone"


def _back_from(row: Referral) -> tuple[ReferralState, list[str]]:
    """The state before the current one, and the fields cleared to get there."""
    current = ReferralState(row.state)
    if current == ReferralState.CLOSED:
        stamped = [s for s in STEPS if getattr(row, STAMPS[s]) is not None]
        return (stamped[-1] if stamped else ReferralState.DRAFT), [
            "closed_at",
            "closed_reason",
            "ending",
        ]
    if current == ReferralState.DRAFT:
        raise refuse("state", "a draft has no step to undo")
    return ORDER[ORDER.index(current) - 1], [STAMPS[current]]


def _last_recorded(tx: Tx, row: Referral, step: str) -> ReferralStep | None:
    return tx.session.exec(
        select(ReferralStep)
        .where(ReferralStep.referral_id == row.id, ReferralStep.step == step)
        .where(col(ReferralStep.deleted_at).is_(None))
        .order_by(col(ReferralStep.created_at).desc())
    ).first()


def undo_last_step(desk: Desk, referral_id: str, reason: str) -> Outcome[ReferralRead]:
    """Take back the referral's last step (or its ending); ``reason`` says what was wrong."""
    from careDesk.care.referrals import StepForm, read_referral

    desk.require(Permission.EDIT)
    note = StepForm.parse(note=reason).note
    if not note:
        raise refuse("reason", "say what was wrong with the step")
    with desk.writing() as tx:
        row = live(tx.session, Referral, referral_id, "referral")
        taken = row.ending if row.state == ReferralState.CLOSED and row.ending else row.state
        back, cleared = _back_from(row)
        for name in cleared:
            setattr(row, name, None)
        row.state = back
        record_change(
            tx,
            "referral.undo",
            row,
            kind=Kind.REFERRAL,
            patient_id=row.patient_id,
            fields=["state", *cleared],
        )
        step = _last_recorded(tx, row, taken)  # None for a step from before schema 8
        if step is not None:
            tx.tombstone(step, kind=Kind.REFERRAL_STEP, patient_id=row.patient_id)
        line = ReferralStep(
            patient_id=row.patient_id,
            referral_id=row.id,
            step=UNDONE,
            on_date=local_today(tx.now),
            note=f"{taken.replace('_', ' ')} undone: {note}",
        )
        add_audited(
            tx,
            "referral_step.add",
            line,
            kind=Kind.REFERRAL_STEP,
            patient_id=row.patient_id,
            fields=["note", "on_date", "step"],
        )
        return Outcome(read_referral(row, local_today(tx.now)), tx.changes)
