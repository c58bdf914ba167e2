"""Plan lines in the handout's language: template words translated, staff words marked.

A template writes each patient-facing line in several languages ({"en": …, "es": …}); applying
it stores the line in the plan's language. A handout printed in another language must not print
that stored line: it looks the line up among every template's texts (shipped files and the
clinic's own versions in the vault) and prints the same line in the handout's language
(careDesk issue 15). A line that matches no template was typed by staff: it prints as written,
followed by a short note in the handout's language ("as written by your care team"); a template
line whose template has no text in the handout's language prints in English, marked the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from careDesk.handouts.phrases import FALLBACK, Phrasebook

TEMPLATE_DATA = Path(__file__).resolve().parents[1] / "care" / "templates" / "data"
# apply.py adds a community resource to a line: "<words> <resource name>: <phone>."
_RESOURCE_SUFFIX = re.compile(r"^(?P<words>.+?[.!?]) (?P<suffix>[^:.]+: [0-9 ()+\-.]+\.)$")


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _texts(node: Any) -> Iterator[dict[str, str]]:
    """Every {language: text} mapping in a template's JSON (goals, activities, rules)."""
    if isinstance(node, dict):
        if "en" in node and all(isinstance(v, str) and len(k) <= 3 for k, v in node.items()):
            yield {str(k): str(v) for k, v in node.items()}
            return
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


@dataclass(frozen=True)
class TemplateWords:
    """Every template line, findable by its text in any of its languages."""

    by_text: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, texts: Iterable[dict[str, str]]) -> TemplateWords:
        """A copy with these texts added."""
        merged = dict(self.by_text)
        for text in texts:
            for value in text.values():
                merged.setdefault(_key(value), text)
        return TemplateWords(merged)

    def lookup(self, text: str) -> tuple[dict[str, str], str] | None:
        """The template line ``text`` is (all its languages) and any resource suffix."""
        found = self.by_text.get(_key(text))
        if found is not None:
            return found, ""
        match = _RESOURCE_SUFFIX.match(text.strip())
        words = self.by_text.get(_key(match.group("words"))) if match else None
        if match is None or words is None:
            return None
        return words, f" {match.group('suffix')}"


@cache
def shipped_words() -> TemplateWords:
    """The lines of the shipped templates and shared tailoring rules."""
    texts: list[dict[str, str]] = []
    for path in sorted(TEMPLATE_DATA.glob("*.json")):
        texts += _texts(json.loads(path.read_text(encoding="utf-8")))
    return TemplateWords().add(texts)


def with_clinic_templates(bodies: Iterable[str]) -> TemplateWords:
    """Shipped lines plus those of the clinic's templates (every saved version's JSON)."""
    texts: list[dict[str, str]] = []
    for body in bodies:
        try:
            texts += _texts(json.loads(body))
        except json.JSONDecodeError:
            continue  # a body that is not JSON was refused when saved; nothing to look up
    return shipped_words().add(texts) if texts else shipped_words()


def plan_line(book: Phrasebook, words: TemplateWords, text: str) -> tuple[str, bool]:
    """(the line to print, whether to mark it "as written") for a stored plan line.

    A template line prints in the handout's language; if its template lacks that language, in
    English (the fallback of every partial translation, as for the phrase library), marked.
    Staff's own words print as written, marked.
    """
    found = words.lookup(text)
    if found is None:
        return text, True
    languages, suffix = found
    if book.language in languages:
        return languages[book.language] + suffix, False
    return languages[FALLBACK] + suffix, True


def mark_as_written(book: Phrasebook, line: str) -> str:
    """``line`` followed by "(As written by your care team.)" in the handout's language."""
    return f"{line} {book.text('plan.as_written')}"
