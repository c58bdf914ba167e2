"""Tailoring: age bands and other conditions adjust a template, each rule shown with its source.

A rule holds when any of its ``when_any`` alternatives holds; an alternative holds when all of
its conditions do. Age is in whole years on the day of applying (a 65th birthday today counts
as 65). Other chronic conditions are counted as distinct illnesses (``illness.py``), leaving
out the template's own condition and what the rule's ``other_than`` lists (for diabetes: its
other forms and complications). Examples: ADA Standards of Care 2024 §13 relaxes the A1c target
to < 8% for older adults with complex/intermediate health (≥ 3 coexisting chronic illnesses, or
cognitive impairment) or frailty; CDC STEADI adds fall prevention at 65+.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from careDesk.care.templates.illness import count_illnesses, matches
from careDesk.care.templates.loader import resolve_rule
from careDesk.care.templates.schema import (
    ActivitySpec,
    GoalSpec,
    ProblemSpec,
    RuleSpec,
    TemplateBody,
    When,
)


@dataclass(frozen=True)
class PatientFacts:
    """What tailoring looks at: age on the day, and codes of active conditions."""

    age: int | None
    codes: tuple[tuple[str, str], ...] = ()  # (ICD-10 without dot, SNOMED) per active condition
    # Chronic conditions that count as coexisting illnesses: active chronic ones, and a past
    # myocardial infarction or stroke (ADA 2024 §13 lists both; Charlson counts their history).
    chronic_codes: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RuleShown:
    """A tailoring rule as the coordinator sees it: what it says, its source, whether it holds."""

    key: str
    rule: str
    source: str
    applies: bool


@dataclass(frozen=True)
class Tailored:
    """The template as it will be applied for this patient, and every rule with its verdict."""

    body: TemplateBody
    rules: tuple[RuleShown, ...]


def age_on(birth: date | None, day: date) -> int | None:
    """Whole years of age on ``day``."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def other_illnesses(when: When, body: TemplateBody, facts: PatientFacts) -> int:
    """Distinct chronic illnesses besides the template's condition and ``when.other_than``."""
    own = (*body.conditions.icd10, *body.conditions.snomed, *when.other_than)
    return count_illnesses(facts.chronic_codes, own)


def holds(when: When, body: TemplateBody, facts: PatientFacts) -> bool:
    """Whether every condition of one alternative holds for this patient."""
    if when.min_age is not None and (facts.age is None or facts.age < when.min_age):
        return False
    if when.max_age is not None and (facts.age is None or facts.age > when.max_age):
        return False
    if when.any_code and not any(matches(c, when.any_code) for c in facts.codes):
        return False
    return (
        when.min_other_chronic is None
        or other_illnesses(when, body, facts) >= when.min_other_chronic
    )


def _aimed_at(goal: GoalSpec, target: str, first: str) -> bool:
    return goal.key == (first if target == "first" else target)


def _change_goal(goal: GoalSpec, rule: RuleSpec, first: str) -> GoalSpec:
    update: dict[str, object] = {}
    change = rule.set_goal
    if change is not None and _aimed_at(goal, change.goal, first):
        if change.target is not None:
            update["target"] = change.target
        if change.patient_words is not None:
            update["patient_words"] = change.patient_words
    added = rule.add_activities
    if added is not None and _aimed_at(goal, added.goal, first):
        have = {a.description for a in goal.activities}
        extra = [a for a in added.activities if a.description not in have]
        update["activities"] = (*goal.activities, *extra)
    return goal.model_copy(update=update) if update else goal


def _apply_rule(body: TemplateBody, rule: RuleSpec) -> TemplateBody:
    first = body.problems[0].goals[0].key
    problems: list[ProblemSpec] = [
        p.model_copy(update={"goals": tuple(_change_goal(g, rule, first) for g in p.goals)})
        for p in body.problems
    ]
    return body.model_copy(update={"problems": tuple(problems)})


def tailor(body: TemplateBody, facts: PatientFacts) -> Tailored:
    """Apply every rule that holds; show every rule (held or not) with its source."""
    shown: list[RuleShown] = []
    result = body
    for item in body.tailoring:
        rule = resolve_rule(item, where=body.id)
        applies = any(holds(w, body, facts) for w in rule.when_any)
        shown.append(RuleShown(rule.key, rule.rule, rule.source, applies))
        if applies:
            result = _apply_rule(result, rule)
    return Tailored(result, tuple(shown))


def activities_of(body: TemplateBody) -> list[ActivitySpec]:
    """Every activity of a template, in order (for previews and tests)."""
    return [a for p in body.problems for g in p.goals for a in g.activities]
