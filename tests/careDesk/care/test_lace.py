"""LACE index (van Walraven 2010): every band of L, A, C and E."""

from __future__ import annotations

import pytest

from careDesk.care.risk.lace import charlson_points, ed_points, lace, length_points


@pytest.mark.parametrize(
    ("days", "points"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (6, 4), (7, 5), (13, 5), (14, 7), (40, 7)],
)
def test_length_of_stay_bands(days: int, points: int) -> None:
    assert length_points(days) == points


@pytest.mark.parametrize(
    ("score", "points"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 5), (7, 5), (12, 5)]
)
def test_charlson_four_or_more_gives_five(score: int, points: int) -> None:
    assert charlson_points(score) == points


@pytest.mark.parametrize(("visits", "points"), [(0, 0), (1, 1), (3, 3), (4, 4), (9, 4)])
def test_ed_visits_capped_at_four(visits: int, points: int) -> None:
    assert ed_points(visits) == points


def test_acute_admission_adds_three_and_totals() -> None:
    assert lace(0, False, 0, 0).total == 0
    assert lace(0, True, 0, 0).total == 3
    worst = lace(20, True, 9, 12)
    assert worst.total == 19
    assert worst.band == "high"


@pytest.mark.parametrize(
    ("args", "total", "band"),
    [
        ((3, False, 1, 0), 4, "low"),
        ((4, False, 1, 0), 5, "moderate"),
        ((4, True, 2, 0), 9, "moderate"),
        ((4, True, 3, 0), 10, "high"),
    ],
)
def test_bands(args: tuple[int, bool, int, int], total: int, band: str) -> None:
    result = lace(*args)
    assert (result.total, result.band) == (total, band)
