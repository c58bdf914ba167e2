"""The demo data files, loaded once: names, conditions, medications, plans, clinic, resources.

Clinical tables are data, not code (CONTRIBUTING.md#clinical-tables-are-data): every list the
generator draws from lives in
``data/*.json`` beside this module, with its sources cited inside the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class MedGroup:
    """Take one of ``choices`` with probability ``p`` (drawn once per condition)."""

    p: float
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ConditionSpec:
    """A chronic condition the generator can give a patient, with its codes and medicines.

    ``prevalence`` is the share of US adults (or, with ``requires``/``requires_any``, the share
    of patients who already have the required condition).
    """

    key: str
    display: str
    icd10: str
    snomed: str
    prevalence: float
    meds: tuple[MedGroup, ...]
    plan: str | None = None
    specialty: str | None = None
    min_age: int = 18
    sex: str | None = None
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    replaces: str | None = None
    observations: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameSet:
    """Names written in one language, and how often its speakers need an interpreter."""

    language: str
    share: float
    interpreter_share: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    middle_female: tuple[str, ...] = ()
    middle_male: tuple[str, ...] = ()
    family_skew: float = 1.0


def _load(name: str) -> Any:
    path = resources.files("careDesk.care.demo") / "data" / name
    return json.loads(path.read_text(encoding="utf-8"))


def _condition(raw: dict[str, Any]) -> ConditionSpec:
    requires = raw.get("requires_any") or ([raw["requires"]] if raw.get("requires") else [])
    return ConditionSpec(
        key=raw["key"],
        display=raw["display"],
        icd10=raw["icd10"],
        snomed=raw["snomed"],
        prevalence=float(raw["prevalence"]),
        meds=tuple(MedGroup(float(g["p"]), tuple(g["one_of"])) for g in raw.get("meds", [])),
        plan=raw.get("plan"),
        specialty=raw.get("specialty"),
        min_age=int(raw.get("min_age", 18)),
        sex=raw.get("sex"),
        requires=tuple(requires),
        excludes=tuple(raw.get("excludes", [])),
        replaces=raw.get("replaces"),
        observations=tuple(raw.get("observations", [])),
    )


def _names(language: str, raw: dict[str, Any]) -> NameSet:
    return NameSet(
        language=language,
        share=float(raw["share"]),
        interpreter_share=float(raw["interpreter_share"]),
        female=tuple(raw["female"]),
        male=tuple(raw["male"]),
        family=tuple(raw["family"]),
        middle_female=tuple(raw.get("middle_female", [])),
        middle_male=tuple(raw.get("middle_male", [])),
        family_skew=float(raw.get("family_skew", 1.0)),
    )


@dataclass(frozen=True)
class Catalog:
    """Everything the generator draws from."""

    names: tuple[NameSet, ...]
    conditions: tuple[ConditionSpec, ...]
    age_factor: tuple[tuple[int, float], ...]
    medications: dict[str, dict[str, Any]]
    extra_medications: tuple[str, ...]
    plans: dict[str, dict[str, Any]]
    clinic: dict[str, Any]
    resources: tuple[dict[str, Any], ...]

    def names_for(self, language: str) -> NameSet:
        """The name set of ``language`` (English when the language has none)."""
        return next((n for n in self.names if n.language == language), self.names[0])

    def condition(self, key: str) -> ConditionSpec:
        """The condition with this key."""
        return next(c for c in self.conditions if c.key == key)


@cache
def catalog() -> Catalog:
    """The demo catalog (loaded once per process)."""
    names = _load("names.json")["languages"]
    conditions = _load("conditions.json")
    meds = _load("medications.json")
    return Catalog(
        names=tuple(_names(lang, raw) for lang, raw in names.items()),
        conditions=tuple(_condition(c) for c in conditions["conditions"]),
        age_factor=tuple(sorted((int(k), float(v)) for k, v in conditions["age_factor"].items())),
        medications=meds["medications"],
        extra_medications=tuple(meds["extras"]),
        plans=_load("plans.json")["plans"],
        clinic=_load("clinic.json"),
        resources=tuple(_load("resources.json")["resources"]),
    )
