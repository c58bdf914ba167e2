from datetime import UTC, datetime

import pytest

from careDesk.errors import ValidationFailed
from careDesk.schedule.recurrence import next_occurrence


def test_weekly_follow_up_keeps_local_time_across_dst_end() -> None:
    # US daylight saving time ends on 1 November 2026: 10:00 CDT is 15:00 UTC, 10:00 CST 16:00 UTC.
    anchor = datetime(2026, 10, 26, 15, 0, tzinfo=UTC)
    following = next_occurrence("FREQ=WEEKLY", anchor, anchor, "America/Chicago")
    assert following == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


def test_every_two_weeks_across_dst_start() -> None:
    # 8 March 2026: clocks go forward; 09:30 EST = 14:30 UTC, 09:30 EDT = 13:30 UTC.
    anchor = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    following = next_occurrence("RRULE:FREQ=WEEKLY;INTERVAL=2", anchor, anchor, "America/New_York")
    assert following == datetime(2026, 3, 16, 13, 30, tzinfo=UTC)


def test_monthly_on_the_first_monday() -> None:
    anchor = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # Monday 7 Dec 2026, 10:00 in Bogotá
    following = next_occurrence("FREQ=MONTHLY;BYDAY=1MO", anchor, anchor, "America/Bogota")
    assert following == datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def test_rule_that_ended_gives_none() -> None:
    anchor = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    assert next_occurrence("FREQ=WEEKLY;COUNT=1", anchor, anchor, "UTC") is None


@pytest.mark.parametrize(
    ("rule", "zone", "field"),
    [("FREQ=SOMETIMES", "UTC", "recurrence"), ("FREQ=DAILY", "Mars/Olympus", "timezone")],
)
def test_bad_rule_or_zone_names_the_field(rule: str, zone: str, field: str) -> None:
    anchor = datetime(2026, 1, 5, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as caught:
        next_occurrence(rule, anchor, anchor, zone)
    assert caught.value.field == field
