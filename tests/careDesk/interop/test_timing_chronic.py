"""FHIR Timing ↔ the Universal Medication Schedule, and the chronic-condition rule."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

from careDesk.interop.chronic import is_chronic
from careDesk.interop.timing import SLOTS, Schedule, from_repeat, to_timing


@pytest.mark.parametrize(
    ("repeat", "expected"),
    [
        ({"frequency": 1, "period": 1, "periodUnit": "d"}, Schedule("morning", 1)),
        ({"frequency": 2, "period": 1, "periodUnit": "d"}, Schedule("morning,evening", 2)),
        ({"frequency": 3, "period": 1, "periodUnit": "d"}, Schedule("morning,noon,evening", 3)),
        (
            {"frequency": 4, "period": 1, "periodUnit": "d"},
            Schedule("morning,noon,evening,bedtime", 4),
        ),
        ({"when": ["HS"]}, Schedule("bedtime")),
        (
            {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["NIGHT"]},
            Schedule("bedtime", 1),
        ),
        ({"frequency": 1, "period": 8, "periodUnit": "h"}, Schedule(every_hours=8)),
        ({"frequency": 6, "period": 1, "periodUnit": "d"}, Schedule(every_hours=4)),
        ({"frequency": 1, "period": 1, "periodUnit": "wk"}, Schedule(note="once every 1 weeks")),
        ({"frequency": 1, "period": 2, "periodUnit": "d"}, Schedule(note="once every 2 days")),
        ({}, Schedule()),
    ],
)
def test_timing_follows_the_universal_medication_schedule(
    repeat: dict[str, Any], expected: Schedule
) -> None:
    assert from_repeat(repeat) == expected


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_slot_choice_survives_export_and_import(count: int) -> None:
    for chosen in combinations(SLOTS, count):
        slots = ",".join(chosen)
        for times in (None, count):
            timing = to_timing(slots, times, None)
            assert timing is not None
            assert from_repeat(timing["repeat"]) == Schedule(slots, times)
    timing = to_timing("", None, 6)
    assert timing is not None and from_repeat(timing["repeat"]) == Schedule(every_hours=6)


@pytest.mark.parametrize(
    ("kwargs", "chronic"),
    [
        ({"snomed": "44054006", "display": "Diabetes mellitus type 2"}, True),
        ({"snomed": "230265002", "display": "Familial Alzheimer's disease of early onset"}, True),
        ({"icd10": "E11.9", "display": "Type 2 diabetes"}, True),
        ({"icd10": "J44.1", "display": "COPD with exacerbation"}, True),
        ({"snomed": "40055000", "display": "Chronic sinusitis (disorder)"}, True),
        ({"snomed": "10509002", "display": "Acute bronchitis (disorder)"}, False),
        ({"snomed": "444814009", "display": "Viral sinusitis (disorder)", "abated": True}, False),
        ({"snomed": "271737000", "display": "Anemia (disorder)"}, True),
        ({"snomed": "70704007", "display": "Sprain of wrist"}, False),
        ({"snomed": "44054006", "display": "Diabetes", "flagged": False}, False),
    ],
)
def test_chronic_rule(kwargs: dict[str, Any], chronic: bool) -> None:
    args: dict[str, Any] = {"snomed": None, "icd10": None, "abated": False, "status": "active"}
    assert is_chronic(**(args | kwargs)) is chronic
