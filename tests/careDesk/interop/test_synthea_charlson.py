"""Every cancer concept Synthea records maps to the Charlson category its meaning calls for.

Charlson ME et al., J Chronic Dis 1987;40:373-83: "any tumour" (solid tumours without documented
metastases, leukaemia, lymphoma; weight 2) and "metastatic solid tumour" (weight 6). A carcinoma
in situ, a benign polyp or a suspected cancer is not a Charlson malignancy. TNM stage 4 of a lung
cancer is distant metastasis (AJCC Cancer Staging Manual, 8th ed.: stage IV = any T, any N, M1);
a "secondary malignant neoplasm" is by its name a metastasis.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from careDesk.care.risk.charlson import category_of

CANCER_WORDS = re.compile(
    r"carcinom|neoplasm|cancer|tumou?r|lymphom|leuka?emi|malignan|metasta|sarcom|melanom|myelom",
    re.IGNORECASE,
)

# The expected category of each cancer concept, decided from the Charlson definitions above and
# the concept's meaning (never from the map under test).
EXPECTED = {
    # Sample patients (Synthea colorectal cancer module, stage II).
    "109838007": "canc",  # Overlapping malignant neoplasm of colon
    # synthetichealth/synthea src/main/resources/modules/lung_cancer.json
    "254637007": "canc",  # Non-small cell lung cancer
    "254632001": "canc",  # Small cell carcinoma of lung
    "424132000": "canc",  # Non-small cell carcinoma of lung, TNM stage 1
    "425048006": "canc",  # Non-small cell carcinoma of lung, TNM stage 2
    "422968005": "canc",  # Non-small cell carcinoma of lung, TNM stage 3
    "423121009": "metacanc",  # Non-small cell carcinoma of lung, TNM stage 4
    "67811000119102": "canc",  # Primary small cell malignant neoplasm of lung, TNM stage 1
    "67821000119109": "canc",  # Primary small cell malignant neoplasm of lung, TNM stage 2
    "67831000119107": "canc",  # Primary small cell malignant neoplasm of lung, TNM stage 3
    "67841000119103": "metacanc",  # Primary small cell malignant neoplasm of lung, TNM stage 4
    "162573006": None,  # Suspected lung cancer (situation): not a diagnosis
    # synthetichealth/synthea src/main/resources/modules/colorectal_cancer.json,
    # stage I, II, III and IV in that order
    "93761005": "canc",  # Primary malignant neoplasm of colon
    "363406005": "canc",  # Malignant tumor of colon
    "94260004": "metacanc",  # Secondary malignant neoplasm of colon
    # synthetichealth/synthea src/main/resources/modules/breast_cancer.json (every stage: the
    # stage is kept in TNM observations, not in the code)
    "254837009": "canc",  # Malignant neoplasm of breast
    # Synthea prostate cancer module
    "126906006": "canc",  # Neoplasm of prostate (recorded for prostate cancer)
    "92691004": None,  # Carcinoma in situ of prostate: in situ, not invasive
    "314994000": "metacanc",  # Metastasis from malignant tumor of prostate
    # synthetichealth/synthea src/main/resources/modules/acute_myeloid_leukemia.json
    "91861009": "canc",  # Acute myeloid leukemia (leukaemia counts as any malignancy)
}


def _cancer_conditions(files: list[Path]) -> dict[str, str]:
    """SNOMED CT code → display of every Condition whose display names a cancer."""
    found: dict[str, str] = {}
    for path in files:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] != "Condition":
                continue
            for coding in resource["code"]["coding"]:
                if "snomed" in coding["system"] and CANCER_WORDS.search(coding.get("display", "")):
                    found[coding["code"]] = coding["display"]
    return found


def test_every_cancer_code_in_the_sample_patients_is_audited(synthea: list[Path]) -> None:
    found = _cancer_conditions(synthea)
    assert found, "the sample patients hold at least one cancer"
    unaudited = {code: display for code, display in found.items() if code not in EXPECTED}
    assert not unaudited, f"add these to EXPECTED with their Charlson category: {unaudited}"
    for code, display in found.items():
        assert category_of(None, code) == EXPECTED[code], display


@pytest.mark.parametrize(("snomed", "category"), sorted(EXPECTED.items()))
def test_synthea_cancer_codes_map_to_their_charlson_category(
    snomed: str, category: str | None
) -> None:
    assert category_of(None, snomed) == category


def test_the_words_catch_what_they_should() -> None:
    assert all(
        CANCER_WORDS.search(words)
        for words in (
            "Non-small cell carcinoma of lung, TNM stage 4 (disorder)",
            "Secondary malignant neoplasm of colon",
            "Acute myeloid leukemia (disorder)",
            "Hodgkin lymphoma",
            "Malignant tumour of breast",
        )
    )
    assert not CANCER_WORDS.search("Polyp of colon")
