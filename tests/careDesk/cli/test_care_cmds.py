"""``caredesk worklist [--limit N] [--json]``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.clinical import Condition, Encounter
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.clinic_rows import patient, store
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def ids(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Three patients (one discharged) in a closed vault; the admin's password in the env."""
    now = utcnow()
    sick = patient("CLI-1", given_name="Rosa", family_name="Muñoz", birth_date=date(1945, 2, 1))
    well = patient("CLI-2", given_name="Văn", family_name="Nguyễn", status="candidate")
    gone = patient("CLI-3", status="discharged")
    store(
        desk,
        sick,
        well,
        gone,
        Condition(patient_id=sick.id, display="Heart failure", icd10="I50.9"),
        Encounter(patient_id=sick.id, kind="emergency", start=now - timedelta(days=20)),
        Encounter(patient_id=sick.id, kind="emergency", start=now - timedelta(days=50)),
        FollowUp(
            patient_id=sick.id, kind="call", title="Weight check", due_at=now - timedelta(days=1)
        ),
    )
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    return {"sick": sick.id, "well": well.id, "gone": gone.id}


def test_worklist_json_rows(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worklist", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [ids["sick"], ids["well"]]
    first = rows[0]
    assert set(first) == {
        "id",
        "name",
        "priority",
        "band",
        "charlson_quan2011",
        "charlson_1987",
        "charlson_age_adjusted",
        "lace",
        "lace_discharged",
        "phq9",
        "gad7",
        "reasons",
        "due",
    }
    assert (first["lace"], first["lace_discharged"]) == (None, None)  # never admitted
    assert first["name"] == "Muñoz, Rosa"
    assert (first["charlson_quan2011"], first["charlson_1987"]) == (2, 1)
    assert first["charlson_age_adjusted"] == 1 + 4
    assert first["reasons"][0] == "2 ED visits in 6 months"
    assert first["due"][0]["title"] == "Weight check" and first["due"][0]["overdue"] is True


def test_worklist_text_and_limit(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worklist", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "Muñoz, Rosa" in out and "Nguyễn" not in out
    assert "2 ED visits in 6 months" in out and "OVERDUE Weight check" in out


def test_worklist_bad_option_is_one_line(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worklist", "--band", "purple"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "band" in err


def test_worklist_quick_filter(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worklist", "--filter", "overdue", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [ids["sick"]]
    assert main(["worklist", "--filter", "someday"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "filter" in err
