"""``caredesk patients [--search TEXT] [--json]`` and ``caredesk patients show ID``."""

from __future__ import annotations

import json
from datetime import date

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def ids(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two patients in a closed vault, with the admin's password in the environment."""
    found = {}
    for mrn, given, family in (("P-1", "Văn", "Nguyễn"), ("P-2", "Rosa", "Muñoz")):
        patient = desk.patients.create(
            mrn=mrn, given_name=given, family_name=family, birth_date=date(1950, 3, 2)
        ).value
        found[mrn] = patient.id
    desk.clinical.add_condition(found["P-1"], display="Heart failure", icd10="I50.9")
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    return found


def test_patients_json_lists_everyone(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["patients", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["mrn"], r["name"]) for r in rows] == [("P-2", "Muñoz, Rosa"), ("P-1", "Nguyễn, Văn")]
    assert rows[0]["id"] == ids["P-2"] and rows[0]["birth_date"] == "1950-03-02"
    assert set(rows[0]) >= {"age", "phone", "status", "coordinator", "risk_band"}


def test_patients_search_ignores_accents(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["patients", "--search", "nguyen", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [ids["P-1"]]
    assert main(["patients", "--search", "munoz"]) == 0
    out = capsys.readouterr().out
    assert "Muñoz, Rosa" in out and "Nguyễn" not in out
    assert main(["patients", "--search", "zzz"]) == 0
    assert "No patients found." in capsys.readouterr().out


def test_patients_show_prints_the_chart_and_audits_it(
    ids: dict[str, str], vault_paths: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["patients", "show", ids["P-1"], "--json"]) == 0
    chart = json.loads(capsys.readouterr().out)
    assert chart["patient"]["mrn"] == "P-1"
    assert [c["icd10"] for c in chart["conditions"]] == ["I50.9"]
    assert main(["patients", "show", ids["P-1"]]) == 0
    assert "Heart failure [I50.9]" in capsys.readouterr().out
    with unlock(vault_paths, ADMIN, PASSWORD) as desk:
        actions = [e.action for e in desk.audit_events(patient_id=ids["P-1"])]
    assert actions.count("chart.open") == 2


def test_patients_show_lists_coordination_findings(
    ids: dict[str, str], vault_paths: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two active medicines with one ingredient (RxNorm: a combination product contains each
    # of its ingredients; metoprolol succinate and tartrate are salts of metoprolol).
    with unlock(vault_paths, ADMIN, PASSWORD) as desk:
        for name, dose, who in (
            ("Hydrochlorothiazide 12.5 MG / Lisinopril 10 MG Oral Tablet", None, "Dr. Adams"),
            ("Lisinopril 20 MG Oral Tablet", None, "Dr. Baker"),
            ("Metoprolol succinate ER", "0.05 g", "Dr. Adams"),
            ("metoprolol tartrate", "50 mg", "Dr. Adams"),
        ):
            desk.clinical.add_medication(ids["P-1"], name=name, dose=dose, prescriber=who)
    assert main(["patients", "show", ids["P-1"], "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["coordination"]
    assert sorted((f["kind"], f["first"]["kind"]) for f in findings) == [
        ("dose_conflict", "medication"),
        ("same_ingredient", "medication"),
    ]
    conflict = next(f for f in findings if f["kind"] == "dose_conflict")
    assert "lisinopril (10 mg against 20 mg)" in conflict["message"]
    assert main(["patients", "show", ids["P-2"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["coordination"] == []
    assert main(["patients", "show", ids["P-1"]]) == 0
    assert "Coordination: 2" in capsys.readouterr().out


def test_unknown_patient_is_one_clear_line(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["patients", "show", "no-such-id"]) == 1
    err = capsys.readouterr().err
    assert err == "caredesk: No patient with id no-such-id.\n"
