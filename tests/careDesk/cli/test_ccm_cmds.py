"""``caredesk ccm``: CCM codes per patient-month (CPT 2024; CMS MLN909188), text and JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.base import Record
from careDesk.model.clinical import Condition
from careDesk.model.security import user_id
from careDesk.model.timeline import TimeEntry
from tests.careDesk.care.clinic_rows import patient, store
from tests.conftest import ADMIN, PASSWORD

DOCTOR_PASSWORD = "violet harbour compass lantern"


@pytest.fixture
def ids(desk: Desk, fast_kdf: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two consented patients in March 2026: 45 coordinator minutes and 18; a clinician."""
    desk.users.add("nurse", DOCTOR_PASSWORD, "coordinator")
    desk.users.add("doctor", DOCTOR_PASSWORD, "clinician")
    busy = patient("CCM-1", given_name="Rosa", family_name="Muñoz", consent_program=True)
    short = patient("CCM-2", given_name="Ana", family_name="Lopez", consent_program=True)
    rows: list[Record] = [busy, short]
    for p in (busy, short):
        rows += [
            Condition(patient_id=p.id, display="Type 2 diabetes", icd10="E11.9"),
            Condition(patient_id=p.id, display="COPD", icd10="J44.9"),
        ]
    store(desk, *rows)
    nurse = user_id("nurse")
    store(
        desk,
        TimeEntry(patient_id=busy.id, user_id=nurse, on_date=date(2026, 3, 2), minutes=45,
                  activity="call"),
        TimeEntry(patient_id=short.id, user_id=nurse, on_date=date(2026, 3, 9), minutes=18,
                  activity="call"),
    )  # fmt: skip
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    return {"busy": busy.id, "short": short.id}


def test_json_lists_codes_and_what_is_missing(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ccm", "--month", "2026-03", "--json"]) == 0
    rows = {r["patient_id"]: r for r in json.loads(capsys.readouterr().out)}
    busy, short = rows[ids["busy"]], rows[ids["short"]]
    assert [(c["code"], c["units"]) for c in busy["codes"]] == [("99490", 1), ("99439", 1)]
    assert busy["name"] == "Muñoz, Rosa" and busy["clinical_staff_minutes"] == 45
    assert short["codes"] == [] and "18 of 20 minutes" in short["missing"]


def test_text_says_why_and_other_months_are_empty(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ccm", "--from", "2026-03", "--to", "2026-03"]) == 0
    out = capsys.readouterr().out
    assert "99490, 99439" in out and "missing: 18 of 20 minutes" in out
    assert main(["ccm", "--month", "2026-05"]) == 0
    assert "No care-management minutes" in capsys.readouterr().out


def test_a_period_running_backwards_is_refused(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ccm", "--from", "2026-05", "--to", "2026-03"]) == 1
    assert capsys.readouterr().err == "caredesk: --to: must not be before --from\n"


@pytest.mark.parametrize("bad", ["2026-13", "March", "2026-03-01"])
def test_a_bad_month_is_one_clear_line(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    assert main(["ccm", "--month", bad]) == 1
    err = capsys.readouterr().err
    assert err.startswith("caredesk: --month: give a month as YYYY-MM") and err.count("\n") == 1


def test_decision_by_the_clinician_makes_the_month_complex_ready(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["ccm", "decision", ids["busy"], "high", "--on", "2026-03-05"]) == 1
    assert "may not record medical decision making" in capsys.readouterr().err  # the admin
    monkeypatch.setenv("CAREDESK_USER", "doctor")
    monkeypatch.setenv("CAREDESK_PASSWORD", DOCTOR_PASSWORD)
    assert main(["ccm", "decision", ids["busy"], "high", "--on", "2026-03-05"]) == 0
    assert "Recorded" in capsys.readouterr().out
    assert main(["ccm", "--month", "2026-03", "--patient", ids["busy"], "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["complex_decision_making"] is True
    assert (
        "complex CCM needs a plan set up or revised this month (save a plan version)"
        in (row["missing"])
    )
