"""Medicine names and doses: every ingredient of a product, base ingredients, normalised doses.

Names are real strings from the Synthea samples (RxNorm normalized names: ingredient strength
unit dose form, several ingredients joined by " / ") and ones prescribers write. The expected
ingredient of each is RxNorm's ingredient (IN) for it, not its precise ingredient (PIN, the
salt): NLM RxNorm Technical Documentation, "Term types" (IN, PIN, SCD). Unit equivalences are
the SI prefixes (BIPM, The International System of Units, 9th ed. 2019, Table 7: milli = 10⁻³,
micro = 10⁻⁶).
"""

from __future__ import annotations

import pytest

from careDesk.care.medicines import (
    components,
    describe,
    ingredient_doses,
    parse_dose,
    product_components,
    same_amount,
)
from careDesk.model.clinical import Medication


def ingredients(name: str) -> list[str]:
    return [c.ingredient for c in components(name)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG Oral Tablet",
            ["hydrochlorothiazide", "lisinopril"],
        ),
        ("Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet", ["amoxicillin", "clavulanate"]),
        (
            "Acetaminophen 21.7 MG/ML / Dextromethorphan Hydrobromide 1 MG/ML / doxylamine "
            "succinate 0.417 MG/ML Oral Solution",
            ["acetaminophen", "dextromethorphan", "doxylamine"],
        ),
        ("hydrochlorothiazide/lisinopril", ["hydrochlorothiazide", "lisinopril"]),
        ("Lisinopril/HCTZ 20/12.5 mg", ["lisinopril", "hydrochlorothiazide"]),
    ],
)  # fmt: skip
def test_a_combination_product_counts_every_ingredient(name: str, expected: list[str]) -> None:
    assert ingredients(name) == expected


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("Metoprolol succinate ER", "metoprolol"),
        ("metoprolol tartrate 25 mg", "metoprolol"),
        ("24 HR Metoprolol succinate 100 MG Extended Release Oral Tablet", "metoprolol"),
        ("Diltiazem HCl 24hr ER", "diltiazem"),
        ("Potassium chloride", "potassium"),
        ("Potassium Chloride 20 MEQ Extended Release Oral Tablet", "potassium"),
        ("Naproxen sodium 220 MG Oral Tablet", "naproxen"),  # Synthea; RxNorm PIN of naproxen
        ("Warfarin Sodium 5 MG Oral Tablet", "warfarin"),
        ("Verapamil Hydrochloride 40 MG", "verapamil"),
        ("Donepezil hydrochloride 23 MG [Aricept]", "donepezil"),
        ("120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler", "fluticasone"),
        ("NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector", "epinephrine"),
        ("Simvistatin 10 MG", "simvastatin"),  # Synthea's spelling of RxNorm 316672
        ("Alendronic acid 10 MG Oral Tablet", "alendronate"),
    ],
)
def test_salt_ester_and_release_forms_are_their_base_ingredient(name: str, base: str) -> None:
    assert ingredients(name) == [base]


def test_a_salt_word_is_dropped_only_after_the_ingredient() -> None:
    # Penicillin V potassium is penicillin (RxNorm IN penicillin V), not a potassium supplement.
    assert ingredients("Penicillin V Potassium 500 MG Oral Tablet") == ["penicillin v"]


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ("0.1 mg", "100 mcg", True),  # 0.1 × 10⁻³ g = 100 × 10⁻⁶ g
        ("1,000 mg", "1000 mg", True),
        ("1 g", "1000 mg", True),
        ("100 µg", "0.1 MG", True),
        ("2,5 mg", "2.5 mg", True),  # a decimal comma, as Spanish writes it
        ("25 mg", "50 mg", False),
        ("75 mcg", "0.1 mg", False),
        ("20 mEq", "20 MEQ", True),
    ],
)
def test_doses_compare_in_normalised_units(left: str, right: str, equal: bool) -> None:
    a, b = parse_dose(left), parse_dose(right)
    assert a is not None and b is not None
    assert same_amount(a, b) is equal


def test_doses_in_different_kinds_of_unit_cannot_be_compared() -> None:
    milligrams, units = parse_dose("10 mg"), parse_dose("10 units")
    assert milligrams is not None and units is not None
    assert same_amount(milligrams, units) is None


def test_a_count_of_tablets_is_that_many_times_the_strength() -> None:
    med = Medication(patient_id="p", name="Lisinopril 10 MG Oral Tablet", dose="2 tablets")
    (dose,) = ingredient_doses(med).values()
    assert dose is not None and describe(dose) == "20 mg"


def test_each_ingredient_of_a_combination_has_its_own_dose() -> None:
    med = Medication(
        patient_id="p", name="Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG Oral Tablet"
    )
    doses = {k: describe(v) for k, v in ingredient_doses(med).items() if v is not None}
    assert doses == {"hydrochlorothiazide": "12.5 mg", "lisinopril": "10 mg"}


def test_an_amount_written_for_a_combination_is_not_given_to_either_ingredient() -> None:
    med = Medication(
        patient_id="p", name="Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG", dose="10 mg"
    )
    assert ingredient_doses(med) == {"hydrochlorothiazide": None, "lisinopril": None}


def test_a_brand_name_takes_its_ingredient_from_the_ingredient_field() -> None:
    med = Medication(patient_id="p", name="Glucophage XR", ingredient="Metformin", dose="500 mg")
    assert [c.ingredient for c in product_components(med)] == ["metformin"]
    (dose,) = ingredient_doses(med).values()
    assert dose is not None and describe(dose) == "500 mg"


def test_the_importers_first_ingredient_does_not_hide_the_others() -> None:
    # The FHIR importer keeps the first ingredient of a combination in the ingredient field.
    med = Medication(
        patient_id="p",
        name="Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG Oral Tablet",
        ingredient="hydrochlorothiazide",
    )
    assert [c.ingredient for c in product_components(med)] == ["hydrochlorothiazide", "lisinopril"]


def test_names_without_a_known_unit_have_no_dose() -> None:
    assert parse_dose("Camila 28 Day Pack") is None
    med = Medication(patient_id="p", name="NuvaRing 0.12/0.015 MG per 24HR 21 Day Vaginal Ring")
    assert ingredient_doses(med) == {"nuvaring": None}
