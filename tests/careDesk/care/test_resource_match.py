"""The resource picker's order for a need (issue 19: a food need defaulted to the crisis line)."""

from __future__ import annotations

import pytest

from careDesk.care.resource_match import answers, is_crisis_line, need_map, rank_for_need
from careDesk.care.resources import ResourceRead
from careDesk.desk import Desk
from careDesk.model.referral import CATEGORIES, NeedDomain


@pytest.fixture
def directory(desk: Desk) -> list[ResourceRead]:
    for name, category, phone in (
        ("988 Suicide and Crisis Lifeline", "mental_health", "988"),  # sorts first by name
        ("Community Counseling Center", "mental_health", None),
        ("Eastside Food Pantry", "food", None),
        ("SNAP Help Desk", "food", None),
        ("LIHEAP Energy Help", "utilities", None),
        ("Budget Counselling", "financial_strain", None),
        ("Harbor House Rentals", "housing", None),
    ):
        desk.resources.add(name=name, category=category, phone=phone)
    return list(desk.resources.search())


def _names(rows: list[ResourceRead]) -> list[str]:
    return [r.name for r in rows]


def test_a_food_need_lists_food_first_and_the_crisis_line_last(
    directory: list[ResourceRead],
) -> None:
    ranked = _names(rank_for_need(directory, "food"))
    assert ranked[:2] == ["Eastside Food Pantry", "SNAP Help Desk"]
    assert ranked[-1] == "988 Suicide and Crisis Lifeline"
    assert len(ranked) == len(directory)  # nothing hidden


@pytest.mark.parametrize("need", [n.value for n in NeedDomain if n != NeedDomain.CRISIS])
def test_no_need_but_a_crisis_defaults_to_the_crisis_line(
    directory: list[ResourceRead], need: str
) -> None:
    first = rank_for_need(directory, need)[0]
    assert not is_crisis_line(first)


def test_a_crisis_puts_the_crisis_line_first(directory: list[ResourceRead]) -> None:
    ranked = _names(rank_for_need(directory, "crisis"))
    assert ranked[:2] == ["988 Suicide and Crisis Lifeline", "Community Counseling Center"]


def test_related_categories_follow_the_best_fit(directory: list[ResourceRead]) -> None:
    ranked = _names(rank_for_need(directory, "utilities"))
    assert ranked[:2] == ["LIHEAP Energy Help", "Budget Counselling"]
    mental = _names(rank_for_need(directory, "mental_health"))
    assert mental[0] == "Community Counseling Center"
    counseling = next(r for r in directory if r.name.startswith("Community"))
    assert answers(counseling, "mental_health")
    assert not answers(counseling, "food")


def test_the_mapping_covers_every_need_with_real_categories() -> None:
    found = need_map()
    assert set(found.categories) == {n.value for n in NeedDomain}
    for need, categories in found.categories.items():
        assert set(categories) <= set(CATEGORIES), need
        if need not in ("other", "crisis"):
            assert categories[0] == need  # a need's own category answers it best
