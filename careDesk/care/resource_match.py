"""Which directory resources answer a social need, best first (``need_resources.json``).

The picker for a resource referral lists the resources whose category answers the need first
(in the file's order of categories, then by name), then every other resource, so nothing is
hidden; crisis lines come last for any need but a crisis, so a food need never lands on the
988 line by default (988: the US Suicide & Crisis Lifeline, FCC 2020, 47 CFR 52.200).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol, TypeVar

from careDesk.errors import ValidationFailed
from careDesk.model.referral import CATEGORIES, NeedDomain

FILE = "need_resources.json"


class Listed(Protocol):
    """What ranking needs of a directory entry."""

    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def phone(self) -> str | None: ...


R = TypeVar("R", bound=Listed)


@dataclass(frozen=True)
class NeedMap:
    categories: dict[str, tuple[str, ...]]
    crisis_categories: frozenset[str]
    crisis_phones: frozenset[str]


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(where, "must be a list of category names", where=FILE)
    unknown = [v for v in value if v not in CATEGORIES and where != "crisis_lines.phones"]
    if unknown:
        raise ValidationFailed(where, f"{unknown[0]} is not a category", where=FILE)
    return tuple(value)


@cache
def need_map() -> NeedMap:
    """The mapping, loaded once and checked: every need has a row, every category exists."""
    data: Any = json.loads(resources.files("careDesk.care").joinpath(FILE).read_text("utf-8"))
    needs = data.get("needs")
    if not isinstance(needs, dict):
        raise ValidationFailed("needs", "must map needs to categories", where=FILE)
    missing = [n.value for n in NeedDomain if n.value not in needs]
    if missing:
        raise ValidationFailed("needs", f"{missing[0]} has no categories", where=FILE)
    lines = data.get("crisis_lines") or {}
    return NeedMap(
        {need: _words(cats, f"needs.{need}") for need, cats in needs.items()},
        frozenset(_words(lines.get("categories"), "crisis_lines.categories")),
        frozenset(_words(lines.get("phones"), "crisis_lines.phones")),
    )


def is_crisis_line(resource: Listed) -> bool:
    """Whether the resource is a crisis line (by its category or its service number)."""
    found = need_map()
    return resource.category in found.crisis_categories or (resource.phone or "") in (
        found.crisis_phones
    )


def rank_for_need(directory: list[R], need: str) -> list[R]:
    """``directory`` ordered for ``need``: resources answering it first (in the file's order of
    categories, then by name), then the rest; crisis lines last unless the need is a crisis,
    when they come first."""
    wanted = NeedDomain(need)
    order = need_map().categories[wanted.value]

    def key(r: R) -> tuple[int, int, str]:
        fit = order.index(r.category) if r.category in order else len(order)
        if wanted == NeedDomain.CRISIS:
            band = 0 if is_crisis_line(r) else (1 if r.category in order else 2)
        else:
            band = 2 if is_crisis_line(r) else (0 if r.category in order else 1)
        return (band, fit, r.name.casefold())

    return sorted(directory, key=key)


def answers(resource: Listed, need: str) -> bool:
    """Whether the resource's category answers ``need`` (and it is no stray crisis line)."""
    wanted = NeedDomain(need)
    if is_crisis_line(resource) and wanted != NeedDomain.CRISIS:
        return False
    return resource.category in need_map().categories[wanted.value]
