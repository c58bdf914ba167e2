"""The test run's clock: a run never crosses midnight.

Many tests read "now" or "today" from the wall clock (a weight taken a day ago, a referral due in
30 days) and compare it with what the app reads from the same clock later. A run that crosses
midnight between the two reads fails on the date, not on the app: the CI run that started at
23:52 UTC on 4 December failed three tests that way. So each test process runs on a clock that
ticks at the real speed but starts, when the real time is close to a midnight (local or UTC, the
app reads both), early enough that ``RUN_WINDOW`` passes before the next one. The rest of the
day it starts at the real time.

``CAREDESK_TEST_CLOCK`` (an ISO time with its offset) starts the clock there instead, to replay
a run from the moment it failed, or on a day that matters (a month's first). The clock is
Python's: PostgreSQL, SQLite and OpenSSL keep the real one (the throwaway servers' certificates
are made from it).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta

import time_machine

RUN_WINDOW = timedelta(hours=3)  # a single-process `make test` on a slow machine, with room
REPLAY = "CAREDESK_TEST_CLOCK"


def _next_midnight(moment: datetime) -> datetime:
    """The first midnight after ``moment``, in ``moment``'s own time zone."""
    day = moment.date() + timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=moment.tzinfo)


def start_for(real: datetime) -> datetime:
    """When a run that really starts at ``real`` (aware, local) starts its clock: ``real``
    itself unless a local or UTC midnight falls within ``RUN_WINDOW``, else that far before it."""
    start = real
    while True:
        midnight = min(_next_midnight(start), _next_midnight(start.astimezone(UTC)))
        if midnight - start >= RUN_WINDOW:
            return start
        start = midnight - RUN_WINDOW - timedelta(minutes=1)


_travel: time_machine.travel | None = None
started: datetime | None = None  # where this process's clock started


def start() -> datetime:
    """Start this process's clock; the moment it starts from."""
    global _travel, started
    replay = os.environ.get(REPLAY)
    begin = datetime.fromisoformat(replay) if replay else start_for(datetime.now().astimezone())
    _travel = time_machine.travel(begin, tick=True)
    _travel.start()
    started = begin
    return begin


def stop() -> None:
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None
