"""``caredesk templates [--json]`` and ``caredesk plan PATIENT --apply TEMPLATE``."""

from __future__ import annotations

import json
from datetime import date

import pytest

from careDesk.cli.main import main
from careDesk.desk import Desk
from careDesk.store.vault import unlock
from tests.careDesk.care.clinic_rows import patient, store
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture
def closed(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    """A vault with one patient (MRN TPL-1, aged over 65), closed; the admin's password in env."""
    store(desk, patient("TPL-1", birth_date=date(1940, 5, 1)))
    desk.close()
    monkeypatch.setenv("CAREDESK_PASSWORD", PASSWORD)
    monkeypatch.setenv("CAREDESK_USER", ADMIN)
    return desk


def test_templates_json(closed: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert len(rows) == 13
    assert rows["heart_failure"] == {
        "id": "heart_failure",
        "title": "Heart failure",
        "category": "condition",
        "conditions": ["Heart failure"],
        "languages": ["en", "es"],
        "shipped": True,
        "version": None,
        "based_on": None,
    }


def test_templates_table(closed: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    assert "social_food" in out and "en,es" in out and "Type 2 diabetes" in out


def test_plan_apply_by_mrn(closed: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "TPL-1", "--apply", "hypertension"]) == 0
    out = capsys.readouterr().out
    assert "Applied hypertension: 1 problem(s), 1 goal(s)" in out
    assert "rule applied: Age 65 or older" in out and "STEADI" in out
    desk = unlock(closed.paths, ADMIN, PASSWORD)
    try:
        [row] = desk.patients.search("TPL-1")
        tree = desk.plans.plan_tree(row.id)
        assert tree is not None and tree.problems[0].goals[0].target == "below 130/80"
        assert desk.audit_events(patient_id=row.id, action="plan.template.apply")
    finally:
        desk.close()


def test_plan_errors_are_one_line(closed: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "TPL-1", "--apply", "nope"]) == 1
    err = capsys.readouterr().err
    assert err == "caredesk: No care plan template with id nope.\n"
    assert main(["plan", "NOBODY", "--apply", "copd"]) == 1
    assert capsys.readouterr().err == "caredesk: No patient with id NOBODY.\n"
    assert main(["plan", "TPL-1"]) == 2
