"""The repository carries its own test data, and no test reaches outside the checkout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tests.fixtures as fixtures
from tests.fixtures import SYNTHEA, FixtureMissing, synthea_file, synthea_files

REPO = Path(__file__).resolve().parents[1]


def test_the_twenty_synthea_bundles_ship_with_their_licence() -> None:
    files = synthea_files()
    assert len(files) == 20
    assert (SYNTHEA / "LICENSE").read_text("utf-8").startswith("Copyright 2018 Boston Children's")
    assert "Apache-2.0" in (SYNTHEA / "README.md").read_text("utf-8")
    for path in files:
        bundle = json.loads(path.read_text("utf-8"))
        assert bundle["resourceType"] == "Bundle", path.name
        assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"]), path.name


def test_a_missing_fixture_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fixtures, "SYNTHEA", tmp_path)
    with pytest.raises(FixtureMissing, match="holds 0 Synthea bundles, expected 20"):
        fixtures.synthea_files()
    with pytest.raises(FixtureMissing, match="is missing"):
        synthea_file("Nobody.json")


# A path built from the checkout's parent folder, or naming the old shared/ folder beside it.
OUTSIDE = re.compile(r"""parents\[\d+\]\.parent|\.\./shared|/\s*["']shared["']""")


@pytest.mark.parametrize("folder", ["tests", "benchmarks"])
def test_no_test_or_benchmark_reads_outside_the_repository(folder: str) -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted((REPO / folder).rglob("*.py"))
        if path.name != "test_fixtures.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []
