"""The clinic's own templates: copy, edit (versioned, audited), add, retire; shipped read-only."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from careDesk.care.templates import shipped
from careDesk.desk import Desk
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.security import AuditEvent
from tests.careDesk.care.support_records import make_patient


def _actions(desk: Desk) -> list[tuple[str, list[str]]]:
    with desk.reading() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == "plan_template")).all()
    return [(r.action, json.loads(r.detail)["fields"]) for r in rows]


def test_copy_edit_and_apply_a_clinic_version(desk: Desk) -> None:
    copy = desk.templates.copy("copd", title="COPD (our clinic)").value
    assert (copy.id, copy.version, copy.based_on, copy.shipped) == ("copd-clinic", 1, "copd", False)
    body = desk.templates.get(copy.id).model_dump(mode="json")
    body["problems"][0]["goals"][0]["patient_words"] = {"en": "Walk to church without stopping."}
    saved = desk.templates.save(copy.id, body, note="our words").value
    assert saved.version == 2 and saved.languages == ("en",)
    versions = desk.templates.versions(copy.id)
    assert [(v.number, v.note) for v in versions] == [(2, "our words"), (1, None)]
    listed = {t.id: t for t in desk.templates.catalog()}
    assert listed["copd-clinic"].title == "COPD (our clinic)" and "copd" in listed
    patient = make_patient(desk, language="es")
    desk.templates.apply(patient.id, copy.id)
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    assert tree.problems[0].goals[0].patient_words == "Walk to church without stopping."
    assert [a for a, _ in _actions(desk)] == ["template.copy", "template.edit"]
    assert (
        shipped()["copd"].problems[0].goals[0].patient_words["en"]
        != body["problems"][0]["goals"][0]["patient_words"]["en"]
    )


def test_shipped_templates_are_read_only(desk: Desk) -> None:
    body = shipped()["ckd"].model_dump(mode="json")
    with pytest.raises(ValidationFailed, match="read-only"):
        desk.templates.save("ckd", body)
    with pytest.raises(ValidationFailed):
        desk.templates.retire("ckd")


def test_add_a_new_template_and_refuse_a_taken_id(desk: Desk) -> None:
    body = shipped()["social_food"].model_dump(mode="json")
    body.update({"id": "asthma_kids", "title": "Asthma (children)", "category": "condition"})
    added = desk.templates.add(body).value
    assert added.id == "asthma_kids" and added.version == 1
    with pytest.raises(ValidationFailed, match="already exists"):
        desk.templates.add(body)
    body["id"] = "hypertension"
    with pytest.raises(ValidationFailed, match="already exists"):
        desk.templates.add(body)


def test_a_bad_edit_names_the_field_and_writes_nothing(desk: Desk) -> None:
    copy = desk.templates.copy("ckd").value
    body = desk.templates.get(copy.id).model_dump(mode="json")
    body["problems"][0]["goals"][0]["weeks"] = 0
    with pytest.raises(ValidationFailed) as err:
        desk.templates.save(copy.id, body)
    assert err.value.field == "problems.0.goals.0.weeks"
    body["problems"][0]["goals"][0]["weeks"] = 4
    body["tailoring"] = ["no_such_rule"]
    with pytest.raises(ValidationFailed, match="no shared rule"):
        desk.templates.save(copy.id, body)
    assert [v.number for v in desk.templates.versions(copy.id)] == [1]


def test_retired_templates_leave_the_list(desk: Desk) -> None:
    copy = desk.templates.copy("ckd").value
    desk.templates.retire(copy.id)
    assert copy.id not in {t.id for t in desk.templates.catalog()}
    with pytest.raises(NotFound):
        desk.templates.get(copy.id)
