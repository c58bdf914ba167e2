"""Charlson comorbidity index from ICD-10 (Quan 2005 coding) and SNOMED CT (curated map).

- Coding: Quan H et al., Med Care 2005;43:1130-9 — ICD-10 code with the dot removed,
  ``startswith(prefix)`` (so ``E11.22`` matches ``E112``).
- Hierarchy (Quan 2005 / comorbidity R package ``assign0``): mild liver disease scores 0 when
  moderate/severe liver disease is present; diabetes without complications 0 when diabetes with
  complications is present; any malignancy 0 when a metastatic solid tumour is present.
- Weights: Charlson ME et al., J Chronic Dis 1987;40:373-83 (1987), and Quan H et al.,
  Am J Epidemiol 2011;173:676-82 (2011: AIDS/HIV 4 as in the paper; several libraries ship 2).
- Age points (Charlson 1994 combined age-comorbidity): 50–59 +1, 60–69 +2, 70–79 +3, ≥80 +4.
- History (Charlson 1987 definitions, ``charlson_history.json``): a resolved myocardial
  infarction, stroke/TIA, peripheral vascular event or treated ulcer still counts; a resolved
  malignancy counts for 5 years; every other category counts only while active.
- SNOMED CT: ``snomed_charlson.json`` gives each curated concept its ICD-10-CM code and the
  Charlson category it means. That category is what scores: it follows Quan's ICD-10 table
  except where the concept says more than its ICD-10 code (a CKD stage 1–3 is not Charlson's
  moderate/severe renal disease; a lung cancer "TNM stage 4" is a metastatic solid tumour).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from dateutil.relativedelta import relativedelta

_PACKAGE = "careDesk.care.risk"


@dataclass(frozen=True)
class Category:
    """A Charlson condition category with its ICD-10 prefixes and both weight sets."""

    key: str
    name: str
    prefixes: tuple[str, ...]
    weight_1987: int
    weight_2011: int


@dataclass(frozen=True)
class CharlsonResult:
    """Categories present (after the hierarchy) and the scores."""

    categories: frozenset[str]
    quan2011: int
    charlson1987: int
    age_points: int

    @property
    def age_adjusted(self) -> int:
        """Charlson 1987 weights plus age points."""
        return self.charlson1987 + self.age_points


def _load(name: str) -> Any:
    return json.loads(resources.files(_PACKAGE).joinpath(name).read_text("utf-8"))


@cache
def categories() -> dict[str, Category]:
    """The Quan 2005 categories, by key, loaded once from the data file."""
    data = _load("charlson_quan2005_icd10.json")
    return {
        c["key"]: Category(
            c["key"],
            c["name"],
            tuple(c["icd10_prefixes"]),
            int(c["weight_charlson1987"]),
            int(c["weight_quan2011"]),
        )
        for c in data["categories"]
    }


@cache
def _hierarchy() -> dict[str, str]:
    """Mild category → severe category that zeroes it (``"mld": "0 if msld"``)."""
    raw: dict[str, str] = _load("charlson_quan2005_icd10.json")["hierarchy_assign0"]
    return {mild: rule.split()[-1] for mild, rule in raw.items()}


@cache
def _prefix_index() -> dict[str, str]:
    return {p: cat.key for cat in categories().values() for p in cat.prefixes}


@dataclass(frozen=True)
class SnomedConcept:
    """A curated SNOMED CT concept: its ICD-10-CM code and the Charlson category it means."""

    icd10: str
    charlson: str | None


@cache
def snomed_concepts() -> dict[str, SnomedConcept]:
    """SNOMED CT concept id → its curated ICD-10-CM code and Charlson category."""
    concepts = _load("snomed_charlson.json")["concepts"]
    return {c["snomed"]: SnomedConcept(c["icd10"], c["charlson"]) for c in concepts}


def snomed_map() -> dict[str, str]:
    """SNOMED CT concept id → ICD-10-CM code (curated; see ``snomed_charlson.json``)."""
    return {code: concept.icd10 for code, concept in snomed_concepts().items()}


def normalise_icd10(code: str) -> str:
    """``e11.22 `` → ``E1122``: upper case, no dot, no spaces."""
    return code.replace(".", "").replace(" ", "").strip().upper()


@lru_cache(maxsize=8192)
def category_of_icd10(code: str) -> str | None:
    """The Charlson category of an ICD-10 code (longest matching prefix), or None. Cached: a
    clinic's conditions use a few thousand codes over and over."""
    clean = normalise_icd10(code)
    index = _prefix_index()
    for length in range(min(len(clean), 5), 2, -1):
        key = index.get(clean[:length])
        if key is not None:
            return key
    return None


def category_of(icd10: str | None, snomed: str | None) -> str | None:
    """Category from the ICD-10 code (Quan 2005), else the curated SNOMED CT concept's category."""
    if icd10:
        found = category_of_icd10(icd10)
        if found is not None:
            return found
    if snomed:
        concept = snomed_concepts().get(snomed.strip())
        if concept is not None:
            return concept.charlson
    return None


def age_points(age: int | None) -> int:
    """Charlson age points: <50 0, 50–59 1, 60–69 2, 70–79 3, ≥80 4."""
    if age is None or age < 50:
        return 0
    return min((age - 40) // 10, 4)


def apply_hierarchy(present: Iterable[str]) -> frozenset[str]:
    """Drop the mild form when its severe form is present (Quan 2005 hierarchy)."""
    found = set(present)
    for mild, severe in _hierarchy().items():
        if severe in found:
            found.discard(mild)
    return frozenset(found)


def charlson(present: Iterable[str], age: int | None = None) -> CharlsonResult:
    """Score a set of Charlson category keys (hierarchy applied) for a patient of ``age``."""
    cats = categories()
    kept = apply_hierarchy(k for k in present if k in cats)
    return CharlsonResult(
        categories=kept,
        quan2011=sum(cats[k].weight_2011 for k in kept),
        charlson1987=sum(cats[k].weight_1987 for k in kept),
        age_points=age_points(age),
    )


@dataclass(frozen=True)
class RecordedCondition:
    """What Charlson needs of a recorded condition: its codes, whether it is active, its dates."""

    icd10: str | None
    snomed: str | None
    active: bool = True
    onset: date | None = None
    abated: date | None = None


@cache
def _history() -> tuple[frozenset[str], dict[str, int]]:
    data = _load("charlson_history.json")
    return frozenset(data["history_counts"]), {k: int(v) for k, v in data["recent_years"].items()}


def counts_today(category: str, condition: RecordedCondition, today: date) -> bool:
    """Whether a condition of ``category`` counts today (see ``charlson_history.json``)."""
    if condition.active:
        return True
    always, recent = _history()
    if category in always:
        return True
    years = recent.get(category)
    since = condition.onset or condition.abated
    return years is not None and since is not None and since >= _years_before(today, years)


@lru_cache(maxsize=8)
def _years_before(today: date, years: int) -> date:
    """``today`` less whole years (29 February less one year is 28 February); a refresh asks
    for the same few for every condition it scores."""
    return today - relativedelta(years=years)


def charlson_from_conditions(
    conditions: Iterable[RecordedCondition], today: date, age: int | None = None
) -> CharlsonResult:
    """Score recorded conditions, active or not, as Charlson defines them on ``today``."""
    found = []
    for c in conditions:
        category = category_of(c.icd10, c.snomed)
        if category is not None and counts_today(category, c, today):
            found.append(category)
    return charlson(found, age)


def charlson_from_codes(
    codes: Iterable[tuple[str | None, str | None]], age: int | None = None
) -> CharlsonResult:
    """Score ``(icd10, snomed)`` pairs of active conditions."""
    found = (category_of(icd10, snomed) for icd10, snomed in codes)
    return charlson((c for c in found if c is not None), age)
