"""Which chronic illness a coded condition is, and how many distinct ones a patient has.

Tailoring counts "coexisting chronic illnesses" as the ADA Standards of Care in Diabetes—2024
§13 Older Adults (Table 13.1) does: conditions serious enough to need medicines or lifestyle
management, such as arthritis, cancer, heart failure, depression, emphysema, falls,
hypertension, incontinence, CKD stage 3 or worse, myocardial infarction and stroke. Two codes
for one illness (osteoarthritis of the hip and of the knee) count once: the groups are in
``coexisting_illness.json``. A SNOMED CT code is read through the risk engine's curated map to
its ICD-10-CM code, so "neuropathy due to type 2 diabetes" is recognised as diabetes (E11.40).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources

from careDesk.care.risk.charlson import normalise_icd10, snomed_map

Code = tuple[str, str]  # (ICD-10-CM without dot, SNOMED CT id); either may be ""


@cache
def _groups() -> tuple[tuple[str, str], ...]:
    """(prefix, illness) pairs, longest prefix first."""
    text = resources.files("careDesk.care.templates").joinpath("coexisting_illness.json")
    groups: dict[str, list[str]] = json.loads(text.read_text("utf-8"))["groups"]
    pairs = [(prefix, name) for name, prefixes in groups.items() for prefix in prefixes]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def icd10_of(code: Code) -> str:
    """The recorded ICD-10-CM code, else the curated one of the SNOMED CT concept ("" if none)."""
    icd, snomed = code
    if icd:
        return normalise_icd10(icd)
    mapped = snomed_map().get(snomed) if snomed else None
    return normalise_icd10(mapped) if mapped else ""


def matches(code: Code, listed: Iterable[str]) -> bool:
    """Whether ``code`` is one of ``listed`` (ICD-10 prefixes, dot optional, or SNOMED ids)."""
    icd = icd10_of(code)
    snomed = code[1]
    for item in listed:
        if snomed and item == snomed:
            return True
        if icd and icd.startswith(normalise_icd10(item)):
            return True
    return False


def illness_of(code: Code) -> str:
    """A name for the illness ``code`` records, the same for every code of one illness."""
    icd = icd10_of(code)
    if not icd:
        return f"SNOMED {code[1]}"
    for prefix, name in _groups():
        if icd.startswith(prefix):
            return name
    return icd[:3]


def count_illnesses(codes: Iterable[Code], not_counting: Iterable[str] = ()) -> int:
    """Distinct illnesses among ``codes``, leaving out those ``not_counting`` lists."""
    skip = tuple(not_counting)
    return len({illness_of(c) for c in codes if (c[0] or c[1]) and not matches(c, skip)})
