"""The coordination tables are data: checked when loaded, consistent with each other, and a
plan made before templates carried test codes is still seen by the duplicate-test check."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from careDesk.care.coordination.tables import (
    INTERVALS_FILE,
    RULES_FILE,
    Intervals,
    MonitoringRules,
    intervals,
    monitoring_rules,
    parse_table,
)
from careDesk.care.medicines import components
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.clinical import Observation
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.care.test_coordination import activity, plan_for


def test_every_monitored_test_has_a_usual_interval() -> None:
    known = {t.loinc for t in intervals().tests}
    for rule in monitoring_rules().rules:
        assert set(rule.tests) <= known, rule.id  # else a repeat is never checked at all


def test_every_monitored_drug_is_written_as_a_base_ingredient() -> None:
    for rule in monitoring_rules().rules:
        for drug in rule.drugs:
            assert [c.ingredient for c in components(drug)] == [drug], (rule.id, drug)


def _rules() -> dict[str, Any]:
    return monitoring_rules().model_dump(mode="json")


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"tests": ["57698-4"]}, "rules.0.tests.0", "check digit"),
        ({"to_days": 10, "from_days": 20}, "rules.0", "to_days is before from_days"),
        ({"quote": None, "summary": None}, "rules.0", "quote"),
        ({"drugs": ["Atorvastatin"]}, "rules.0", "lower case"),
        ({"after": ["restart"]}, "rules.0.after.0", "start"),
        ({"extra": 1}, "rules.0.extra", "not a field that can be set here"),
    ],
)
def test_a_broken_monitoring_rule_is_refused_naming_its_field(
    change: dict[str, Any], field: str, reason: str
) -> None:
    data = _rules()
    data["rules"][0].update(change)
    with pytest.raises(ValidationFailed, match=reason) as caught:
        parse_table(data, MonitoringRules, where=RULES_FILE)
    assert caught.value.field == field and RULES_FILE in str(caught.value)


def test_a_mistyped_interval_code_is_refused() -> None:
    data = copy.deepcopy(intervals().model_dump(mode="json"))
    data["tests"][0]["loinc"] = "4548-3"
    with pytest.raises(ValidationFailed, match="check digit") as caught:
        parse_table(data, Intervals, where=INTERVALS_FILE)
    assert caught.value.field == "tests.0.loinc"


def test_a_plan_made_before_templates_carried_codes_is_still_checked(desk: Desk) -> None:
    # The CKD template's test before this release: one activity naming two LOINC codes.
    p = patient("L-1")
    store(desk, p)
    ids = plan_for(desk, p.id)
    old = activity(
        p.id,
        ids,
        "test",
        "eGFR (LOINC 33914-3) and urine albumin-to-creatinine ratio (LOINC 9318-7)",
        due_date=NOW.date() + timedelta(days=90),
    )
    uacr = Observation(
        patient_id=p.id,
        loinc="9318-7",
        display="Albumin/Creatinine [Mass Ratio] in Urine",
        value=40.0,
        effective=datetime.combine(NOW.date() - timedelta(days=30), time(9), tzinfo=UTC),
    )
    store(desk, old, uacr)
    (warning,) = desk.coordination.warnings(p.id, now=NOW)
    assert (warning.kind, warning.first.id, warning.second.id) == ("repeat_test", old.id, uacr.id)
    assert "365-day" in warning.message  # ADA Standards of Care 2024 §11: UACR yearly
