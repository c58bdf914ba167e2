"""Plain-language rewriting never changes a clinical meaning (careDesk issue 15, item 2).

Every reviewed expansion of every phrase file runs against a generous list of clinical
abbreviations that patients see on labs, letters and notes: none of them may be rewritten.
"HR" used to become "hour" ("hold if HR < 60" printed "hold if hour < 60") and "Mg" (magnesium)
became "mg" (milligrams).
"""

from __future__ import annotations

import pytest

from careDesk.errors import ValidationFailed
from careDesk.handouts.phrases import _abbreviations, available_languages, phrasebook
from careDesk.handouts.wording import plain

# Abbreviations with a clinical meaning of their own (vital signs, labs, conditions, places of
# care, roles, routes, tests). None is a Do-Not-Use form and none may change.
CLINICAL = (
    "HR", "BP", "INR", "K", "Na", "PT", "OT", "RR", "O2", "SpO2", "A1c", "HbA1c", "LDL", "HDL",
    "BMI", "CHF", "COPD", "CKD", "ER", "ED", "ICU", "IV", "IM", "GI", "UTI", "MI", "CVA", "TIA",
    "DM", "HTN", "EKG", "ECG", "CBC", "BMP", "CMP", "TSH", "PSA", "eGFR", "GFR", "Cr", "BUN",
    "Mg", "Ca", "Cl", "Fe", "T4", "PCP", "RN", "NP", "PA", "MD", "DO", "OB", "ENT", "PE", "DVT",
    "CT", "MRI", "PET", "US", "CPR", "OTC", "NPO", "DNR", "AFib", "PAD", "CAD", "HF", "AKI",
    "ALT", "AST", "WBC", "RBC", "Hgb", "Hct", "PLT", "PTT", "BG", "FBS", "PFT", "ABG", "CXR",
    "ADL", "PRBC", "Pt", "Dx", "Rx", "Hx", "Sx", "Tx", "OR", "PACU", "SNF", "HH", "PCA",
)  # fmt: skip
CONTEXTS = (
    "{x}",
    "Check your {x} today.",
    "Hold if {x} < 60.",
    "{x} 140, call us",
    "Your {x} is high ({x}).",
)
# Everyday words that look like a shorthand in another case.
EVERYDAY = (
    "Keep the cap on the bottle.",
    "I am fine.",
    "She began to sob.",
    "Open the tab on the box.",
    "Put it in the US mail.",
    "Call us at home.",
    "Sub Zero freezer",
)


@pytest.mark.parametrize("language", sorted(available_languages()))
def test_no_expansion_rewrites_a_clinical_abbreviation(language: str) -> None:
    book = phrasebook(language)
    changed = {}
    for abbreviation in CLINICAL:
        for context in CONTEXTS:
            text = context.format(x=abbreviation)
            if plain(book, text) != text:
                changed[text] = plain(book, text)
    assert changed == {}


@pytest.mark.parametrize("language", sorted(available_languages()))
def test_everyday_words_and_parts_of_words_are_left_alone(language: str) -> None:
    book = phrasebook(language)
    for text in (*EVERYDAY, "STABS AND CAPITALS", "PROBLEMS WITH BIDS", "HRS. Smith"):
        assert plain(book, text) == text, text


@pytest.mark.parametrize(
    ("language", "written", "expected"),
    [
        ("en", "hold if HR < 60", "hold if HR < 60"),
        ("es", "hold if HR < 60", "hold if HR < 60"),
        ("vi", "hold if HR < 60", "hold if HR < 60"),
        ("en", "Metformin 500 MG 24 HR tablet", "Metformin 500 mg 24 hour tablet"),
        ("es", "Tomar 1 hr antes de comer", "Tomar 1 hora antes de comer"),
        ("es", "24 HR", "24 horas"),
        ("en", "Mg 1.5, check Na and K", "Mg 1.5, check Na and K"),
        ("en", "SOB at night", "short of breath at night"),
        ("en", "1 tab PO BID PRN pain", "1 tablet by mouth 2 times a day when needed pain"),
        ("es", "1 tab PO BID", "1 pastilla por la boca 2 veces al día"),
        ("vi", "1 tab PO TID", "1 viên uống 3 lần mỗi ngày"),
    ],
)
def test_written_out_only_with_the_same_meaning(language: str, written: str, expected: str) -> None:
    assert plain(phrasebook(language), written) == expected


def test_every_row_is_bounded_to_whole_words_and_case_counts_unless_it_says_so() -> None:
    rows = _abbreviations([["SOB", "short of breath"], ["PRN", "when needed", "any_case"]], "xx")
    sob, prn = rows
    assert sob.pattern.sub(sob.plain, "SOB, sob, SOBS") == "short of breath, sob, SOBS"
    assert prn.pattern.sub(prn.plain, "prn PRN xprn") == "when needed when needed xprn"


def test_a_malformed_row_names_the_phrase_file() -> None:
    with pytest.raises(ValidationFailed, match=r"xx\.json: abbreviations\.1"):
        _abbreviations([["BID", "2 times a day"], ["HR", "hour", "case"]], "xx")
