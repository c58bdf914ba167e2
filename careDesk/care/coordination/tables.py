"""The coordination checks' tables, data not code (CONTRIBUTING.md#clinical-tables-are-data):
usual re-test and re-visit intervals (``intervals.json``) and the monitoring tests guidelines
call for after a medicine is started or changed (``monitoring_rules.json``, cited per rule).
Each is checked when first loaded: a broken file is refused with its name and the field, LOINC
codes with their check digit, so a typo cannot quietly switch a check off."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from careDesk.errors import ValidationFailed
from careDesk.model.fields import CheckedLoinc

INTERVALS_FILE = "intervals.json"
RULES_FILE = "monitoring_rules.json"
T = TypeVar("T", bound=BaseModel)


Loinc = CheckedLoinc
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TestInterval(_Row):
    """A lab test's usual interval; tests of one ``group`` measure the same thing."""

    loinc: Loinc
    name: Name
    days: int = Field(ge=1, le=3650)
    group: Name


class VisitInterval(_Row):
    """A kind of visit, recognised by a phrase, and its usual interval."""

    match: Name
    name: Name
    days: int = Field(ge=1, le=3650)


class Intervals(_Row):
    version: int = Field(ge=1)
    about: str
    tests: tuple[TestInterval, ...]
    visits: tuple[VisitInterval, ...]

    def test(self, loinc: str | None) -> TestInterval | None:
        """The interval row of a LOINC code, if the table has one."""
        return next((t for t in self.tests if t.loinc == loinc), None)


class MonitoringRule(_Row):
    """Tests due ``from_days``–``to_days`` after one of ``drugs`` is started or changed."""

    id: Name
    drugs: tuple[Name, ...] = Field(min_length=1)
    after: tuple[Literal["start", "dose_change"], ...] = Field(min_length=1)
    tests: tuple[Loinc, ...] = Field(min_length=1)
    from_days: int = Field(ge=0, le=730)
    to_days: int = Field(ge=0, le=730)
    source: Annotated[str, Field(min_length=10)]
    quote: str | None = None
    summary: str | None = None

    @model_validator(mode="after")
    def _sound(self) -> MonitoringRule:
        if self.to_days < self.from_days:
            raise ValueError("to_days is before from_days")
        if not (self.quote or self.summary):
            raise ValueError("give the source's words (quote) or what it says (summary)")
        if any(d != d.strip().lower() for d in self.drugs):
            raise ValueError("drugs are base ingredients in lower case")
        return self


class MonitoringRules(_Row):
    version: int = Field(ge=1)
    about: str
    rules: tuple[MonitoringRule, ...]


def parse_table(data: Any, model: type[T], *, where: str) -> T:
    """Validate a table's data; the first problem is refused naming ``where`` and its field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "file"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ValidationFailed(field, reason, where=where) from None


def _load(name: str, model: type[T]) -> T:
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed("json", f"line {exc.lineno}: {exc.msg}", where=name) from None
    return parse_table(data, model, where=name)


@cache
def intervals() -> Intervals:
    """Usual intervals by LOINC (tests) and by phrase (visits), loaded once."""
    return _load(INTERVALS_FILE, Intervals)


@cache
def monitoring_rules() -> MonitoringRules:
    """The monitoring rules, loaded once."""
    return _load(RULES_FILE, MonitoringRules)
