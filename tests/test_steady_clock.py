"""The run's clock keeps a run from crossing midnight (``tests/steady_clock.py``)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests import steady_clock
from tests.steady_clock import RUN_WINDOW, start_for

BERLIN_WINTER = timezone(timedelta(hours=1))
HONOLULU = timezone(timedelta(hours=-10))


def _midnights_after(moment: datetime) -> list[datetime]:
    return [
        datetime.combine(m.date() + timedelta(days=1), datetime.min.time(), tzinfo=m.tzinfo)
        for m in (moment, moment.astimezone(UTC))
    ]


@pytest.mark.parametrize(
    "real",
    [
        datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 20, 59, tzinfo=UTC),
        datetime(2026, 12, 4, 0, 0, 1, tzinfo=UTC),
    ],
)
def test_far_from_midnight_the_clock_is_the_real_time(real: datetime) -> None:
    assert start_for(real) == real


@pytest.mark.parametrize(
    "real",
    [
        datetime(2026, 12, 4, 23, 52, tzinfo=UTC),  # the CI run that failed three tests
        datetime(2026, 12, 4, 21, 30, tzinfo=UTC),
        datetime(2026, 12, 4, 23, 30, tzinfo=BERLIN_WINTER),  # local midnight first
        datetime(2026, 12, 4, 22, 30, tzinfo=BERLIN_WINTER),  # UTC midnight at 01:00 local
        datetime(2026, 12, 4, 13, 0, tzinfo=HONOLULU),  # 23:00 UTC
    ],
)
def test_near_a_midnight_the_clock_starts_a_run_window_before_it(real: datetime) -> None:
    start = start_for(real)
    assert start <= real  # never ahead: the servers' certificates are made from this clock
    assert real - start < RUN_WINDOW + timedelta(hours=1)  # and no further back than needed
    for midnight in _midnights_after(start):
        assert midnight - start >= RUN_WINDOW


def test_this_run_has_its_window_before_the_next_midnight() -> None:
    """The hook in ``tests/conftest.py`` started this process's clock by the rule."""
    if os.environ.get(steady_clock.REPLAY):
        pytest.skip("a replayed run starts where it is told, by no rule")
    assert steady_clock.started is not None
    now = datetime.now().astimezone()
    for midnight in _midnights_after(now):
        assert midnight - now >= RUN_WINDOW - (now - steady_clock.started)
