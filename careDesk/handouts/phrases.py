"""The plain-language phrase library: one JSON file per language in ``careDesk/resources/phrases``.

Every word a patient reads comes from these files (CONTRIBUTING.md#clinical-tables-are-data), so a
new language is a new file. A language may be partial: a phrase it lacks falls back to English,
which must be complete (a missing English phrase is a bug).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from careDesk.errors import ValidationFailed

# The data files the core reads (phrases, fonts) ship inside the package, so an installed wheel
# and the frozen app carry them like any other package data (issue 18).
RESOURCES: Traversable = resources.files("careDesk").joinpath("resources")
PHRASES: Traversable = RESOURCES.joinpath("phrases")
FALLBACK = "en"


def _lookup(tree: dict[str, Any], key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


@dataclass(frozen=True)
class Abbreviation:
    """A shorthand that must never reach a handout, and its plain words.

    ``find`` is the reviewed pattern as written in the phrase file; it only ever matches a
    whole word, with its case as written unless the row says ``any_case``.
    """

    find: str
    pattern: re.Pattern[str]
    plain: str


class Phrasebook:
    """The phrases of one language, with English behind it for anything missing."""

    def __init__(self, language: str, tree: dict[str, Any], fallback: Phrasebook | None) -> None:
        self.language = language
        self.name = str(tree.get("name", language))
        self._tree = tree
        self._fallback = fallback
        self.abbreviations = _abbreviations(tree.get("abbreviations") or [], language)
        if not self.abbreviations and fallback is not None:
            self.abbreviations = fallback.abbreviations

    def raw(self, key: str) -> Any:
        """The phrase (string, list or table) at a dotted key, from English if missing here."""
        value = _lookup(self._tree, key)
        if value is None and self._fallback is not None:
            return self._fallback.raw(key)
        if value is None:
            raise KeyError(f"phrase {key!r} is missing from {self.language}.json")
        return value

    def has(self, key: str) -> bool:
        """Whether this language or English has a phrase at ``key``."""
        try:
            self.raw(key)
        except KeyError:
            return False
        return True

    def text(self, key: str, **params: object) -> str:
        """The phrase at ``key`` with ``{name}`` placeholders filled in."""
        return str(self.raw(key)).format(**params)

    def items(self, key: str) -> list[str]:
        """A list of phrases (e.g. warning signs)."""
        return [str(item) for item in self.raw(key)]


ANY_CASE = "any_case"


def _abbreviations(rows: list[list[str]], language: str) -> list[Abbreviation]:
    """The reviewed expansions of a phrase file: ``[find, plain]`` or ``[find, plain, "any_case"]``.

    Case counts unless a row says ``any_case`` (so "SOB" is written out but "sob" is not, and
    "TAB" but not "tab" in "keep the tab"). Every pattern is bounded to whole words here, so a
    row can never rewrite part of a word. A malformed row is refused with the file named.
    """
    result = []
    for number, row in enumerate(rows):
        flag = row[2] if len(row) == 3 else None
        if len(row) not in (2, 3) or flag not in (None, ANY_CASE):
            raise ValidationFailed(
                f"abbreviations.{number}",
                f'give [find, plain] or [find, plain, "{ANY_CASE}"]',
                where=f"{language}.json",
            )
        flags = re.IGNORECASE if flag == ANY_CASE else 0
        pattern = re.compile(rf"(?<![\w.])(?:{row[0]})(?![\w])", flags)
        result.append(Abbreviation(row[0], pattern, row[1]))
    return result


@cache
def _tree(language: str) -> dict[str, Any]:
    text = PHRASES.joinpath(f"{language}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def available_languages() -> dict[str, str]:
    """Language code → its own name, for every phrase file (e.g. ``{"es": "Español"}``)."""
    codes = sorted(
        entry.name.removesuffix(".json")
        for entry in PHRASES.iterdir()
        if entry.name.endswith(".json") and not entry.name.startswith("_")
    )
    return {code: str(_tree(code).get("name", code)) for code in codes}


@cache
def phrasebook(language: str) -> Phrasebook:
    """The phrasebook for ``language`` (a BCP 47 tag; only its primary part counts)."""
    code = language.split("-")[0].split("_")[0].lower()
    if code not in available_languages():
        choices = ", ".join(available_languages())
        raise ValidationFailed("language", f"no handout phrases for {language!r}; use {choices}")
    fallback = None if code == FALLBACK else phrasebook(FALLBACK)
    return Phrasebook(code, _tree(code), fallback)


def supported(language: str | None) -> bool:
    """Whether handouts can be printed in ``language``."""
    if not language:
        return False
    return language.split("-")[0].split("_")[0].lower() in available_languages()


@cache
def condition_groups() -> list[dict[str, Any]]:
    """The warning-sign groups with their ICD-10 prefixes and SNOMED codes, in print order."""
    data = json.loads(PHRASES.joinpath("_conditions.json").read_text(encoding="utf-8"))
    groups: list[dict[str, Any]] = data["groups"]
    return groups
