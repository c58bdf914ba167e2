"""The medicine calendar on the Universal Medication Schedule.

Patients see four times of day — morning, noon, evening, bedtime — the Universal Medication
Schedule (IOM 2008 / NCPDP 2013 white paper "Universal Medication Schedule"). When a medicine
has no explicit slots, times per day map by the convention in
docs/clinical-sources.md#medication-timing:
1 → morning; 2 → morning + evening; 3 → morning + noon + evening; 4 → all four. "Every N hours"
stays "every N hours" (it does not fit the four slots), and as-needed medicines (FHIR
``asNeededBoolean``) are listed apart with their rule, never in the grid.

The grid and the line under it say the amount the way the patient counts it ("1 tablet",
"2 puffs", "10 units"), with the strength in the medicine's name, in the same words
(:mod:`careDesk.handouts.amounts`, UMS: Wolf et al. 2011). Strengths keep "mg" as the pharmacy
label prints it: patients match the handout to the bottle, and "mg" is not on The Joint
Commission "Do Not Use" list. The English handout's reading grade is measured with it in the
text (tests/careDesk/handouts).
"""

from __future__ import annotations

from dataclasses import dataclass

from careDesk.handouts.amounts import amount
from careDesk.handouts.document import Block, Bullets, Grid, Para, Section, Spacer
from careDesk.handouts.phrases import Phrasebook
from careDesk.handouts.safe_words import Context
from careDesk.handouts.wording import plain, sentence
from careDesk.model.clinical import Medication

SLOTS = ("morning", "noon", "evening", "bedtime")
_BY_TIMES_PER_DAY = {
    1: ("morning",),
    2: ("morning", "evening"),
    3: ("morning", "noon", "evening"),
    4: SLOTS,
}


@dataclass(frozen=True)
class Timing:
    """When a medicine is taken, as a patient reads it."""

    slots: tuple[str, ...] = ()
    every_hours: int | None = None
    as_needed: bool = False


def timing(med: Medication) -> Timing:
    """The medicine's place on the Universal Medication Schedule (see the module docstring)."""
    if med.as_needed:
        return Timing(as_needed=True)
    named = {s.strip().lower() for s in (med.slots or "").split(",") if s.strip()}
    slots = tuple(s for s in SLOTS if s in named)
    if slots:
        return Timing(slots=slots)
    if med.every_hours:
        return Timing(every_hours=med.every_hours)
    if med.times_per_day in _BY_TIMES_PER_DAY:
        return Timing(slots=_BY_TIMES_PER_DAY[med.times_per_day])
    return Timing()


def _context(med: Medication) -> Context:
    return Context(medicine=True, ingredient=med.ingredient or "")


def medicine_name(book: Phrasebook, med: Medication) -> str:
    """The name as the patient knows it, shorthand written out, with the strength in it."""
    return amount(book, med).name


def _dose(book: Phrasebook, med: Medication) -> str:
    return amount(book, med).words


def _about(book: Phrasebook, med: Medication) -> list[str]:
    """Purpose, how much and any note: each a short sentence."""
    name = medicine_name(book, med)
    purpose = plain(book, med.purpose, field="medicine purpose", context=_context(med))
    lines = [
        book.text("medicine.purpose", name=name, purpose=purpose)
        if purpose
        else book.text("medicine.name_only", name=name)
    ]
    dose = _dose(book, med)
    if dose:
        lines.append(book.text("medicine.how_much", dose=dose))
    return lines


def _note(book: Phrasebook, med: Medication) -> list[str]:
    text = plain(book, med.instructions, field="medicine instructions", context=_context(med))
    return [book.text("medicine.note", text=sentence(text))] if text else []


def _grid(book: Phrasebook, meds: list[tuple[Medication, Timing]]) -> Grid:
    header = (book.text("medicine.column"), *(book.text(f"slot.{s}") for s in SLOTS))
    mark = book.text("medicine.mark")
    rows = []
    for med, when in meds:
        dose = _dose(book, med) or mark
        rows.append((medicine_name(book, med), *(dose if s in when.slots else "" for s in SLOTS)))
    return Grid(header=header, rows=tuple(rows))


def medicines_section(book: Phrasebook, medications: list[Medication]) -> Section | None:
    """ "My medicines": the calendar grid, then each medicine explained, then the others."""
    timed = [(m, timing(m)) for m in sorted(medications, key=lambda m: m.name.lower())]
    in_grid = [(m, t) for m, t in timed if t.slots]
    every = [(m, t) for m, t in timed if t.every_hours]
    needed = [m for m, t in timed if t.as_needed]
    untimed = [m for m, t in timed if t == Timing()]
    blocks: list[Block] = []
    if in_grid:
        blocks += [Para(book.text("medicine.grid_intro")), _grid(book, in_grid)]
        blocks += [Para(" ".join(_about(book, m) + _note(book, m))) for m, _ in in_grid]
    if every or untimed:
        blocks.append(Para(book.text("section.other_times"), bold=True))
        for med, when in every:
            hours = book.text("medicine.every_hours", hours=when.every_hours)
            blocks.append(Para(" ".join([*_about(book, med), hours, *_note(book, med)])))
        for med in untimed:
            ask = [] if med.instructions else [book.text("medicine.ask_when")]
            blocks.append(Para(" ".join([*_about(book, med), *_note(book, med), *ask])))
    if needed:
        blocks += [Spacer(), Para(book.text("section.when_needed"), bold=True)]
        blocks.append(Bullets(tuple(_as_needed_line(book, m) for m in needed)))
    if not blocks:
        return None
    return Section("medicines", book.text("section.medicines"), tuple(blocks))


def _as_needed_line(book: Phrasebook, med: Medication) -> str:
    reason = plain(book, med.as_needed_for, field="medicine reason", context=_context(med))
    rule = (
        book.text("medicine.when_needed_for", reason=reason)
        if reason
        else book.text("medicine.when_needed")
    )
    return " ".join([*_about(book, med), rule, *_note(book, med)])
