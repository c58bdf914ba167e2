"""Care plans: one active plan, problems → goals → activities, versions, review dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from careDesk.desk import Desk
from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def _plan_with_goal(desk: Desk, patient: Patient) -> tuple[str, str, str]:
    plan = desk.plans.ensure_active(patient.id, title="Diabetes plan").value
    problem = desk.plans.add_problem(plan.id, description="Type 2 diabetes, poorly controlled")
    goal = desk.plans.add_goal(
        problem.value.id,
        description="HbA1c below 8%",
        patient_words="I want my sugar under control so I can dance at my granddaughter's wedding",
        measure="A1c",
        target="below 8%",
        due_date=date(2027, 3, 1),
    )
    return plan.id, problem.value.id, goal.value.id


def test_one_active_plan_per_patient(desk: Desk, patient: Patient) -> None:
    first = desk.plans.ensure_active(patient.id, title="Heart plan", review_date="2027-01-15")
    again = desk.plans.ensure_active(patient.id, title="Another plan")
    assert again.value.id == first.value.id
    assert again.value.title == "Heart plan"
    assert first.changes.patient_ids == {patient.id}
    assert not again.changes  # nothing new was written
    assert desk.plans.active_plan(patient.id) == first.value


def test_whole_plan_tree_in_order(desk: Desk, patient: Patient) -> None:
    plan_id, problem_id, goal_id = _plan_with_goal(desk, patient)
    walk = desk.plans.add_activity(
        goal_id,
        kind="lifestyle",
        description="Walk 20 minutes",
        owner="patient",
        schedule="FREQ=DAILY",
    ).value
    pills = desk.plans.add_activity(
        goal_id,
        kind="medication",
        description="Metformin 500 mg with breakfast",
        owner="caregiver",
        owner_name="Daughter Maria",
        schedule="every morning",
    ).value
    desk.plans.add_progress(
        goal_id, value="8.9", note="First lab", noted_at=datetime(2026, 9, 1, tzinfo=UTC)
    )
    desk.plans.add_progress(goal_id, value="8.1", noted_at=datetime(2026, 12, 1, tzinfo=UTC))
    desk.plans.reorder_activities(goal_id, [pills.id, walk.id])

    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None and tree.id == plan_id
    goal = tree.problems[0].goals[0]
    assert goal.patient_words and "wedding" in goal.patient_words
    assert [p.value for p in goal.progress] == ["8.9", "8.1"]
    assert [a.description for a in goal.activities] == [
        "Metformin 500 mg with breakfast",
        "Walk 20 minutes",
    ]
    assert tree.problems[0].id == problem_id


def test_validation_names_the_field(desk: Desk, patient: Patient) -> None:
    plan_id, problem_id, goal_id = _plan_with_goal(desk, patient)
    cases = [
        (lambda: desk.plans.add_problem(plan_id, description="  "), "description"),
        (lambda: desk.plans.add_goal(problem_id, description="x", due_date="soon"), "due_date"),
        (lambda: desk.plans.add_goal(problem_id, description="x", status="great"), "status"),
        (lambda: desk.plans.add_activity(goal_id, kind="dance", description="x"), "kind"),
        (
            lambda: desk.plans.add_activity(
                goal_id, kind="test", description="A1c", schedule="FREQ=SOMETIMES"
            ),
            "schedule",
        ),
        (
            lambda: desk.plans.add_activity(
                goal_id, kind="education", description="x", owner="other"
            ),
            "owner_name",
        ),
        (lambda: desk.plans.add_progress(goal_id), "value"),
        (lambda: desk.plans.update_goal(goal_id, description=None), "description"),
        (lambda: desk.plans.update_plan(plan_id, colour="blue"), "colour"),
        (lambda: desk.plans.ensure_active(patient.id, language="Spanish!"), "language"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.field == field
    # nothing half-written: the tree still has only the goal made above, with no activities
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    assert [len(p.goals) for p in tree.problems] == [1]
    assert tree.problems[0].goals[0].activities == ()


def test_goal_achieved_and_activity_done_stamp_the_date(desk: Desk, patient: Patient) -> None:
    _, _, goal_id = _plan_with_goal(desk, patient)
    goal = desk.plans.update_goal(goal_id, status="achieved").value
    assert goal.achieved_on is not None
    act = desk.plans.add_activity(goal_id, kind="test", description="A1c test").value
    done = desk.plans.update_activity(act.id, status="done").value
    assert done.done_on is not None


def test_versions_keep_old_content_after_edits(desk: Desk, patient: Patient) -> None:
    plan_id, problem_id, goal_id = _plan_with_goal(desk, patient)
    saved = desk.plans.save_version(plan_id, note="Agreed with patient").value
    assert saved.number == 1
    desk.plans.update_goal(goal_id, target="below 7.5%")
    desk.plans.add_goal(problem_id, description="Check feet daily")
    second = desk.plans.save_version(plan_id).value

    assert second.number == 2
    assert desk.plans.active_plan(patient.id).version_no == 3  # type: ignore[union-attr]
    old = desk.plans.get_version(plan_id, 1)
    assert old.note == "Agreed with patient"
    assert [g.target for g in old.tree.problems[0].goals] == ["below 8%"]
    new = desk.plans.get_version(plan_id, 2)
    assert [g.target for g in new.tree.problems[0].goals] == ["below 7.5%", None]
    assert [v.number for v in desk.plans.versions(plan_id)] == [2, 1]
    with pytest.raises(NotFound):
        desk.plans.get_version(plan_id, 9)


def test_removed_parts_are_hidden_with_what_hangs_below(desk: Desk, patient: Patient) -> None:
    plan_id, problem_id, goal_id = _plan_with_goal(desk, patient)
    desk.plans.add_activity(goal_id, kind="education", description="Diabetes class")
    other = desk.plans.add_problem(plan_id, description="Lives alone").value
    desk.plans.remove_problem(problem_id)

    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None
    assert [p.description for p in tree.problems] == ["Lives alone"]
    with pytest.raises(NotFound):
        desk.plans.update_goal(goal_id, target="below 9%")
    with pytest.raises(ValidationFailed) as caught:
        desk.plans.reorder_problems(plan_id, [other.id, problem_id])
    assert caught.value.field == "order"


def test_changes_are_audited_by_field_name_only(desk: Desk, patient: Patient) -> None:
    _, _, goal_id = _plan_with_goal(desk, patient)
    desk.plans.update_goal(goal_id, target="below 7%", measure="HbA1c")
    details = audit_details(desk, patient.id, "goal.update")
    assert details == [{"fields": ["measure", "target"]}]
    assert "below 7%" not in str(desk.audit_events(patient_id=patient.id))
    assert audit_details(desk, patient.id, "goal.add")[0]["fields"]


def test_plans_due_for_review(desk: Desk) -> None:
    early = make_patient(desk, "A")
    late = make_patient(desk, "B")
    none = make_patient(desk, "C")
    desk.plans.ensure_active(early.id, review_date=date(2026, 1, 10))
    desk.plans.ensure_active(late.id, review_date=date(2026, 6, 1))
    desk.plans.ensure_active(none.id)
    due = desk.plans.due_for_review(date(2026, 2, 1))
    assert [p.patient_id for p in due] == [early.id]
    assert len(desk.plans.due_for_review(date(2026, 6, 1))) == 2


def test_read_only_user_may_read_but_not_change(desk: Desk, patient: Patient) -> None:
    plan_id, _, goal_id = _plan_with_goal(desk, patient)
    with read_only_desk(desk) as reader:
        assert reader.plans.plan_tree(patient.id) is not None
        with pytest.raises(PermissionDenied):
            reader.plans.update_goal(goal_id, target="below 9%")
        with pytest.raises(PermissionDenied):
            reader.plans.save_version(plan_id)
        with pytest.raises(PermissionDenied):
            reader.plans.ensure_active(patient.id)


def test_unknown_patient_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        desk.plans.ensure_active("no-such-patient")
