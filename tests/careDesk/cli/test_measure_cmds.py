"""``caredesk measures PATIENT [--json]`` and ``caredesk registry NAME [--json]``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.assessment import ScreenerResult
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition
from tests.careDesk.care.clinic_rows import patient, store
from tests.conftest import ADMIN, PASSWORD

NOW = utcnow()


@pytest.fixture
def mrn(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> str:
    """A depressed, diabetic patient with a linked A1c goal, in a closed vault."""
    p = patient("MC-1", given_name="Lupe", enrolled_on=(NOW - timedelta(days=100)).date())
    store(
        desk,
        p,
        Condition(patient_id=p.id, display="Depression", icd10="F32.1"),
        ScreenerResult(patient_id=p.id, instrument="phq9", loinc="44249-1", total=17,
                       taken_at=NOW - timedelta(days=90)),
        ScreenerResult(patient_id=p.id, instrument="phq9", loinc="44249-1", total=15,
                       taken_at=NOW - timedelta(days=3)),
    )  # fmt: skip
    plan = desk.plans.ensure_active(p.id).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    desk.plans.add_goal(problem.id, description="A1c", target="below 7%", measure_loinc="4548-4")
    desk.measures.record(
        p.id, kind="a1c", value=64, unit="mmol/mol", taken_at=NOW - timedelta(days=2)
    )
    desk.measures.record(
        p.id, kind="weight", value=90, unit="kg", taken_at=NOW - timedelta(days=400)
    )
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    return p.mrn


def test_measures_json_lists_each_series_with_its_target_and_status(
    mrn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["measures", mrn, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    series = {s["loinc"]: s for s in out["series"]}
    assert set(series) == {"4548-4", "29463-7", "44261-6"}
    a1c = series["4548-4"]
    assert {k for k in a1c} == {
        "loinc", "display", "unit", "target", "status", "latest", "look_back_days", "points",
    }  # fmt: skip
    assert (a1c["unit"], a1c["target"], a1c["status"]) == ("%", "below 7%", "not at goal yet")
    assert a1c["latest"]["text"] == "8.0 %" and a1c["latest"]["as_recorded"] == "8.0067 %"
    assert series["29463-7"]["status"] == "stale"
    assert [p["value"] for p in series["44261-6"]["points"]] == [17, 15]


def test_measures_text(mrn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", mrn]) == 0
    text = capsys.readouterr().out
    assert "A1c" in text and "8.0 %" in text and "STALE" in text


def test_registry_json(mrn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "depression", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["baseline"], row["latest"], row["weeks_in_care"], row["outcome"]) == (
        "17", "15", 12, "not improving",
    )  # fmt: skip
    assert row["change_percent"] == -12


def test_an_unknown_registry_is_a_usage_error(mrn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "asthma"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_an_unknown_patient_is_one_clear_line(mrn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", "NO-SUCH"]) == 1
    assert capsys.readouterr().err.count("\n") == 1
