"""Goal targets read as rules, and whether a reading meets them (strict as guidelines write)."""

from __future__ import annotations

import pytest

from careDesk.care.measures.catalog import by_key
from careDesk.care.measures.targets import in_measure_unit, meets, parse_target
from careDesk.errors import ValidationFailed


def _meets(measure: str, text: str, value: float, value2: float | None = None,
           baseline: float | None = None) -> bool:  # fmt: skip
    m = by_key()[measure]
    return meets(in_measure_unit(parse_target(text, m), m), value, value2, baseline)


def test_a1c_below_seven_is_strict() -> None:
    """ADA Standards of Care 2024 §6: an A1c goal of < 7 %: 7.0 is not at goal, 6.9 is."""
    assert _meets("a1c", "below 7%", 6.9)
    assert not _meets("a1c", "below 7%", 7.0)


def test_a1c_target_in_mmol_per_mol_compares_in_per_cent() -> None:
    """53 mmol/mol is 7.0 % (IFCC master equation, Hoelzel 2004)."""
    assert _meets("a1c", "below 53 mmol/mol", 6.9)
    assert not _meets("a1c", "below 53 mmol/mol", 7.1)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "at_goal"),
    # 2017 ACC/AHA (Whelton 2018) §8.1.5: target < 130/80 — both numbers below.
    [(129, 79, True), (130, 79, False), (129, 80, False), (118, 72, True)],
)
def test_blood_pressure_below_130_over_80(systolic: float, diastolic: float, at_goal: bool) -> None:
    assert _meets("bp", "below 130/80", systolic, diastolic) is at_goal


def test_phq9_below_five_is_remission() -> None:
    """HEDIS DRR-E remission: PHQ-9 < 5."""
    assert _meets("phq9", "below 5", 4)
    assert not _meets("phq9", "below 5", 5)


def test_lose_five_per_cent_of_weight() -> None:
    """A 5 % loss from the starting weight (ADA Standards 2024 §8)."""
    assert _meets("weight", "lose 5%", 95.0, baseline=100.0)
    assert not _meets("weight", "lose 5%", 95.5, baseline=100.0)


def test_lose_pounds_counts_in_kilograms() -> None:
    assert _meets("weight", "lose 10 lb", 95.4, baseline=100.0)  # 4.6 kg ≥ 4.54 kg
    assert not _meets("weight", "lose 10 lb", 95.6, baseline=100.0)


def test_between_includes_both_ends() -> None:
    assert _meets("glucose", "between 80 and 130 mg/dL", 80)
    assert _meets("glucose", "between 80 and 130 mg/dL", 130)
    assert not _meets("glucose", "between 80 and 130 mg/dL", 131)


def test_a_between_target_in_mmol_per_litre_is_converted() -> None:
    assert _meets("glucose", "4.4 to 7.2 mmol/L", 100)  # 79–130 mg/dL
    assert not _meets("glucose", "4.4 to 7.2 mmol/L", 140)


@pytest.mark.parametrize(
    ("measure", "text"),
    [
        ("a1c", "stable"),
        ("a1c", "below 7 kg"),
        ("phq9", "below 5/3"),
        ("a1c", ""),
        ("a1c", None),
        ("weight", "lose 150%"),
        ("a1c", "below seven"),
    ],
)
def test_a_target_that_cannot_be_read_is_refused_naming_target(
    measure: str, text: str | None
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_target(text, by_key()[measure])
    assert caught.value.field == "target"
