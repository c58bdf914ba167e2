"""The plain content of a printed document: sections of paragraphs, lists and grids.

Content builders produce a :class:`HandoutContent` (already in the patient's language); the
renderer turns it into a PDF, and the app can preview it as text. Keeping the two apart lets
tests and the preview check what is said without parsing a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Para:
    """A paragraph of body text."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Subheading:
    """A small heading inside a section (e.g. one condition's warning signs)."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A list; ``checkbox`` prints an empty box before each item (teach-back), ``numbered``
    numbers the items (steps to follow in order)."""

    items: tuple[str, ...]
    checkbox: bool = False
    numbered: bool = False


@dataclass(frozen=True)
class Grid:
    """A table with a header row (the medicine calendar)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Spacer:
    """Extra white space between groups (e.g. between two appointments)."""


Block = Para | Subheading | Bullets | Grid | Spacer


@dataclass(frozen=True)
class Section:
    """A titled part of a document; ``key`` names it for tests and the preview."""

    key: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PageFrame:
    """What every page carries: clinic name, phone and logo; whose it is; date; page numbers."""

    clinic_name: str
    clinic_line: str  # e.g. "Phone: 555-0100" in the document's language
    person_line: str  # e.g. "For: Maria Lopez"
    date_line: str  # e.g. "Date: March 3, 2026"
    page_of: str  # e.g. "Page {page} of {pages}"
    logo: Path | None = None


@dataclass(frozen=True)
class HandoutContent:
    """One document, ready to render."""

    kind: str  # patient_handout, transition, letter, referral, recovery
    title: str
    language: str
    frame: PageFrame
    sections: tuple[Section, ...] = field(default_factory=tuple)
    large_print: bool = False

    def section(self, key: str) -> Section | None:
        """The section named ``key``, if the document has it."""
        return next((s for s in self.sections if s.key == key), None)

    def plain_text(self) -> str:
        """All the words, one block a line (for previews and readability checks)."""
        lines = [self.title]
        for section in self.sections:
            lines.append(section.heading)
            for block in section.blocks:
                lines.extend(_block_lines(block))
        return "\n".join(line for line in lines if line)


def _block_lines(block: Block) -> list[str]:
    if isinstance(block, Para | Subheading):
        return [block.text]
    if isinstance(block, Bullets):
        return list(block.items)
    if isinstance(block, Grid):
        return [" ".join(block.header), *(" ".join(row) for row in block.rows)]
    return []
