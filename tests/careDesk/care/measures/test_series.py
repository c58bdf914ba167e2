"""Blood pressure rows become points: systolic and diastolic of one panel and time as one.

A reading missing one of its two numbers, or with a number in a unit that cannot be read as
mm Hg, stays in the series with its words and a problem, and is left out of every calculation
(the latest value, targets, flags): never shown as if it were a whole reading.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from careDesk.care.measures.series import Reading, Series, build_series

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
SYSTOLIC, DIASTOLIC, PANEL = "8480-6", "8462-4", "85354-9"  # LOINC


def _part(code: str, value: float, days: int, unit: str = "mm[Hg]", panel: str = "p") -> Reading:
    return Reading(
        f"{code}-{days}-{panel}", code, code, value, unit, T0 + timedelta(days=days), panel
    )


def _bp(readings: list[Reading]) -> Series:
    (series,) = build_series(readings)
    assert series.key == "bp"
    return series


def test_the_two_numbers_of_one_reading_are_one_point() -> None:
    series = _bp([_part(SYSTOLIC, 142, 0), _part(DIASTOLIC, 88, 0)])
    (point,) = series.points
    assert (point.value, point.value2, point.problem) == (142, 88, None)
    assert point.record_ids == (f"{SYSTOLIC}-0-p", f"{DIASTOLIC}-0-p")
    assert series.format(point) == "142/88 mm Hg"


def test_a_reading_with_one_number_is_kept_but_never_used() -> None:
    series = _bp(
        [
            _part(SYSTOLIC, 128, 0),
            _part(DIASTOLIC, 82, 0),
            _part(SYSTOLIC, 190, 5),  # the newest, but its diastolic was never recorded
            _part(DIASTOLIC, 95, 7),  # and one without its systolic
        ]
    )
    whole, top, bottom = series.points
    assert top.problem == bottom.problem == "only one of the two numbers was recorded"
    assert (top.value, top.value2, top.raw) == (190, None, "190 mm[Hg]")
    assert (bottom.value, bottom.value2, bottom.raw) == (None, 95, "95 mm[Hg]")
    assert not top.usable and not bottom.usable
    assert series.latest() == whole  # 128/82, not 190 alone


def test_a_number_in_a_unit_that_is_not_a_pressure_names_the_unit() -> None:
    series = _bp([_part(SYSTOLIC, 150, 0), _part(DIASTOLIC, 9, 0, unit="cm")])
    (point,) = series.points
    assert point.problem is not None and "'cm'" in point.problem
    assert point.raw == "150/9 cm"
    assert series.latest() is None


def test_two_panels_taken_at_the_same_time_are_two_readings() -> None:
    series = _bp(
        [
            _part(SYSTOLIC, 150, 0, panel="left"),
            _part(DIASTOLIC, 92, 0, panel="left"),
            _part(SYSTOLIC, 146, 0, panel="right"),
            _part(DIASTOLIC, 90, 0, panel="right"),
        ]
    )
    assert sorted((p.value, p.value2) for p in series.points) == [(146, 90), (150, 92)]
