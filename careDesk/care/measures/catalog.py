"""The measure catalog (``measures.json``): series by name, look-backs, flags and registries.

Loaded once with ``importlib.resources`` and validated, so a bad edit of the data is refused
with the field named instead of reaching a patient. Every other part (the Measures tab, goal
progress, the risk engine, the registry, import, export, demo, handouts) reads it from here.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from careDesk.errors import ValidationFailed
from careDesk.model.fields import loinc_ok

FILE = "measures.json"


def _loinc(value: str) -> str:
    if not loinc_ok(value):
        raise ValueError("is not a LOINC code with a right check digit")
    return value


Code = Annotated[str, AfterValidator(_loinc)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Measure(_Spec):
    """A series careDesk knows by name (A1c, blood pressure…)."""

    key: str
    loinc: Code
    codes: tuple[Code, ...]
    components: dict[str, Code] = Field(default_factory=dict)  # BP: systolic, diastolic
    screener: str | None = None  # totals come from this instrument's results
    category: Literal["vital-signs", "laboratory", "survey"]  # FHIR observation-category
    display: str
    forms: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # hand-entry kind → units
    plausible: tuple[float, float]
    plausible2: tuple[float, float] | None = None
    unit: str
    decimals: int = Field(ge=0, le=3)
    better: Literal["lower", "higher"] | None
    lookback_days: int = Field(ge=1, le=3650)
    lookback_source: str
    min_change: float = Field(gt=0)
    min_change_source: str
    default_target: str | None = None
    default_target_source: str | None = None

    @property
    def is_pair(self) -> bool:
        """Two numbers per reading (blood pressure: systolic/diastolic)."""
        return bool(self.components)


class FlagRule(_Spec):
    """A flag raised from a measurement, with its reason template and source."""

    key: str
    title: str
    measure: str
    rule: Literal["at_or_above", "gain", "drop_percent", "rise"]
    value: float | None = None
    value2: float | None = None
    below: float | None = None
    day_lb: float | None = None
    week_lb: float | None = None
    baseline_days: int | None = None
    condition_template: str | None = None
    severity: Literal["urgent", "warning"]
    recent_days: int = Field(ge=1, le=365)
    reason: str
    source: str


class Uncontrolled(_Spec):
    """Values the risk engine reads as uncontrolled (priority points with a reason)."""

    a1c_above: float
    a1c_source: str
    bp_at_or_above: tuple[float, float]
    bp_source: str


class Outcomes(_Spec):
    """PHQ-9 (and GAD-7) treat-to-target outcome thresholds."""

    elevated_at: int
    response_drop_percent: float
    remission_below: float
    not_improving_weeks: int
    review_weeks: tuple[int, int]
    no_score_days: int
    follow_up_days: tuple[int, int]
    baseline_window_days: int
    source: str


class Conditions(_Spec):
    icd10: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()

    def match(self, icd10: str | None, snomed: str | None) -> bool:
        """Whether a coded condition is one of these (ICD-10 prefix without the dot)."""
        code = (icd10 or "").replace(".", "").upper()
        return bool(code and code.startswith(self.icd10)) or (snomed or "") in self.snomed


class Registry(_Spec):
    """A treat-to-target registry: who is in it (conditions or a linked goal), what it tracks."""

    key: str
    title: str
    measure: str
    kind: Literal["score", "target"]
    conditions: Conditions


class Catalog(_Spec):
    about: str
    measures: tuple[Measure, ...]
    flags: tuple[FlagRule, ...]
    uncontrolled: Uncontrolled
    outcomes: Outcomes
    registries: tuple[Registry, ...]

    def measure(self, key: str) -> Measure:
        """The measure named ``key`` (KeyError if there is none)."""
        for m in self.measures:
            if m.key == key:
                return m
        raise KeyError(key)

    def registry(self, key: str) -> Registry:
        """The registry named ``key``; ValidationFailed naming the choices otherwise."""
        for r in self.registries:
            if r.key == key:
                return r
        names = ", ".join(r.key for r in self.registries)
        raise ValidationFailed("registry", f"choose one of {names}")


def parse_catalog(data: Any, *, where: str = FILE) -> Catalog:
    """Validate catalog data; the first problem names its field and the file."""
    try:
        found = Catalog.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "catalog"
        raise ValidationFailed(field, str(first["msg"]), where=where) from None
    keys = {m.key for m in found.measures}
    for name, used in (("flags", found.flags), ("registries", found.registries)):
        for item in used:
            if item.measure not in keys:
                raise ValidationFailed(
                    f"{name}.{item.key}.measure", "names no measure", where=where
                )
    return found


@cache
def catalog() -> Catalog:
    """The shipped catalog, loaded once."""
    text = resources.files("careDesk.care.measures").joinpath(FILE).read_text("utf-8")
    return parse_catalog(json.loads(text))


@cache
def by_key() -> dict[str, Measure]:
    """The named measures by key."""
    return {m.key: m for m in catalog().measures}


@cache
def by_code() -> dict[str, Measure]:
    """Every LOINC code a named measure answers to (panel, its codes and components)."""
    found: dict[str, Measure] = {}
    for m in catalog().measures:
        for code in (*m.codes, *m.components.values()):
            found[code] = m
    return found


def measure_of(code: str | None) -> Measure | None:
    """The named measure a LOINC code belongs to, if any."""
    return by_code().get(code or "")
