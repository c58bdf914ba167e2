"""The hazard log (docs/safety/hazard-log.md) cannot drift from the code.

Every hazard has a cause, an effect, a rating before and after its controls on the DCB0129 risk
matrix, at least one control, and evidence: tests named ``tests/…/test_x.py::test_name`` that
exist in this repository. A renamed or deleted test fails here until the log is updated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "docs" / "safety" / "hazard-log.md"

SEVERITIES = ["Minor", "Significant", "Considerable", "Major", "Catastrophic"]
LIKELIHOODS = ["Very low", "Low", "Medium", "High", "Very high"]
# DCB0129 (NHS Digital, Clinical Risk Management: its Application in the Manufacture of Health IT
# Systems), risk matrix: rows likelihood (Very low … Very high), columns severity (Minor …
# Catastrophic); 1 acceptable … 5 unacceptable.
MATRIX = [
    [1, 1, 2, 2, 3],
    [1, 2, 2, 3, 4],
    [2, 2, 3, 3, 4],
    [2, 3, 3, 4, 5],
    [3, 4, 4, 5, 5],
]
RATING = re.compile(r"severity (?P<s>[A-Za-z ]+), likelihood (?P<l>[A-Za-z ]+), rating (?P<r>\d)")
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]]*\])?`")


@dataclass
class Hazard:
    hid: str
    title: str
    fields: dict[str, str]
    controls: list[str]
    evidence: list[tuple[str, str]]


def _hazards() -> list[Hazard]:
    text = LOG.read_text("utf-8")
    parts = re.split(r"^## (H-\d\d): (.+)$", text, flags=re.MULTILINE)
    hazards = []
    for hid, title, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        fields = dict(re.findall(r"^- \*\*(.+?):\*\*[ ]?(.*)$", body, flags=re.MULTILINE))
        controls_block = body.split("- **Controls:**", 1)[-1].split("- **After controls:**")[0]
        controls = re.findall(r"^\s+\d+\.\s+(.+)$", controls_block, flags=re.MULTILINE)
        evidence = NODE.findall(body.split("- **Evidence:**", 1)[-1])
        hazards.append(Hazard(hid, title.strip(), fields, controls, evidence))
    return hazards


def _rating(text: str) -> tuple[int, int, int]:
    found = RATING.search(text)
    assert found, f"no 'severity …, likelihood …, rating N' in {text!r}"
    s, lk = SEVERITIES.index(found["s"].strip()), LIKELIHOODS.index(found["l"].strip())
    return s, lk, int(found["r"])


def test_hazards_are_numbered_in_order_and_cover_the_required_ground() -> None:
    hazards = _hazards()
    assert [h.hid for h in hazards] == [f"H-{n:02d}" for n in range(1, len(hazards) + 1)]
    titles = " ".join(h.title.lower() for h in hazards)
    for topic in (
        "item 9",
        "medicine instruction",
        "wrong patient",
        "reminder",
        "sync",
        "risk score",
        "stale",
        "warning signs",
        "coordination",
        "message",
    ):
        assert topic in titles, topic


@pytest.mark.parametrize("hazard", _hazards(), ids=lambda h: h.hid)
def test_each_hazard_is_complete_and_rated_on_the_matrix(hazard: Hazard) -> None:
    for label in ("Cause", "Effect on the patient", "Before controls", "After controls"):
        assert hazard.fields.get(label, "").strip(), f"{hazard.hid}: no {label}"
    assert hazard.controls, f"{hazard.hid}: no control"
    before, after = (
        _rating(hazard.fields["Before controls"]),
        _rating(hazard.fields["After controls"]),
    )
    for s, lk, r in (before, after):
        assert MATRIX[lk][s] == r, f"{hazard.hid}: rating {r} is not the matrix's {MATRIX[lk][s]}"
    assert after[2] <= before[2], f"{hazard.hid}: controls made the risk worse"


@pytest.mark.parametrize("hazard", _hazards(), ids=lambda h: h.hid)
def test_every_control_has_evidence_that_exists(hazard: Hazard) -> None:
    assert hazard.evidence, f"{hazard.hid}: no evidence"
    for path, name in hazard.evidence:
        source = REPO / path
        assert source.is_file(), f"{hazard.hid}: {path} does not exist"
        defined = re.search(rf"^\s*(?:async )?def {name}\(", source.read_text("utf-8"), re.M)
        assert defined, f"{hazard.hid}: {path}::{name} does not exist"
