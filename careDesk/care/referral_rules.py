"""The rules of a referral's loop: the order of its steps, how it may end, when it is late.

A referral moves draft → sent → accepted → seen → report received, one step at a time, and
ends in one of four ways (:class:`ReferralEnding`): completed once the patient was seen,
declined (by the patient or the recipient), no-show (the patient did not attend) or cancelled.
Every step is dated with the day it happened: today or earlier, never in the future, never
before the step it follows. After an ending no step is taken.

A referral is *late* the day after its expected-by date until it ends. Referrals written
before expected-by dates existed (schema 8) are given one from the day they were entered and
their urgency (:data:`EXPECTED_DAYS`), so no open referral is ever without a date to be late by.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from careDesk.care.forms.base import refuse
from careDesk.model.referral import ReferralEnding, ReferralState, Urgency

#: The forward steps after the draft, in order.
STEPS: tuple[ReferralState, ...] = (
    ReferralState.SENT,
    ReferralState.ACCEPTED,
    ReferralState.SEEN,
    ReferralState.REPORT_RECEIVED,
)
ORDER: tuple[ReferralState, ...] = (ReferralState.DRAFT, *STEPS)

#: The states each ending may be reached from.
ENDINGS_FROM: dict[ReferralEnding, frozenset[ReferralState]] = {
    # Completed means the patient was seen; before the report is back it needs a reason.
    ReferralEnding.COMPLETED: frozenset({ReferralState.SEEN, ReferralState.REPORT_RECEIVED}),
    ReferralEnding.DECLINED: frozenset(
        {ReferralState.DRAFT, ReferralState.SENT, ReferralState.ACCEPTED}
    ),
    ReferralEnding.NO_SHOW: frozenset({ReferralState.SENT, ReferralState.ACCEPTED}),
    ReferralEnding.CANCELLED: frozenset(ORDER),
}
#: Endings that always need a reason (the others may carry a note).
REASON_NEEDED = frozenset({ReferralEnding.DECLINED, ReferralEnding.CANCELLED})

#: Days from entry to expected-by when none is given. A clinic's working default for how long
#: each urgency may wait before someone chases it, not a clinical standard: set the date on
#: the referral when the recipient promises another.
EXPECTED_DAYS: dict[Urgency, int] = {Urgency.URGENT: 7, Urgency.SOON: 14, Urgency.ROUTINE: 30}

#: The stamp's datetime column for each state.
STAMPS: dict[ReferralState, str] = {
    ReferralState.SENT: "sent_at",
    ReferralState.ACCEPTED: "accepted_at",
    ReferralState.SEEN: "seen_at",
    ReferralState.REPORT_RECEIVED: "report_at",
    ReferralState.CLOSED: "closed_at",
}

Next = ReferralState | ReferralEnding


def next_step(state: ReferralState | str) -> Next | None:
    """What a referral in ``state`` does next: the next step, or ``completed`` once the report
    is back; None once it has ended. The client names its button after it."""
    current = ReferralState(state)
    if current == ReferralState.CLOSED:
        return None
    if current == ReferralState.REPORT_RECEIVED:
        return ReferralEnding.COMPLETED
    return ORDER[ORDER.index(current) + 1]


def endings_from(state: ReferralState | str) -> list[ReferralEnding]:
    """The endings a referral in ``state`` may take, in :class:`ReferralEnding` order."""
    current = ReferralState(state)
    return [e for e in ReferralEnding if current in ENDINGS_FROM[e]]


def check_step(current: ReferralState, target: ReferralState) -> None:
    """Refuse anything but the one next step (and any step after an ending)."""
    if current == ReferralState.CLOSED:
        raise refuse("state", "this referral has ended: no step follows")
    if target not in STEPS:
        raise refuse("state", f"{target.value} is not a step (end the referral instead)")
    following = next_step(current)
    if target != following:
        then = following.value.replace("_", " ") if following is not None else "nothing"
        raise refuse("state", f"a referral that is {current.value} can next be {then}")


def check_ending(current: ReferralState, ending: ReferralEnding, reason: str | None) -> None:
    """Refuse an ending from a state it cannot follow, or one that needs a reason without."""
    if current == ReferralState.CLOSED:
        raise refuse("ending", "this referral has already ended")
    if current not in ENDINGS_FROM[ending]:
        allowed = ", ".join(e.value for e in endings_from(current))
        raise refuse("ending", f"a referral that is {current.value} can end as {allowed}")
    needs = ending in REASON_NEEDED or (
        ending == ReferralEnding.COMPLETED and current != ReferralState.REPORT_RECEIVED
    )
    if needs and not (reason or "").strip():
        why = "without the report" if ending == ReferralEnding.COMPLETED else ending.value
        raise refuse("reason", f"say why the referral ended {why}")


def check_day(on: date, today: date, previous: date | None) -> None:
    """A step's day: not after today, not before the step it follows."""
    if on > today:
        raise refuse("on", "a step cannot be dated in the future")
    if previous is not None and on < previous:
        raise refuse("on", f"the step before it was on {previous:%Y-%m-%d}: date it then or later")


def stamp_for(on: date, now: datetime) -> datetime:
    """The moment stamped for a step on day ``on``: now for today, else that day's local noon
    (a time of day the step did not record, chosen so the local day never shifts)."""
    if on == now.astimezone().date():
        return now
    return datetime.combine(on, time(12)).astimezone().astimezone(UTC)


def default_expected_by(entered: date, urgency: str) -> date:
    """The expected-by day for a referral entered on ``entered`` without one."""
    return entered + timedelta(days=EXPECTED_DAYS[Urgency(urgency)])


def days_late(expected_by: date, today: date, *, ended: bool) -> int:
    """Whole days past ``expected_by`` (0 on the day itself, and once the referral ended)."""
    if ended:
        return 0
    return max(0, (today - expected_by).days)
