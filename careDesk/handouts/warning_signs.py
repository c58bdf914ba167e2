"""Warning signs by condition: when to call the clinic, when to call emergency services.

The condition → group table (ICD-10-CM prefixes and SNOMED CT codes, Synthea's included) is data
in ``resources/phrases/_conditions.json``; the signs themselves are phrases in each language file,
taken from the patient pages cited there (ADA, AHA, American Lung Association, NHLBI, NIDDK,
988 Lifeline). Only conditions in the patient's record print; unknown conditions print nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from careDesk.handouts.document import Block, Bullets, Para, Section, Subheading
from careDesk.handouts.phrases import Phrasebook, condition_groups
from careDesk.model.clinical import Condition


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


def groups_present(conditions: Iterable[Condition]) -> list[str]:
    """The groups of all these conditions, once each, in the library's order."""
    present = {g for c in conditions for g in groups_for(c)}
    return [str(g["group"]) for g in condition_groups() if g["group"] in present]


def warning_section(book: Phrasebook, conditions: Iterable[Condition]) -> Section | None:
    """ "Warning signs" for each known condition the patient has (None when there are none)."""
    blocks: list[Block] = []
    for group in groups_present(conditions):
        key = f"warning.groups.{group}"
        blocks.append(Subheading(book.text(f"{key}.title")))
        blocks.append(Para(book.text("warning.call_clinic"), bold=True))
        blocks.append(Bullets(tuple(book.items(f"{key}.clinic"))))
        blocks.append(Para(book.text("warning.call_emergency"), bold=True))
        blocks.append(Bullets(tuple(book.items(f"{key}.emergency"))))
    if not blocks:
        return None
    return Section("warning_signs", book.text("section.warning_signs"), tuple(blocks))
