"""The shape of a care plan template: problems → goals → activities, texts per language,
education points, warning signs, the follow-up cadence and the tailoring rules.

Shipped templates are JSON files in ``data/`` (CONTRIBUTING.md#clinical-tables-are-data); clinic
templates are the same JSON stored in the vault. Both are validated here, so a broken file or
a bad edit is refused with the field named, never half-applied.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from careDesk.model.fields import NAMED_LOINC, CheckedLoinc, check_rrule, loinc_ok, looks_like_rrule
from careDesk.model.plan import ActivityKind, Owner

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{1,59}$")]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
FALLBACK = "en"


def _texts(value: dict[str, str]) -> dict[str, str]:
    if FALLBACK not in value:
        raise ValueError("give the English text (en)")
    for code in value:
        if not 2 <= len(code) <= 3 or not code.isalpha() or not code.islower():
            raise ValueError(f"{code!r} is not a language code such as en or es")
    return value


def _rrule(value: str | None) -> str | None:
    if value is None:
        return None
    if not looks_like_rrule(value):
        raise ValueError("give the schedule as an RFC 5545 RRULE (for example FREQ=DAILY)")
    check_rrule(value)
    return value


def _warning_group(value: str) -> str:
    from careDesk.handouts.warning_signs import catalog

    if value not in catalog().groups:
        choices = ", ".join(catalog().groups)
        raise ValueError(
            f"{value!r} is not a warning-sign group of the phrase library; name one of {choices} "
            "(templates name groups, never warning signs of their own)"
        )
    return value


Text = Annotated[dict[str, Words], AfterValidator(_texts)]
Rrule = Annotated[str | None, AfterValidator(_rrule)]
WarningGroup = Annotated[str, AfterValidator(_warning_group)]


class Spec(BaseModel):
    """Base of every part: unknown keys refused (a typo in a data file is an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ActivitySpec(Spec):
    """Who does what, when: ``schedule`` is an RRULE so the handout words it per language.

    A lab test carries its LOINC code (``test_code``), which applying the template stores on
    the activity so the duplicate-test check sees it. A template written before the field
    existed, whose description names exactly one code ("A1c test (LOINC 4548-4)"), gets that
    code; a description naming another code than ``test_code`` is refused.
    """

    kind: ActivityKind
    owner: Owner = Owner.PATIENT
    description: Words
    patient_words: Text | None = None
    schedule: Rrule = None
    due_days: int | None = Field(default=None, ge=0, le=730)
    resource_category: str | None = None  # bind a community resource of this category
    test_code: CheckedLoinc | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_from_description(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("test_code") is not None:
            return data
        named = NAMED_LOINC.findall(str(data.get("description") or ""))
        if data.get("kind") == ActivityKind.TEST and len(named) == 1 and loinc_ok(named[0]):
            return {**data, "test_code": named[0]}
        return data

    @model_validator(mode="after")
    def _code_fits(self) -> ActivitySpec:
        if self.test_code is None:
            return self
        if self.kind != ActivityKind.TEST:
            raise ValueError("only a test activity has a test_code")
        named = NAMED_LOINC.findall(self.description)
        if named and self.test_code not in named:
            raise ValueError("the description names another LOINC code than test_code")
        return self


class GoalSpec(Spec):
    """A goal with a measurable target, a typical time frame and the patient's words."""

    key: Key
    description: Words
    patient_words: Text
    measure: str | None = Field(default=None, max_length=100)
    target: str | None = Field(default=None, max_length=100)
    # The series the goal is measured by (issue 17): its target must then read as a rule.
    measure_loinc: CheckedLoinc | None = None
    weeks: int = Field(ge=1, le=104)
    activities: tuple[ActivitySpec, ...] = ()

    @model_validator(mode="after")
    def _target_reads(self) -> GoalSpec:
        if self.measure_loinc is not None:
            check_linked_target(self.measure_loinc, self.target)
        return self


def check_linked_target(measure_loinc: str, target: str | None) -> None:
    """A linked goal's target must read as a rule ("below 7%"): ValueError otherwise."""
    from careDesk.care.measures.links import target_for
    from careDesk.errors import ValidationFailed

    try:
        target_for(measure_loinc, target)
    except ValidationFailed as exc:
        raise ValueError(exc.reason) from None


class ProblemSpec(Spec):
    key: Key
    description: Words
    goals: tuple[GoalSpec, ...] = Field(min_length=1)


class FollowUpSpec(Spec):
    """A staff follow-up: first due ``start_days`` after applying; repeats by ``rrule``."""

    kind: Annotated[
        str, StringConstraints(pattern=r"^(call|visit|lab_check|medication_review|plan_review)$")
    ]
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    start_days: int = Field(ge=0, le=730)
    rrule: Rrule = None


class When(Spec):
    """When a tailoring rule applies: every given condition must hold.

    Ages are whole years on the day the template is applied; ``any_code`` lists ICD-10-CM
    prefixes (dot removed) or SNOMED CT codes of active conditions; ``min_other_chronic``
    counts distinct chronic illnesses other than the template's own condition and those
    ``other_than`` lists (ICD-10-CM prefixes or SNOMED CT codes: e.g. the condition's other
    forms and its complications, which are not "coexisting" illnesses).
    """

    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    any_code: tuple[str, ...] = ()
    min_other_chronic: int | None = Field(default=None, ge=0, le=50)
    other_than: tuple[str, ...] = ()


class GoalChange(Spec):
    goal: Key
    target: str | None = Field(default=None, max_length=100)
    patient_words: Text | None = None


class AddActivities(Spec):
    goal: Key
    activities: tuple[ActivitySpec, ...] = Field(min_length=1)


class RuleSpec(Spec):
    """A tailoring rule, shown to the coordinator with its source before applying.

    ``when_any`` holds alternatives (frail, or ≥ 65 with multimorbidity): one must hold.
    """

    key: Key
    rule: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    when_any: tuple[When, ...] = Field(min_length=1)
    set_goal: GoalChange | None = None
    add_activities: AddActivities | None = None


class ConditionMatch(Spec):
    """Which conditions a template is for (labels shown; codes used by suggestions)."""

    labels: tuple[Words, ...] = ()
    icd10: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()


class TemplateBody(Spec):
    """One care plan template."""

    id: Key
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    category: Annotated[
        str, StringConstraints(pattern=r"^(condition|older_adults|transition|social)$")
    ]
    conditions: ConditionMatch = ConditionMatch()
    sources: tuple[Annotated[str, StringConstraints(min_length=1, max_length=400)], ...] = Field(
        min_length=1
    )
    reviewed: str = ""
    problems: tuple[ProblemSpec, ...] = Field(min_length=1)
    education: tuple[Text, ...] = ()
    # Groups of resources/phrases/_warning_signs.json: one source of warning signs (issue 15).
    warning_signs: tuple[WarningGroup, ...] = ()
    follow_ups: tuple[FollowUpSpec, ...] = ()
    tailoring: tuple[RuleSpec | Key, ...] = ()  # a key names a shared rule

    def languages(self) -> list[str]:
        """The languages every patient-facing text of this template is written in."""
        texts = [g.patient_words for p in self.problems for g in p.goals]
        texts += [
            a.patient_words
            for p in self.problems
            for g in p.goals
            for a in g.activities
            if a.patient_words is not None
        ]
        texts += list(self.education)
        common = set.intersection(*(set(t) for t in texts)) if texts else {FALLBACK}
        return sorted(common, key=lambda c: (c != FALLBACK, c))


def text_in(text: dict[str, str] | None, language: str) -> str | None:
    """``text`` in ``language`` (its primary tag), else English."""
    if text is None:
        return None
    code = language.split("-")[0].lower()
    return text.get(code) or text[FALLBACK]
