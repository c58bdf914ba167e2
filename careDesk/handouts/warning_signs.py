"""Warning signs: one reviewed catalog, printed the same way wherever they appear.

Every warning sign a handout prints comes from ``careDesk/resources/phrases/_warning_signs.json``:
each sign has ONE action (call 911, or call the clinic) and the situations that trigger it,
written as facts; groups (one per condition or topic) list the signs they print and any steps to
take first (the AHA recheck of a very high blood pressure, the ADA 15-15 rule for low blood
sugar). The words are in each language file under ``warning``. Care plan templates name groups,
never signs of their own, so a template and the phrase library can no longer disagree (careDesk
issue 15).

Groups print for the patient's coded conditions (``_conditions.json``: ICD-10-CM prefixes and
SNOMED CT codes) and for the groups a template added to the plan (an activity
"Warning signs on the handout: <group>"). Sources are cited in the data file: AHA "Hypertensive
crisis: when you should call 911 for high blood pressure", ADA Standards of Care in Diabetes
2024 Section 6 and the ADA "Hypoglycemia" patient page, AHA, American Lung Association, NHLBI,
NIDDK, 988 Lifeline, CDC STEADI.

The catalog is checked when it loads, so a bad edit never prints (:func:`contradictions`): no
sign may tell the patient to call the clinic in a situation where another sign says call 911 —
if every fact of a 911 sign's situation is part of a clinic sign's situation, the clinic sign
contradicts it (e.g. "chest pain → 911" and "chest pain more often → clinic"). A clinic sign that
says "none of the signs above" must rule out exactly its group's 911 signs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from careDesk.errors import ValidationFailed
from careDesk.handouts.document import Block, Bullets, Para, Section, Subheading
from careDesk.handouts.phrases import PHRASES, Phrasebook, condition_groups
from careDesk.model.clinical import Condition
from careDesk.model.plan import Activity

CATALOG_FILE = "_warning_signs.json"
ACTIONS = ("emergency", "clinic")  # printed in this order: what to do first comes first
URGENCY = {"clinic": 1, "emergency": 2}
# A template puts its groups in the plan as an activity with this description (apply.py).
TEMPLATE_MARK = "Warning signs on the handout: "
# Plans made before issue 15 hold the template's own wording: never printed again.
OLD_TEMPLATE_MARK = "Warning sign: "


@dataclass(frozen=True)
class Sign:
    """One warning sign: its action and the situations (sets of facts) that trigger it."""

    key: str
    action: str
    when: tuple[frozenset[str], ...]
    unless: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Group:
    """What one condition or topic prints: steps first, then the 911 signs, then the clinic's."""

    key: str
    steps: tuple[str, ...]
    emergency: tuple[str, ...]
    clinic: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """Every sign and group, in print order."""

    signs: dict[str, Sign]
    groups: dict[str, Group]
    steps: dict[str, dict[str, Any]]


def contradictions(signs: Iterable[Sign]) -> list[str]:
    """Each pair where a clinic sign covers a situation another sign sends to 911."""
    listed = list(signs)
    found = []
    for urgent in listed:
        for calm in listed:
            if URGENCY[urgent.action] <= URGENCY[calm.action]:
                continue
            for situation in calm.when:
                if any(trigger <= situation for trigger in urgent.when):
                    facts = ", ".join(sorted(situation))
                    found.append(
                        f"{calm.key} says {calm.action} but {urgent.key} says "
                        f"{urgent.action} when {facts}"
                    )
    return found


def _sign(key: str, row: dict[str, Any]) -> Sign:
    action = row.get("action")
    when = row.get("when") or []
    if action not in ACTIONS or not when or not all(isinstance(w, list) and w for w in when):
        raise ValidationFailed(
            f"signs.{key}", "give an action (emergency or clinic) and when", where=CATALOG_FILE
        )
    unless = frozenset(row.get("unless") or [])
    situations = tuple(frozenset(w) for w in when)
    if any(situation & unless for situation in situations):
        raise ValidationFailed(f"signs.{key}", "unless contradicts when", where=CATALOG_FILE)
    return Sign(key, action, situations, unless)


def _group(key: str, row: dict[str, Any], catalog_signs: dict[str, Sign]) -> Group:
    group = Group(
        key,
        tuple(row.get("steps") or []),
        tuple(row.get("emergency") or []),
        tuple(row.get("clinic") or []),
    )
    for action in ACTIONS:
        for name in getattr(group, action):
            sign = catalog_signs.get(name)
            if sign is None or sign.action != action:
                raise ValidationFailed(
                    f"groups.{key}.{action}", f"{name!r} is not a {action} sign", where=CATALOG_FILE
                )
            _check_unless(group, sign, catalog_signs)
    return group


def _check_unless(group: Group, sign: Sign, signs: dict[str, Sign]) -> None:
    """ "None of the signs above" must name exactly the group's 911 signs' own facts."""
    if not sign.unless:
        return
    own = frozenset().union(*sign.when)
    above = frozenset().union(*(s for e in group.emergency for s in signs[e].when)) - own
    if above != sign.unless:
        raise ValidationFailed(
            f"signs.{sign.key}.unless",
            f"must be the 911 signs of group {group.key}: {', '.join(sorted(above))}",
            where=CATALOG_FILE,
        )


@cache
def catalog() -> Catalog:
    """The checked catalog (a contradiction or an unknown sign refuses the file)."""
    data = json.loads((PHRASES / CATALOG_FILE).read_text(encoding="utf-8"))
    signs = {key: _sign(key, row) for key, row in data["signs"].items()}
    groups = {key: _group(key, row, signs) for key, row in data["groups"].items()}
    steps: dict[str, dict[str, Any]] = data.get("steps") or {}
    for group in groups.values():
        for name in group.steps:
            if name not in steps:
                raise ValidationFailed(f"groups.{group.key}.steps", name, where=CATALOG_FILE)
    for coded in condition_groups():
        if coded["group"] not in groups:
            raise ValidationFailed("groups", f"no group {coded['group']!r}", where=CATALOG_FILE)
    found = contradictions(signs.values())
    if found:
        raise ValidationFailed("signs", found[0], where=CATALOG_FILE)
    return Catalog(signs, groups, steps)


def groups_for(condition: Condition) -> list[str]:
    """Every warning-sign group whose codes match this condition."""
    icd = (condition.icd10 or "").upper().strip()
    snomed = (condition.snomed or "").strip()
    found = []
    for group in condition_groups():
        by_icd = bool(icd) and any(icd.startswith(p) for p in group["icd10"])
        by_snomed = bool(snomed) and snomed in group["snomed"]
        if by_icd or by_snomed:
            found.append(str(group["group"]))
    return found


def template_groups(activities: Iterable[Activity]) -> list[str]:
    """The groups templates added to the plan (open activities "Warning signs on the handout")."""
    known = catalog().groups
    names = [a.description.removeprefix(TEMPLATE_MARK).strip() for a in activities]
    marked = [a.description.startswith(TEMPLATE_MARK) for a in activities]
    return [name for name, mark in zip(names, marked, strict=True) if mark and name in known]


def is_warning_activity(activity: Activity) -> bool:
    """Template warning signs in the plan: printed only in "Warning signs", from the catalog."""
    return activity.description.startswith((TEMPLATE_MARK, OLD_TEMPLATE_MARK))


def groups_present(conditions: Iterable[Condition], extra: Iterable[str] = ()) -> list[str]:
    """The groups of these conditions and ``extra`` groups, once each, in the catalog's order."""
    present = {g for c in conditions for g in groups_for(c)} | set(extra)
    return [key for key in catalog().groups if key in present]


def _group_blocks(book: Phrasebook, group: Group) -> list[Block]:
    blocks: list[Block] = [Subheading(book.text(f"warning.titles.{group.key}"))]
    for name in group.steps:
        blocks.append(Para(book.text(f"warning.steps.{name}.title"), bold=True))
        blocks.append(Bullets(tuple(book.items(f"warning.steps.{name}.items")), numbered=True))
    for action in ACTIONS:
        keys = getattr(group, action)
        if keys:
            heading = "warning.call_emergency" if action == "emergency" else "warning.call_clinic"
            blocks.append(Para(book.text(heading), bold=True))
            blocks.append(Bullets(tuple(book.text(f"warning.signs.{k}") for k in keys)))
    return blocks


def warning_section(
    book: Phrasebook, conditions: Iterable[Condition], extra: Iterable[str] = ()
) -> Section | None:
    """ "Warning signs" for each group present (None when there are none)."""
    blocks: list[Block] = []
    for key in groups_present(conditions, extra):
        blocks += _group_blocks(book, catalog().groups[key])
    if not blocks:
        return None
    return Section("warning_signs", book.text("section.warning_signs"), tuple(blocks))
