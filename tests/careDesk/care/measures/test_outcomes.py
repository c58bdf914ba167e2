"""Treat-to-target outcomes with the published thresholds.

Response and remission: NCQA HEDIS "Depression Remission or Response for Adolescents and
Adults" (DRR-E): an elevated PHQ-9 (above 9) starts the episode; remission is a PHQ-9 below 5,
response at least 50 % lower than that score, judged on the most recent score 120–240 days
(4–8 months) after it. Not improving: less than 50 % better 10–12 weeks after the baseline
(AIMS Center collaborative care; Bao Y, et al. Psychiatr Serv 2016;67(4):418–24).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careDesk.care.measures.outcomes import (
    IN_TREATMENT,
    NOT_ELEVATED,
    NOT_IMPROVING,
    REMISSION,
    RESPONSE,
    Episode,
    Score,
    candidate_not_improving,
    episode_of,
    follow_up_outcome,
    no_recent_score,
    outcome,
)

START = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _episode(base: float, latest: float, weeks: float) -> Episode:
    now = START + timedelta(weeks=weeks)
    return Episode(Score(base, START), Score(latest, now - timedelta(days=1)), now)


@pytest.mark.parametrize(
    ("base", "latest", "expected"),
    [
        (16, 8, RESPONSE),  # exactly 50 % lower
        (16, 9, NOT_IMPROVING),  # 44 % lower at week 12
        (12, 4, REMISSION),  # below 5
        (10, 5, RESPONSE),  # 5 is not remission; 50 % lower is response
        (9, 2, NOT_ELEVATED),  # a baseline of 9 starts no episode (HEDIS: above 9)
        (20, 11, NOT_IMPROVING),
    ],
)
def test_outcomes_at_twelve_weeks(base: float, latest: float, expected: str) -> None:
    assert outcome(_episode(base, latest, 12)) == expected


def test_not_improving_counts_from_week_ten_after_the_baseline() -> None:
    assert outcome(_episode(16, 12, 9.9)) == IN_TREATMENT
    assert outcome(_episode(16, 12, 10)) == NOT_IMPROVING


def test_weeks_count_from_the_baseline_score_not_from_the_latest() -> None:
    episode = Episode(
        Score(18, START), Score(15, START + timedelta(weeks=3)), START + timedelta(weeks=11)
    )
    assert episode.weeks == 11
    assert outcome(episode) == NOT_IMPROVING


def test_change_in_per_cent() -> None:
    assert _episode(20, 15, 4).change_percent == pytest.approx(-25.0)


def test_the_first_elevated_score_is_the_baseline() -> None:
    """HEDIS: the index score is the first PHQ-9 above 9 of the episode."""
    scores = [
        Score(6, START),
        Score(14, START + timedelta(weeks=2)),
        Score(12, START + timedelta(weeks=6)),
    ]
    episode = episode_of(scores, None, START + timedelta(weeks=8))
    assert episode.baseline == scores[1]
    assert episode.latest == scores[2]


def test_no_score_in_thirty_days() -> None:
    now = START + timedelta(days=60)
    assert no_recent_score(Episode(Score(15, START), Score(12, now - timedelta(days=31)), now))
    assert not no_recent_score(Episode(Score(15, START), Score(12, now - timedelta(days=29)), now))


@pytest.mark.parametrize(
    ("days", "latest", "follow_up", "remission", "response"),
    [
        (119, 3, False, False, False),  # before the 120-day window
        (120, 3, True, True, True),
        (240, 7, True, False, True),
        (241, 3, False, False, False),  # after the window
        (180, 9, True, False, False),
    ],
)
def test_hedis_follow_up_window_120_to_240_days(
    days: int, latest: float, follow_up: bool, remission: bool, response: bool
) -> None:
    index = Score(16, START)
    got = follow_up_outcome(index, [index, Score(latest, START + timedelta(days=days))])
    assert (got.follow_up, got.remission, got.response) == (follow_up, remission, response)


def test_the_most_recent_score_of_the_window_decides() -> None:
    index = Score(16, START)
    scores = [Score(4, START + timedelta(days=130)), Score(12, START + timedelta(days=200))]
    got = follow_up_outcome(index, scores)
    assert got.follow_up and not got.remission and not got.response


def test_a_candidate_still_at_ten_or_more_and_less_than_half_better_is_a_reason() -> None:
    now = START + timedelta(weeks=11)
    scores = [Score(16, START), Score(12, START + timedelta(weeks=10))]
    assert candidate_not_improving(scores, now) is not None
    # Below 10 now: not "still 10 or more".
    assert (
        candidate_not_improving([Score(16, START), Score(9, START + timedelta(weeks=10))], now)
        is None
    )
    # Only 9 weeks after the baseline: too early.
    assert candidate_not_improving(scores, START + timedelta(weeks=9)) is None
    # A single score has no trend.
    assert candidate_not_improving([Score(16, START)], now) is None
