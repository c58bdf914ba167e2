"""Charlson index: Quan 2005 prefixes, hierarchy, 1987 and 2011 weights, age points, SNOMED."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from careDesk.care.risk.charlson import (
    age_points,
    categories,
    category_of,
    category_of_icd10,
    charlson,
    charlson_from_codes,
)


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("E11.22", "diabwc"),
        ("e11.9", "diab"),
        ("I50.9", "chf"),
        ("I25.2", "ami"),
        ("I25.10", None),  # coronary atherosclerosis is not a Charlson condition
        ("C78.5", "metacanc"),
        ("B20", "aids"),
        ("K70.4", "msld"),
        ("K70.3", "mld"),
        ("N18.30", "rend"),
        ("I10", None),
    ],
)
def test_icd10_prefix_match_with_dot_removed(code: str, category: str | None) -> None:
    assert category_of_icd10(code) == category


@pytest.mark.parametrize(
    ("present", "kept"),
    [
        ({"mld", "msld"}, {"msld"}),
        ({"diab", "diabwc"}, {"diabwc"}),
        ({"canc", "metacanc"}, {"metacanc"}),
        ({"mld", "diab", "canc"}, {"mld", "diab", "canc"}),
    ],
)
def test_hierarchy_severe_form_zeroes_the_mild_one(present: set[str], kept: set[str]) -> None:
    assert charlson(present).categories == kept


def test_hierarchy_scores() -> None:
    liver = charlson({"mld", "msld"})
    assert (liver.charlson1987, liver.quan2011) == (3, 4)
    diabetes = charlson({"diab", "diabwc"})
    assert (diabetes.charlson1987, diabetes.quan2011) == (2, 1)
    cancer = charlson({"canc", "metacanc"})
    assert (cancer.charlson1987, cancer.quan2011) == (6, 6)


def test_aids_hiv_weighs_4_in_quan_2011_and_6_in_1987() -> None:
    result = charlson_from_codes([("B20", None)])
    assert result.quan2011 == 4
    assert result.charlson1987 == 6


@pytest.mark.parametrize(
    ("key", "w1987", "w2011"),
    [
        ("ami", 1, 0),
        ("chf", 1, 2),
        ("pvd", 1, 0),
        ("cevd", 1, 0),
        ("dementia", 1, 2),
        ("copd", 1, 1),
        ("rheumd", 1, 1),
        ("pud", 1, 0),
        ("mld", 1, 2),
        ("diab", 1, 0),
        ("diabwc", 2, 1),
        ("hp", 2, 2),
        ("rend", 2, 1),
        ("canc", 2, 2),
        ("msld", 3, 4),
        ("metacanc", 6, 6),
        ("aids", 6, 4),
    ],
)
def test_each_category_weight(key: str, w1987: int, w2011: int) -> None:
    result = charlson({key})
    assert (result.charlson1987, result.quan2011) == (w1987, w2011)


def test_quan_2011_maximum_is_24() -> None:
    assert charlson(categories()).quan2011 == 24


@pytest.mark.parametrize(
    ("age", "points"),
    [(None, 0), (49, 0), (50, 1), (59, 1), (60, 2), (69, 2), (70, 3), (79, 3), (80, 4), (101, 4)],
)
def test_age_points(age: int | None, points: int) -> None:
    assert age_points(age) == points
    result = charlson({"chf"}, age)
    assert result.age_adjusted == 1 + points
    assert result.charlson1987 == 1  # the unadjusted scores never include age


def test_snomed_coded_conditions_count() -> None:
    result = charlson_from_codes(
        [(None, "88805009"), (None, "127013003"), (None, "44054006"), (None, "38341003")], 72
    )
    assert result.categories == {"chf", "diabwc"}
    assert (result.charlson1987, result.quan2011, result.age_adjusted) == (3, 3, 6)


def test_icd10_wins_over_snomed_and_unknown_codes_do_not_count() -> None:
    assert category_of("I50.9", "44054006") == "chf"
    assert category_of("Z00.0", "44054006") == "diab"
    assert category_of(None, "999999999") is None


def test_snomed_map_agrees_with_the_quan_table() -> None:
    data = json.loads(
        resources.files("careDesk.care.risk").joinpath("snomed_charlson.json").read_text("utf-8")
    )
    declared = {c["charlson"] for c in data["concepts"]}
    assert set(categories()) <= declared  # every category reachable from SNOMED CT
    for concept in data["concepts"]:
        assert concept["name"], concept["snomed"]
        assert category_of_icd10(concept["icd10"]) == concept["charlson"], concept["snomed"]
