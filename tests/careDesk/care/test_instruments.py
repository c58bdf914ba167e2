"""Instruments as data: scoring, bands and positive-screen rules at every boundary."""

from __future__ import annotations

from typing import Any

import pytest

from careDesk.care.instruments import all_instruments, instrument, score
from careDesk.errors import ValidationFailed


def answers_for(instrument_id: str, total: int, *, item9: int | None = None) -> dict[str, int]:
    """Answers to a PHQ/GAD instrument adding up to ``total`` (item 9 fixed when given)."""
    inst = instrument(instrument_id)
    items = [i.id for i in inst.scored_items]
    values = dict.fromkeys(items, 0)
    if item9 is not None:
        values["phq9_9"] = item9
        total -= item9
        items.remove("phq9_9")
    for item in items:
        values[item] = min(3, total)
        total -= values[item]
    assert total == 0
    return values


@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "moderately severe", True),
        (19, "moderately severe", True),
        (20, "severe", True),
        (27, "severe", True),
    ],
)
def test_phq9_bands(total: int, band: str, positive: bool) -> None:
    item9 = 0 if total <= 24 else 3
    result = score(instrument("phq9"), answers_for("phq9", total, item9=item9))
    assert (result.total, result.band, result.positive) == (total, band, positive)
    assert result.urgent is (item9 >= 1)


@pytest.mark.parametrize(("total", "positive"), [(0, False), (2, False), (3, True), (6, True)])
def test_phq2_positive_at_three(total: int, positive: bool) -> None:
    result = score(instrument("phq2"), answers_for("phq2", total))
    assert result.positive is positive
    assert result.band == ("positive" if positive else "negative")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands(total: int, band: str) -> None:
    result = score(instrument("gad7"), answers_for("gad7", total))
    assert result.band == band
    assert result.positive is (total >= 10)


def test_phq9_item9_is_urgent_whatever_the_total() -> None:
    result = score(instrument("phq9"), answers_for("phq9", 1, item9=1))
    assert result.total == 1
    assert result.band == "minimal"
    assert result.urgent


def test_unscored_difficulty_question_does_not_count() -> None:
    answers: dict[str, Any] = answers_for("phq9", 5, item9=0)
    answers["phq9_difficulty"] = 3
    result = score(instrument("phq9"), answers)
    assert result.total == 5
    assert result.answers["phq9_difficulty"] == 3


def hrsn(**overrides: Any) -> dict[str, Any]:
    """AHC-HRSN answers with no need in any domain, then ``overrides``."""
    base: dict[str, Any] = {
        "living_situation": "steady",
        "housing_problems": ["none"],
        "food_worry": "never",
        "food_ran_out": "never",
        "transportation": "no",
        "utilities": "no",
        "safety_hurt": 1,
        "safety_insult": 1,
        "safety_threaten": 1,
        "safety_scream": 1,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "domains"),
    [
        ({}, ()),
        ({"living_situation": "worried"}, ("housing",)),
        ({"living_situation": "no_steady_place"}, ("housing",)),
        ({"housing_problems": ["mold", "water_leaks"]}, ("housing",)),
        ({"food_worry": "sometimes"}, ("food",)),
        ({"food_ran_out": "often"}, ("food",)),
        ({"transportation": "yes"}, ("transportation",)),
        ({"utilities": "yes"}, ("utilities",)),
        ({"utilities": "already_shut_off"}, ("utilities",)),
        ({"food_worry": "often", "transportation": "yes"}, ("food", "transportation")),
    ],
)
def test_hrsn_domain_rules(overrides: dict[str, Any], domains: tuple[str, ...]) -> None:
    result = score(instrument("ahc_hrsn"), hrsn(**overrides))
    assert result.positive_domains == domains
    assert result.positive is bool(domains)


@pytest.mark.parametrize(("values", "positive"), [((4, 3, 2, 1), False), ((4, 3, 2, 2), True)])
def test_hrsn_safety_positive_only_above_ten(values: tuple[int, ...], positive: bool) -> None:
    keys = ("safety_hurt", "safety_insult", "safety_threaten", "safety_scream")
    result = score(instrument("ahc_hrsn"), hrsn(**dict(zip(keys, values, strict=True))))
    assert sum(values) in (10, 11)
    assert ("safety" in result.positive_domains) is positive


def test_missing_answer_names_the_item() -> None:
    answers = answers_for("phq9", 3, item9=0)
    del answers["phq9_4"]
    with pytest.raises(ValidationFailed) as caught:
        score(instrument("phq9"), answers)
    assert caught.value.field == "phq9_4"
    assert "PHQ-9" in str(caught.value)


@pytest.mark.parametrize("bad", [4, -1, "2", True, None])
def test_out_of_range_answer_names_the_item(bad: Any) -> None:
    answers: dict[str, Any] = answers_for("gad7", 3)
    answers["gad7_6"] = bad
    with pytest.raises(ValidationFailed) as caught:
        score(instrument("gad7"), answers)
    assert caught.value.field == "gad7_6"


def test_unknown_question_and_instrument_are_refused() -> None:
    answers: dict[str, Any] = answers_for("phq2", 1)
    answers["phq9_9"] = 0
    with pytest.raises(ValidationFailed, match="phq9_9"):
        score(instrument("phq2"), answers)
    with pytest.raises(ValidationFailed, match="instrument"):
        instrument("prapare")


def test_hrsn_none_cannot_be_combined_and_safety_scale_is_one_to_five() -> None:
    with pytest.raises(ValidationFailed, match="housing_problems"):
        score(instrument("ahc_hrsn"), hrsn(housing_problems=["none", "mold"]))
    with pytest.raises(ValidationFailed, match="safety_scream"):
        score(instrument("ahc_hrsn"), hrsn(safety_scream=0))


def test_instruments_carry_loinc_codes_and_question_text() -> None:
    """Panel and total codes as LOINC publishes them (loinc.org/44249-1, /55757-9, /69737-5,
    /72109-2 AUDIT-C with total 75626-2, /96777-8 AHC-HRSN, which has no total)."""
    panels = {i.id: (i.loinc_panel, i.loinc_total) for i in all_instruments()}
    assert panels == {
        "phq9": ("44249-1", "44261-6"),
        "phq2": ("55757-9", "55758-7"),
        "gad7": ("69737-5", "70274-6"),
        "audit_c": ("72109-2", "75626-2"),
        "ahc_hrsn": ("96777-8", None),
    }
    phq9 = instrument("phq9")
    item9 = phq9.item("phq9_9")
    assert item9 is not None and item9.loinc == "44260-8"
    assert item9.options[0].text == "Not at all"
    for inst in all_instruments():
        assert inst.source
        for item in inst.items:
            assert item.text and item.loinc and item.options
