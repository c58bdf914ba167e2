"""The phrase library: English and Spanish complete, every language well formed."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from careDesk.errors import ValidationFailed
from careDesk.handouts.phrases import _tree, available_languages, condition_groups, phrasebook
from careDesk.handouts.warning_signs import catalog


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if key.startswith("_") or key in ("language", "name", "abbreviations"):
            continue
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def fields(value: Any) -> set[str]:
    texts = value if isinstance(value, list) else [value]
    parsed = (string.Formatter().parse(t) for t in texts if isinstance(t, str))
    return {name for parts in parsed for _, name, _, _ in parts if name}


def test_languages_on_offer() -> None:
    assert available_languages() == {"en": "English", "es": "Español", "vi": "Tiếng Việt"}


def test_spanish_has_every_english_phrase() -> None:
    english, spanish = flatten(_tree("en")), flatten(_tree("es"))
    assert sorted(set(english) - set(spanish)) == []


@pytest.mark.parametrize("language", ["es", "vi"])
def test_translations_use_known_keys_and_the_same_placeholders(language: str) -> None:
    english, other = flatten(_tree("en")), flatten(_tree(language))
    assert sorted(set(other) - set(english)) == []
    allowed = {"month_number"}  # dates may use the month's number instead of its name
    for key, value in other.items():
        assert fields(value) - allowed <= fields(english[key]) | allowed, key
        if isinstance(english[key], list) and key.startswith("date."):
            assert len(value) == len(english[key]), key


def test_every_warning_group_has_english_signs_and_a_goal() -> None:
    book = phrasebook("en")
    for group in condition_groups():
        name = group["group"]
        listed = catalog().groups[name]
        assert book.text(f"warning.titles.{name}")
        assert listed.emergency and listed.clinic, name
        for sign in (*listed.emergency, *listed.clinic):
            assert book.text(f"warning.signs.{sign}")
        assert book.text(f"goal_fallback.{name}")
        assert all(re.fullmatch(r"[A-Z]\d\d(\.\w+)?", code) for code in group["icd10"])


def test_language_tags_and_unknown_languages() -> None:
    assert phrasebook("es-MX").language == "es"
    with pytest.raises(ValidationFailed, match="use en, es, vi"):
        phrasebook("fr")
