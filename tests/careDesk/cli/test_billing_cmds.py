"""``caredesk billing``: the month's minutes per patient and category, as text, JSON and CSV.

Thresholds: CPT 99490 "at least 20 minutes of clinical staff time … per calendar month" and
PCM 99426 "first 30 minutes of clinical staff time" (AMA CPT; CMS MLN909188)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.model.clinical import Condition
from careDesk.model.security import user_id
from careDesk.model.timeline import TimeEntry
from tests.careDesk.care.clinic_rows import patient, store
from tests.conftest import ADMIN, PASSWORD

NURSE_PASSWORD = "violet harbour compass lantern"


@pytest.fixture
def ids(desk: Desk, fast_kdf: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """One consenting patient: 17 CCM minutes and 30 PCM minutes in November 2026."""
    desk.users.add("nurse", NURSE_PASSWORD, "coordinator")
    p = patient("BIL-1", given_name="Rosa", family_name="Muñoz", consent_program=True)
    store(
        desk,
        p,
        Condition(patient_id=p.id, display="Type 2 diabetes", icd10="E11.9"),
        Condition(patient_id=p.id, display="COPD", icd10="J44.9"),
    )
    nurse = user_id("nurse")
    store(
        desk,
        TimeEntry(patient_id=p.id, user_id=nurse, on_date=date(2026, 11, 2), minutes=17,
                  activity="call", category="ccm"),
        TimeEntry(patient_id=p.id, user_id=nurse, on_date=date(2026, 11, 3), minutes=30,
                  activity="call", category="pcm"),
    )  # fmt: skip
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    return {"patient": p.id}


def test_json_lists_each_category_with_its_codes(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["billing", "--month", "2026-11", "--json"]) == 0
    rows = {r["category"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["ccm"]["minutes"] == 17 and rows["ccm"]["codes"] == []
    assert rows["ccm"]["next_threshold"] == {"code": "99490", "minutes": 20}
    assert rows["ccm"]["near_threshold"] is True
    assert [c["code"] for c in rows["pcm"]["codes"]] == ["99426"]


def test_text_marks_patients_near_a_threshold(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["billing", "--month", "2026-11", "--category", "ccm"]) == 0
    out = capsys.readouterr().out
    assert "Muñoz, Rosa" in out and "99490 at 20 (3 to go)  near" in out
    assert "pcm" not in out


def test_csv_is_written_and_reads_back(ids: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "nov.csv"
    assert main(["billing", "--month", "2026-11", "--csv", str(target)]) == 0
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["category"], r["minutes"], r["codes"]) for r in rows] == [
        ("ccm", "17", ""),
        ("pcm", "30", "99426"),
    ]


def test_a_bad_month_or_category_is_one_clear_line(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["billing", "--month", "November"]) != 0
    assert "--month" in capsys.readouterr().err
    assert main(["billing", "--month", "2026-11", "--category", "xyz"]) != 0
    assert "choose one of" in capsys.readouterr().err
