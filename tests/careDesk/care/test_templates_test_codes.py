"""Tests in plan templates carry their LOINC code, so the duplicate-test check sees them.

A1c is LOINC 4548-4, eGFR 33914-3 and the urine albumin-to-creatinine ratio 9318-7 (LOINC
2.77 part names; check digits by the mod-10 rule of the LOINC Users' Guide §12.3).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import select

from careDesk.care.templates import shipped
from careDesk.care.templates.loader import parse_body
from careDesk.care.templates.schema import ActivitySpec
from careDesk.care.verb_kit import local_today
from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.template import PlanTemplate
from tests.careDesk.care.support_records import make_patient

# An in-clinic examination (Timed Up and Go, orthostatic blood pressure), not a lab test.
NOT_LAB = {"Timed Up and Go test and orthostatic blood pressure"}


def test_every_shipped_lab_test_carries_its_loinc_code() -> None:
    tests = [
        a
        for body in shipped().values()
        for p in body.problems
        for g in p.goals
        for a in g.activities
        if a.kind == "test" and a.description not in NOT_LAB
    ]
    codes = {a.description: a.test_code for a in tests}
    assert codes == {
        "A1c test (LOINC 4548-4)": "4548-4",
        "eGFR (LOINC 33914-3)": "33914-3",
        "Urine albumin-to-creatinine ratio (LOINC 9318-7)": "9318-7",
    }


def _plan_activities(desk: Desk, patient_id: str) -> list[Any]:
    tree = desk.plans.plan_tree(patient_id)
    assert tree is not None
    return [a for p in tree.problems for g in p.goals for a in g.activities]


def test_applying_a_template_stores_the_test_code(desk: Desk) -> None:
    patient = make_patient(desk)
    desk.templates.apply(patient.id, "ckd")
    tests = {
        a.description: a.test_code for a in _plan_activities(desk, patient.id) if a.kind == "test"
    }
    assert tests == {
        "eGFR (LOINC 33914-3)": "33914-3",
        "Urine albumin-to-creatinine ratio (LOINC 9318-7)": "9318-7",
    }


def test_a_test_added_by_hand_repeats_the_templates(desk: Desk) -> None:
    patient = make_patient(desk)
    desk.templates.apply(patient.id, "diabetes_t2")
    from_template = next(a for a in _plan_activities(desk, patient.id) if a.test_code == "4548-4")
    by_hand = desk.plans.add_activity(
        from_template.goal_id, kind="test", description="Check A1c", test_code="4548-4"
    ).value
    (warning,) = desk.coordination.warnings(patient.id, now=utcnow())
    assert warning.kind == "repeat_test"
    assert {warning.first.id, warning.second.id} == {from_template.id, by_hand.id}
    assert "A1c test (LOINC 4548-4)" in warning.message and "Check A1c" in warning.message


def test_a_template_test_repeats_a_recent_result(desk: Desk) -> None:
    patient = make_patient(desk)
    today = local_today(utcnow())
    taken = datetime.combine(today - timedelta(days=30), time(9), tzinfo=UTC)
    desk.clinical.add_observation(
        patient.id, loinc="9318-7", display="Albumin/Creatinine [Mass Ratio] in Urine",
        value=45.0, unit="mg/g", effective=taken,
    )  # fmt: skip
    desk.templates.apply(patient.id, "ckd")
    (warning,) = desk.coordination.warnings(patient.id, now=utcnow())
    assert (warning.kind, warning.second.kind) == ("repeat_test", "observation")
    assert "Urine albumin-to-creatinine ratio (LOINC 9318-7)" in warning.message
    assert "365-day" in warning.message


def test_a_hand_added_test_with_a_mistyped_code_is_refused(desk: Desk) -> None:
    patient = make_patient(desk)
    desk.templates.apply(patient.id, "diabetes_t2")
    goal_id = _plan_activities(desk, patient.id)[0].goal_id
    with pytest.raises(ValidationFailed, match="check digit") as caught:
        desk.plans.add_activity(goal_id, kind="test", description="A1c", test_code="4548-5")
    assert caught.value.field == "test_code"


def _spec(**fields: Any) -> ActivitySpec:
    return ActivitySpec.model_validate({"owner": "clinician", **fields})


def test_an_older_template_gets_the_one_code_its_description_names() -> None:
    spec = _spec(kind="test", description="A1c test (LOINC 4548-4)")
    assert spec.test_code == "4548-4"
    assert (
        _spec(kind="test", description="eGFR (LOINC 33914-3) and UACR (LOINC 9318-7)").test_code
        is None
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"kind": "education", "description": "Diet", "test_code": "4548-4"}, "only a test"),
        ({"kind": "test", "description": "A1c", "test_code": "4548-5"}, "check digit"),
        ({"kind": "test", "description": "A1c (LOINC 4548-4)", "test_code": "2093-3"}, "another"),
    ],
)
def test_a_template_with_a_wrong_test_code_is_refused(fields: dict[str, Any], reason: str) -> None:
    body = shipped()["diabetes_t2"].model_dump(mode="json")
    body["problems"][0]["goals"][0]["activities"] = [fields]
    with pytest.raises(ValidationFailed, match=reason):
        parse_body(body, where="test")


def test_a_clinic_template_keeps_its_codes_and_stores_no_unset_field(desk: Desk) -> None:
    copy = desk.templates.copy("ckd").value
    again = desk.templates.get(copy.id)
    codes = [a.test_code for p in again.problems for g in p.goals for a in g.activities]
    assert [c for c in codes if c] == ["33914-3", "9318-7"]
    plain = desk.templates.copy("hypertension").value  # no lab test in it
    with desk.reading() as session:
        row = session.exec(select(PlanTemplate).where(PlanTemplate.template_key == plain.id)).one()
    # An older release's schema refuses unknown keys: a template without codes must not carry
    # the new key at all, so it still loads there.
    assert '"test_code"' not in row.body and "null" not in row.body
