"""The instrument registry: every ``*.json`` beside this module is one questionnaire.

Question text, answer options and their LOINC answer codes, item codes, the panel and total
codes, bands, positive-screen cut-offs (by sex where the source gives them), the story line a
result shows on, and the plan suggestion a positive screen proposes all live in the data files
(CONTRIBUTING.md#clinical-tables-are-data). Every consumer — scoring, the screener form, FHIR
import and export, the CSV guard, the chart's story, suggestions and the demo — reads this one
registry, so adding a questionnaire means adding its data file and its tests, nothing else.
Files are checked when first loaded (``loader.py``): a mistake names the file and the field.
Sources are cited inside each file and in docs/clinical-sources.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from careDesk.errors import ValidationFailed


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
class Skip:
    """The instrument's own skip rule: this item is not asked (and scores 0) when ``item`` was
    answered ``answer`` (e.g. AUDIT-C questions 2–3 after "Never" on question 1)."""

    item: str
    answer: int | str


@dataclass(frozen=True)
class Item:
    """One question. ``kind`` is ``scale`` (numeric), ``choice`` (one code) or ``multi``."""

    id: str
    loinc: str
    text: str
    kind: str
    options: tuple[Option, ...]
    scored: bool = True
    skip: Skip | None = None

    def option(self, key: int | str) -> Option | None:
        """The option an answer ``key`` names, or None."""
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Band:
    """A total range (inclusive both ends) and its name."""

    low: int
    high: int
    name: str


@dataclass(frozen=True)
class CutOff:
    """A positive screen at ``at_least``; ``sex`` is None for the cut-off used otherwise.
    ``why`` says which cut-off applied and why (set when cut-offs differ by sex)."""

    sex: str | None
    at_least: int
    why: str | None = None


@dataclass(frozen=True)
class Domain:
    """A social-needs domain: positive when any listed answer is given, or a sum is exceeded."""

    key: str
    label: str
    any_of: tuple[tuple[str, frozenset[str]], ...] = ()
    sum_items: tuple[str, ...] = ()
    sum_above: int | None = None
    template: str | None = None  # the shipped template a positive domain suggests
    rule: str | None = None  # the suggestion rule's name (decisions are remembered by it)


@dataclass(frozen=True)
class PrivateReview:
    """careDesk's own rule (not part of the published instrument): an answer to ``item`` above
    ``above`` opens a private review for staff, whatever the instrument's own scoring says.
    ``rule`` is the wording shown to staff, which says whose rule it is."""

    item: str
    above: int
    rule: str


@dataclass(frozen=True)
class FollowOn:
    """The plan suggestion a positive screen proposes: part of a shipped template.

    ``reason`` is filled with ``{short_name}``, ``{total}``, ``{band}``, ``{date}`` and
    ``{cut_off}``. ``unless_planned``: not proposed while the plan holds one of ``activities``
    not done or cancelled; ``unless_taken_since``: not proposed once that instrument was taken
    after this screen (a positive PHQ-2 is answered by a PHQ-9)."""

    rule: str
    template: str
    activities: tuple[str, ...]
    follow_ups: tuple[str, ...]
    title: str
    reason: str
    unless_planned: bool = False
    unless_taken_since: str | None = None


@dataclass(frozen=True)
class Instrument:
    """A questionnaire with its codes and scoring rules, as its data file says."""

    id: str
    short_name: str
    title: str
    source: str
    stem: str
    story: str
    loinc_panel: str
    loinc_total: str | None
    items: tuple[Item, ...]
    bands: tuple[Band, ...] = ()
    cut_offs: tuple[CutOff, ...] = ()
    urgent_item: str | None = None
    urgent_at: int | None = None
    domains: tuple[Domain, ...] = ()
    private_review: PrivateReview | None = None
    follow_on: FollowOn | None = None
    order: int = 0
    not_answers: tuple[str, ...] = ()  # codes sent in its forms that are not answers

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    @property
    def has_total(self) -> bool:
        """Scored by a total (PHQ-9, AUDIT-C…), not by domains (AHC-HRSN)."""
        return not self.domains

    @property
    def maximum(self) -> int:
        """The highest total the scored items allow (0 for a domain instrument)."""
        if not self.has_total:
            return 0
        return sum(max(int(o.key) for o in item.options) for item in self.scored_items)

    @property
    def minimum(self) -> int:
        """The lowest total the scored items allow (0 for a domain instrument)."""
        if not self.has_total:
            return 0
        return sum(min(int(o.key) for o in item.options) for item in self.scored_items)

    @property
    def positive_at(self) -> int | None:
        """The cut-off used when the patient's sex is not recorded (the lowest one)."""
        return self.cut_off(None).at_least if self.cut_offs else None

    @property
    def by_sex(self) -> bool:
        """Whether the positive cut-off depends on the patient's sex."""
        return any(c.sex is not None for c in self.cut_offs)

    def cut_off(self, sex: str | None) -> CutOff:
        """The cut-off for a patient of ``sex`` (female, male, other, unknown or None)."""
        general = next(c for c in self.cut_offs if c.sex is None)
        return next((c for c in self.cut_offs if c.sex is not None and c.sex == sex), general)

    def item(self, item_id: str) -> Item | None:
        """The question with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)

    def item_by_loinc(self, code: str) -> Item | None:
        """The question with this LOINC code, or None."""
        return next((item for item in self.items if item.loinc == code), None)

    def band(self, total: int) -> str | None:
        """The name of the band a total falls in, or None (an instrument without bands)."""
        return next((b.name for b in self.bands if b.low <= total <= b.high), None)


@dataclass(frozen=True)
class Registry:
    """Every shipped instrument, in display order, with lookups by id and by LOINC code."""

    instruments: tuple[Instrument, ...]

    def by_id(self, instrument_id: str) -> Instrument | None:
        return next((i for i in self.instruments if i.id == instrument_id), None)

    def by_code(self, code: str) -> Instrument | None:
        """The instrument whose panel or total LOINC code is ``code``."""
        return next((i for i in self.instruments if code in (i.loinc_panel, i.loinc_total)), None)


def _sources() -> list[Traversable]:
    """Folders holding instrument files (tests add one to prove a new file is enough)."""
    return [resources.files(__package__)]


def _files(folders: Iterable[Traversable]) -> list[Traversable]:
    return [
        entry
        for folder in folders
        for entry in folder.iterdir()
        if entry.name.endswith(".json") and not entry.name.startswith("_")
    ]


@cache
def registry() -> Registry:
    """The registry, loaded and checked once (:class:`ValidationFailed` names file and field)."""
    from careDesk.care.instruments.loader import load_all

    return load_all(_files(_sources()))


def instrument(instrument_id: str) -> Instrument:
    """The instrument with this id (``phq9``, ``audit_c``…); unknown ids are refused."""
    found = registry().by_id(instrument_id)
    if found is None:
        known = ", ".join(instrument_ids())
        raise ValidationFailed("instrument", f"unknown instrument; use one of {known}")
    return found


def all_instruments() -> list[Instrument]:
    """Every shipped instrument, in display order."""
    return list(registry().instruments)


def instrument_ids() -> list[str]:
    """The ids of every shipped instrument, in display order."""
    return [i.id for i in registry().instruments]


def short_name(instrument_id: str) -> str:
    """The instrument's short name ("PHQ-9"); an id this version does not know, as it is."""
    found = registry().by_id(instrument_id)
    return found.short_name if found else instrument_id


def by_loinc(code: str) -> Instrument | None:
    """The instrument whose panel or total LOINC code is ``code``, or None."""
    return registry().by_code(code)
