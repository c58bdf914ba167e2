"""Helpers for instrument-registry tests: answers any instrument accepts, and a new instrument
added as nothing but a data file (to prove every consumer picks it up by itself)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pytest

from careDesk.care.instruments import Instrument, catalog, instrument, skipped
from careDesk.interop import csv_import

NEW_ID = "zz_scale"
NEW_STORY = "Test screening line"


def loinc_code(digits: str) -> str:
    """``digits`` with their LOINC mod-10 check digit (LOINC Users' Guide §12.3)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value // 10 + value % 10
    return f"{digits}-{(10 - total % 10) % 10}"


def new_instrument_data() -> dict[str, Any]:
    """A made-up three-question scale, written the way a real instrument's file is."""
    options = [{"value": v, "text": f"Answer {v}"} for v in range(4)]
    return {
        "id": NEW_ID,
        "short_name": "ZZ-3",
        "order": 99,
        "story": NEW_STORY,
        "title": "A made-up three-question scale (tests only)",
        "source": "Not a real instrument: it proves a new data file is all a screener needs.",
        "stem": "Over the last week:",
        "loinc_panel": loinc_code("99901"),
        "loinc_total": loinc_code("99902"),
        "options": options,
        "items": [
            {"id": f"zz_{n}", "loinc": loinc_code(f"9991{n}"), "text": f"Question {n}"}
            for n in (1, 2, 3)
        ],
        "bands": [{"min": 0, "max": 3, "band": "low"}, {"min": 4, "max": 9, "band": "high"}],
        "positive_at": 4,
    }


def high_answers(inst: Instrument) -> dict[str, Any]:
    """Answers every instrument accepts: the highest answer to each scale question (a positive
    screen), the first choice, and one check box of a several-answer question."""
    answers: dict[str, Any] = {}
    for item in inst.items:
        if skipped(item, answers) or not item.scored:
            continue
        if item.kind == "scale":
            answers[item.id] = max(int(o.key) for o in item.options)
        elif item.kind == "choice":
            answers[item.id] = item.options[0].key
        else:
            answers[item.id] = [str(item.options[-1].key)]
    return answers


def _clear() -> None:
    catalog.registry.cache_clear()
    csv_import._screener_header.cache_clear()


@pytest.fixture
def new_instrument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Instrument]:
    """The registry as it is once a new instrument's data file is dropped in beside the others
    (and nothing else changes)."""
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / f"{NEW_ID}.json").write_text(json.dumps(new_instrument_data()), encoding="utf-8")
    shipped = catalog._sources()

    def sources() -> list[Traversable]:
        return [*shipped, folder]

    monkeypatch.setattr(catalog, "_sources", sources)
    _clear()
    yield instrument(NEW_ID)
    monkeypatch.undo()
    _clear()
