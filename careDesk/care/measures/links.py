"""Linking a goal to a measure: its target text is read into a rule and stored beside it.

Called wherever a goal is written — the plan verbs (``plan_rows.goal_rules``), applying a
template, FHIR import and the demo — so a linked goal always carries the rule its progress is
computed by, and an unlinked one carries none.
"""

from __future__ import annotations

from careDesk.care.measures.catalog import catalog, measure_of
from careDesk.care.measures.targets import Target, parse_target
from careDesk.errors import ValidationFailed
from careDesk.model.plan import Goal

FIELDS = ("target_rule", "target_value", "target_value2", "target_unit")


def target_for(measure_loinc: str | None, target: str | None) -> Target | None:
    """The target rule of a goal linked to ``measure_loinc`` (None when not linked).

    Only a measure careDesk knows by name can be linked (its unit and look-back are needed):
    ValidationFailed("measure_loinc", …) names the choices otherwise.
    """
    if measure_loinc is None:
        return None
    measure = measure_of(measure_loinc)
    if measure is None:
        names = ", ".join(f"{m.display} {m.loinc}" for m in catalog().measures)
        raise ValidationFailed(
            "measure_loinc", f"link one of the measures careDesk tracks: {names}"
        )
    return parse_target(target, measure)


def target_fields(measure_loinc: str | None, target: str | None) -> dict[str, object]:
    """The stored target columns for a goal's link (all None when not linked)."""
    rule = target_for(measure_loinc, target)
    if rule is None:
        return dict.fromkeys(FIELDS)
    return {
        "target_rule": rule.rule,
        "target_value": rule.value,
        "target_value2": rule.value2,
        "target_unit": rule.unit,
    }


def link_target(goal: Goal) -> list[str]:
    """Set the goal's target columns from its link and target text; the fields changed."""
    changed = []
    for name, value in target_fields(goal.measure_loinc, goal.target).items():
        if getattr(goal, name) != value:
            setattr(goal, name, value)
            changed.append(name)
    return changed
