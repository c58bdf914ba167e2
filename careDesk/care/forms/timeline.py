"""Timeline forms and read models: notes, calls, messages, letters and care-management time.

A note or call may carry what billing needs (issue 19, :class:`MinutesForm`): when it happened
(never in the future), minutes, the billing category (``careDesk/care/billing_codes.py``), whose
minutes they are and the open follow-up it answers. The verbs are in
``careDesk/care/timeline.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field

from careDesk.care.billing_codes import BillingCategory
from careDesk.care.forms.base import Form, ReadModel
from careDesk.model.fields import Day, Lines, Minutes, PastTime, UtcTime


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


class MinutesForm(Form):
    """What a note or a call adds for billing (issue 19): when it happened (now or in the past,
    never the future), the minutes spent, the billing category they count towards (default
    CCM, what every minute counted as before categories), whose minutes they are (default the
    signed-in user) and the open follow-up it answers (completed with it)."""

    minutes: Minutes | None = None
    at: PastTime | None = None
    category: BillingCategory | None = None
    staff_id: str | None = Field(default=None, max_length=36)
    follow_up_id: str | None = Field(default=None, max_length=36)


class NoteForm(MinutesForm):
    summary: str = Field(max_length=300)
    body: Lines | None = Field(default=None, max_length=20_000)


class CallForm(MinutesForm):
    outcome: CallOutcome
    direction: Direction = Direction.OUT
    summary: str | None = Field(default=None, max_length=300)
    body: Lines | None = Field(default=None, max_length=20_000)


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
    category: BillingCategory = BillingCategory.CCM


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
    category: str | None = None  # of the minutes' time entry (None: no minutes)
    staff_id: str | None = None  # whose minutes they are


class TimeRead(ReadModel):
    id: str
    patient_id: str
    user_id: str
    on_date: date
    minutes: int
    activity: str
    timeline_id: str | None
    category: str
