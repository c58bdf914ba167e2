"""Shipped templates: one JSON file per template in ``data/``, validated and loaded once.

A file that does not fit :class:`TemplateBody` is refused with its file name and the field, so
a bad edit to the data never reaches a patient's plan.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from careDesk.care.templates.schema import RuleSpec, TemplateBody, check_linked_target
from careDesk.errors import ValidationFailed

DATA = Path(__file__).resolve().parent / "data"
SHARED_RULES = "_shared_rules.json"


def parse_body(data: Any, *, where: str) -> TemplateBody:
    """Validate template JSON data; the first problem names its field (and ``where``)."""
    try:
        return TemplateBody.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "template"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ValidationFailed(field, reason, where=where) from None


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationFailed("json", f"line {exc.lineno}: {exc.msg}", where=path.name) from None


@cache
def shared_rules() -> dict[str, RuleSpec]:
    """Tailoring rules that several templates name by key."""
    rows = _read(DATA / SHARED_RULES)["rules"]
    rules: dict[str, RuleSpec] = {}
    for row in rows:
        try:
            rule = RuleSpec.model_validate(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise ValidationFailed(field, str(first["msg"]), where=SHARED_RULES) from None
        rules[rule.key] = rule
    return rules


def check_rule_keys(body: TemplateBody, *, where: str) -> None:
    """Every named rule exists and every goal a rule changes is in the template."""
    goals = {g.key for p in body.problems for g in p.goals} | {"first"}
    linked = {g.key: g.measure_loinc for p in body.problems for g in p.goals if g.measure_loinc}
    for index, item in enumerate(body.tailoring):
        rule = resolve_rule(item, where=f"{where}: tailoring.{index}")
        for change in (rule.set_goal, rule.add_activities):
            if change is not None and change.goal not in goals:
                raise ValidationFailed(
                    f"tailoring.{index}.goal", f"no goal {change.goal!r}", where=where
                )
        change = rule.set_goal
        if change is not None and change.target is not None and change.goal in linked:
            try:
                check_linked_target(linked[change.goal], change.target)
            except ValueError as exc:
                raise ValidationFailed(f"tailoring.{index}.target", str(exc), where=where) from None


def resolve_rule(item: RuleSpec | str, *, where: str = "") -> RuleSpec:
    """A rule given inline, or the shared rule a key names."""
    if isinstance(item, RuleSpec):
        return item
    rule = shared_rules().get(item)
    if rule is None:
        raise ValidationFailed("tailoring", f"no shared rule {item!r}", where=where)
    return rule


@cache
def shipped() -> dict[str, TemplateBody]:
    """The shipped templates by id, in file-name order."""
    found: dict[str, TemplateBody] = {}
    for path in sorted(DATA.glob("*.json")):
        if path.name.startswith("_"):
            continue
        body = parse_body(_read(path), where=path.name)
        if body.id != path.stem:
            raise ValidationFailed("id", f"must be {path.stem!r} (the file name)", where=path.name)
        check_rule_keys(body, where=path.name)
        found[body.id] = body
    return found
