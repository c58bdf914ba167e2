"""Screening instruments as data: each ``*.json`` beside this module is one questionnaire.

Question text, answer options, LOINC codes, bands and positive-screen rules live in the data
files (CONTRIBUTING.md#clinical-tables-are-data), so adding a translation or a questionnaire
never touches the scoring code. Sources are cited inside each file and in
docs/clinical-sources.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Option:
    """One answer choice: a numeric ``value`` (scored scales) or a ``code`` (choices)."""

    text: str
    value: int | None = None
    code: str | None = None
    answer_loinc: str | None = None

    @property
    def key(self) -> int | str:
        """What an answer carries for this option."""
        return self.value if self.value is not None else str(self.code)


@dataclass(frozen=True)
class Item:
    """One question. ``kind`` is ``scale`` (numeric), ``choice`` (one code) or ``multi``."""

    id: str
    loinc: str
    text: str
    kind: str
    options: tuple[Option, ...]
    scored: bool = True


@dataclass(frozen=True)
class Band:
    """A total range (inclusive both ends) and its name."""

    low: int
    high: int
    name: str


@dataclass(frozen=True)
class Domain:
    """A social-needs domain: positive when any listed answer is given, or a sum is exceeded."""

    key: str
    label: str
    any_of: tuple[tuple[str, frozenset[str]], ...] = ()
    sum_items: tuple[str, ...] = ()
    sum_above: int | None = None


@dataclass(frozen=True)
class PrivateReview:
    """careDesk's own rule (not part of the published instrument): an answer to ``item`` above
    ``above`` opens a private review for staff, whatever the instrument's own scoring says.
    ``rule`` is the wording shown to staff, which says whose rule it is."""

    item: str
    above: int
    rule: str


@dataclass(frozen=True)
class Instrument:
    """A questionnaire with its scoring rules."""

    id: str
    title: str
    source: str
    stem: str
    loinc_panel: str
    loinc_total: str | None
    items: tuple[Item, ...]
    bands: tuple[Band, ...] = ()
    positive_at: int | None = None
    urgent_item: str | None = None
    urgent_at: int | None = None
    domains: tuple[Domain, ...] = ()
    private_review: PrivateReview | None = None

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def item(self, item_id: str) -> Item | None:
        """The question with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)


INSTRUMENT_IDS = ("phq9", "phq2", "gad7", "ahc_hrsn")
SHORT_NAMES = {"phq9": "PHQ-9", "phq2": "PHQ-2", "gad7": "GAD-7", "ahc_hrsn": "AHC-HRSN"}


def _options(raw: list[dict[str, Any]]) -> tuple[Option, ...]:
    return tuple(
        Option(
            text=o["text"],
            value=o.get("value"),
            code=o.get("code"),
            answer_loinc=o.get("answer_loinc"),
        )
        for o in raw
    )


def _item(raw: dict[str, Any], shared: tuple[Option, ...], *, scored: bool) -> Item:
    options = _options(raw["options"]) if "options" in raw else shared
    kind = raw.get("kind", "scale")
    return Item(raw["id"], raw["loinc"], raw["text"], kind, options, scored)


def _domain(raw: dict[str, Any]) -> Domain:
    any_of = tuple((k, frozenset(v)) for k, v in raw.get("any_of", {}).items())
    total = raw.get("sum_above")
    return Domain(
        key=raw["domain"],
        label=raw["label"],
        any_of=any_of,
        sum_items=tuple(total["items"]) if total else (),
        sum_above=int(total["threshold"]) if total else None,
    )


def _private_review(raw: dict[str, Any] | None) -> PrivateReview | None:
    if raw is None:
        return None
    return PrivateReview(item=raw["item"], above=int(raw["above"]), rule=raw["rule"])


def _parse(data: dict[str, Any]) -> Instrument:
    shared = _options(data.get("options", []))
    items = [_item(i, shared, scored=True) for i in data["items"]]
    items += [_item(i, shared, scored=False) for i in data.get("unscored_items", [])]
    urgent = data.get("urgent_item") or {}
    review = _private_review(data.get("private_review"))
    if review is not None and review.item not in {i.id for i in items}:
        raise ValueError(f"{data['id']}: private_review names no question {review.item!r}")
    return Instrument(
        id=data["id"],
        title=data["title"],
        source=data["source"],
        stem=data.get("stem", ""),
        loinc_panel=data["loinc_panel"],
        loinc_total=data.get("loinc_total"),
        items=tuple(items),
        bands=tuple(Band(b["min"], b["max"], b["band"]) for b in data.get("bands", [])),
        positive_at=data.get("positive_at"),
        urgent_item=urgent.get("id"),
        urgent_at=urgent.get("at_least"),
        domains=tuple(_domain(d) for d in data.get("domains", [])),
        private_review=review,
    )


@cache
def instrument(instrument_id: str) -> Instrument:
    """The instrument with this id (``phq9``, ``phq2``, ``gad7``, ``ahc_hrsn``), loaded once."""
    from careDesk.errors import ValidationFailed

    if instrument_id not in INSTRUMENT_IDS:
        known = ", ".join(INSTRUMENT_IDS)
        raise ValidationFailed("instrument", f"unknown instrument; use one of {known}")
    text = resources.files(__package__).joinpath(f"{instrument_id}.json").read_text("utf-8")
    return _parse(json.loads(text))


def all_instruments() -> list[Instrument]:
    """Every shipped instrument, in a stable order."""
    return [instrument(i) for i in INSTRUMENT_IDS]
