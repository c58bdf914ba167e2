"""Charlson index: Quan 2005 prefixes, hierarchy, 1987 and 2011 weights, age points, SNOMED."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources

import pytest

from careDesk.care.risk.charlson import (
    RecordedCondition,
    age_points,
    categories,
    category_of,
    category_of_icd10,
    charlson,
    charlson_from_codes,
    charlson_from_conditions,
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


def test_snomed_map_agrees_with_the_quan_table_unless_it_says_why() -> None:
    data = json.loads(
        resources.files("careDesk.care.risk").joinpath("snomed_charlson.json").read_text("utf-8")
    )
    declared = {c["charlson"] for c in data["concepts"]}
    assert set(categories()) <= declared  # every category reachable from SNOMED CT
    assert declared <= {*categories(), None}
    assert len({c["snomed"] for c in data["concepts"]}) == len(data["concepts"])
    differing = set()
    for concept in data["concepts"]:
        assert concept["name"], concept["snomed"]
        if category_of_icd10(concept["icd10"]) != concept["charlson"]:
            assert concept.get("charlson_differs"), concept["snomed"]
            differing.add(concept["snomed"])
    # CKD stages 1, 2, 3, 3A, 3B; non-small and small cell lung cancer TNM stage 4.
    assert differing == {
        "431855005",
        "431856006",
        "433144002",
        "700378005",
        "700379002",
        "423121009",
        "67841000119103",
    }


@pytest.mark.parametrize(
    ("snomed", "category"),
    [
        ("431855005", None),  # CKD stage 1 (eGFR ≥ 90 with kidney damage)
        ("431856006", None),  # CKD stage 2 (eGFR 60–89)
        ("433144002", None),  # CKD stage 3 (eGFR 30–59)
        ("700378005", None),  # CKD stage 3A
        ("700379002", None),  # CKD stage 3B
        ("431857002", "rend"),  # CKD stage 4 (eGFR 15–29)
        ("433146000", "rend"),  # CKD stage 5
        ("46177005", "rend"),  # end-stage renal disease
        ("105502003", "rend"),  # dependence on renal dialysis
        ("709044004", "rend"),  # CKD, stage not recorded: as Quan's N18.9
    ],
)
def test_snomed_ckd_counts_from_stage_4(snomed: str, category: str | None) -> None:
    """Charlson ME et al., J Chronic Dis 1987;40:373-83: "moderate or severe renal disease" is
    serum creatinine > 3 mg/dL, dialysis, a kidney transplant or uraemia (weight 2). KDIGO 2012
    stages by eGFR: 1 ≥ 90, 2 60–89, 3 30–59 (3A 45–59, 3B 30–44), 4 15–29, 5 < 15."""
    assert category_of(None, snomed) == category


def _ckd_epi_2021(creatinine_mg_dl: float, age: int, *, female: bool) -> float:
    """eGFR by the race-free CKD-EPI 2021 creatinine equation (Inker LA et al., N Engl J Med
    2021;385:1737-49): 142 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.200 × 0.9938^age × 1.012 if female;
    κ 0.7 (female) / 0.9 (male), α −0.241 / −0.302."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine_mg_dl / kappa
    sex = 1.012 if female else 1.0
    return 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.2 * 0.9938**age * sex


def test_charlson_creatinine_above_3_is_never_ckd_stage_3() -> None:
    """Why a recorded stage 3 does not count: Charlson 1987's creatinine > 3 mg/dL gives an eGFR
    below 30 (stage 4 or worse) for every adult of either sex by CKD-EPI 2021."""
    for age in range(18, 111):
        for female in (False, True):
            assert _ckd_epi_2021(3.0, age, female=female) < 30, (age, female)


def test_icd10_renal_codes_keep_quans_published_list() -> None:
    """Quan H et al., Med Care 2005;43:1130-9 list N18 whole under renal disease; ICD-10-coded
    conditions keep that list as published (only SNOMED CT concepts carry a stage we read)."""
    assert [category_of_icd10(c) for c in ("N18.1", "N18.2", "N18.30", "N18.4", "N18.6")] == [
        "rend"
    ] * 5
    assert category_of("N18.2", "431856006") == "rend"  # the ICD-10 code is read first


TODAY = date(2026, 6, 15)


def _resolved(
    icd10: str | None, snomed: str | None = None, onset: date | None = None
) -> RecordedCondition:
    return RecordedCondition(icd10, snomed, active=False, onset=onset, abated=TODAY)


@pytest.mark.parametrize(
    ("condition", "w1987", "w2011"),
    [
        (_resolved("I21.9"), 1, 0),  # a past myocardial infarction: "have had one or more MIs"
        (_resolved(None, "22298006"), 1, 0),  # the same, SNOMED CT (Synthea's MI concept)
        (_resolved("I63.9"), 1, 0),  # "history of a cerebrovascular accident"
        (_resolved("G45.9"), 1, 0),  # "... and transient ischaemic attacks"
        (_resolved("I73.9"), 1, 0),  # "history of gangrene or acute arterial insufficiency"
        (_resolved("K25.9"), 1, 0),  # "required treatment for ulcer disease"
        (_resolved("I50.9"), 0, 0),  # heart failure is a present state
        (_resolved("J44.9"), 0, 0),  # so is chronic pulmonary disease
        (_resolved("J18.9"), 0, 0),  # a resolved pneumonia is no Charlson condition at all
        (_resolved("C18.9", onset=TODAY - timedelta(days=4 * 365)), 2, 2),  # treated < 5 y ago
        (_resolved("C18.9", onset=TODAY - timedelta(days=6 * 365)), 0, 0),  # > 5 y: cured
        (_resolved("C18.9"), 2, 2),  # onset unknown, abated this year
        (_resolved("C78.5", onset=TODAY - timedelta(days=365)), 6, 6),
    ],
)
def test_history_counts_where_charlson_defines_a_history(
    condition: RecordedCondition, w1987: int, w2011: int
) -> None:
    """Charlson ME et al., J Chronic Dis 1987;40:373-83, definitions: MI (had one or more),
    cerebrovascular disease (history of CVA with minor or no residua, and TIA), peripheral
    vascular disease (bypass, history of gangrene or acute arterial insufficiency), ulcer disease
    (required treatment) are histories; solid tumours count when initially treated in the last
    5 years; the other conditions are present states. Weights: Charlson 1987 and Quan 2011."""
    result = charlson_from_conditions([condition], TODAY)
    assert (result.charlson1987, result.quan2011) == (w1987, w2011)


def test_active_conditions_count_whatever_their_dates() -> None:
    old = RecordedCondition("C18.9", None, active=True, onset=TODAY - timedelta(days=20 * 365))
    assert charlson_from_conditions([old], TODAY).charlson1987 == 2
