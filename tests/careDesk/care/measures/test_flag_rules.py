"""Flag rules on series, with each threshold from its published source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careDesk.care.measures.flags import evaluate, gfr_category
from careDesk.care.measures.series import Reading, build_series

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _bp(systolic: float, diastolic: float, days: float = 0) -> list[Reading]:
    at = T0 + timedelta(days=days)
    return [
        Reading(f"s{days}", "8480-6", "Systolic", systolic, "mm[Hg]", at, "85354-9"),
        Reading(f"d{days}", "8462-4", "Diastolic", diastolic, "mm[Hg]", at, "85354-9"),
    ]


def _one(code: str, value: float, unit: str, days: float, name: str = "x") -> Reading:
    return Reading(f"{code}-{days}", code, name, value, unit, T0 + timedelta(days=days))


def _keys(readings: list[Reading], heart_failure: bool = False) -> list[str]:
    return [f.key for f in evaluate(build_series(readings), heart_failure=heart_failure)]


@pytest.mark.parametrize(
    ("systolic", "diastolic", "flagged"),
    # AHA "Hypertensive crisis": 180/120 or greater (either number).
    [(180, 100, True), (179, 119, False), (150, 120, True), (210, 125, True)],
)
def test_blood_pressure_crisis(systolic: float, diastolic: float, flagged: bool) -> None:
    assert (_keys(_bp(systolic, diastolic)) == ["bp_crisis"]) is flagged


def test_a_blood_pressure_crisis_is_urgent() -> None:
    (flag,) = evaluate(build_series(_bp(182, 96)), heart_failure=False)
    assert flag.severity == "urgent" and "182/96" in flag.reason and "Heart" in flag.source


def test_heart_failure_gain_of_three_pounds_in_a_day() -> None:
    """AHA warning signs of heart failure / the heart-failure template: 3 lb in a day."""
    day = [_one("29463-7", 80.0, "kg", 0), _one("29463-7", 176.37 + 3.0, "lb", 1)]  # +3 lb
    assert _keys(day, heart_failure=True) == ["hf_weight_gain"]
    less = [_one("29463-7", 80.0, "kg", 0), _one("29463-7", 176.37 + 2.8, "lb", 1)]
    assert _keys(less, heart_failure=True) == []


def test_heart_failure_gain_of_five_pounds_in_a_week() -> None:
    week = [_one("29463-7", 80.0, "kg", d) for d in (0, 2, 4)]
    week.append(_one("29463-7", 80.0 + 5 * 0.45359237, "kg", 7))
    flags = evaluate(build_series(week), heart_failure=True)
    assert [f.key for f in flags] == ["hf_weight_gain"]
    assert "in a week" in flags[0].reason
    slower = [_one("29463-7", 80.0, "kg", 0), _one("29463-7", 80.0 + 5 * 0.45359237, "kg", 8)]
    assert _keys(slower, heart_failure=True) == []


def test_weight_gain_is_not_a_flag_without_heart_failure() -> None:
    day = [_one("29463-7", 80.0, "kg", 0), _one("29463-7", 83.0, "kg", 1)]
    assert _keys(day, heart_failure=False) == []


@pytest.mark.parametrize(
    ("potassium", "expected"),
    # UK Kidney Association 2023: hyperkalaemia ≥ 5.5 mmol/L; severe ≥ 6.5.
    [(5.4, []), (5.5, ["potassium_high"]), (6.4, ["potassium_high"]), (6.5, ["potassium_severe"])],
)
def test_potassium(potassium: float, expected: list[str]) -> None:
    assert _keys([_one("6298-4", potassium, "mmol/L", 0)]) == expected


def test_severe_potassium_is_urgent() -> None:
    (flag,) = evaluate(build_series([_one("2823-3", 6.8, "mEq/L", 0)]), heart_failure=False)
    assert flag.severity == "urgent"


@pytest.mark.parametrize(
    ("before", "after", "flagged"),
    # KDIGO 2012 rec. 2.1.3: a drop in GFR category with a ≥ 25 % drop from baseline.
    [
        (62, 46, True),  # −25.8 %, G2 → G3a
        (50, 37, True),  # −26 %, G3a → G3b
        (59, 45, False),  # −23.7 %, G3a stays
        (44, 32, False),  # −27 %, but G3b → G3b
        (64, 48, True),  # exactly −25 %, G2 → G3a
    ],
)
def test_egfr_drop(before: float, after: float, flagged: bool) -> None:
    readings = [
        _one("33914-3", before, "mL/min/{1.73_m2}", 0),
        _one("33914-3", after, "mL/min/{1.73_m2}", 90),
    ]
    assert (_keys(readings) == ["egfr_drop"]) is flagged


def test_egfr_categories() -> None:
    """KDIGO 2012: G1 ≥ 90, G2 60–89, G3a 45–59, G3b 30–44, G4 15–29, G5 < 15."""
    assert [gfr_category(v) for v in (90, 89, 60, 59, 45, 44, 30, 29, 15, 14)] == [
        "G1", "G2", "G2", "G3a", "G3a", "G3b", "G3b", "G4", "G4", "G5",
    ]  # fmt: skip


def test_egfr_baseline_is_the_earliest_of_the_year_before() -> None:
    """A slow fall 60 → 52 → 44 (each step < 25 %) is caught against the first value."""
    readings = [
        _one("33914-3", v, "mL/min/{1.73_m2}", d) for v, d in ((60, 0), (52, 120), (44, 240))
    ]
    assert _keys(readings) == ["egfr_drop"]


def test_a1c_rising_by_one_point() -> None:
    assert _keys([_one("4548-4", 7.0, "%", 0), _one("4548-4", 8.0, "%", 90)]) == ["a1c_rise"]
    assert _keys([_one("4548-4", 7.0, "%", 0), _one("4548-4", 7.9, "%", 90)]) == []


def test_a_value_in_an_unknown_unit_raises_no_flag() -> None:
    """A potassium 'in mg/dL' is not read as 7.0 mmol/L: it is left out, never guessed."""
    assert _keys([_one("6298-4", 7.0, "mg/dL", 0)]) == []
