"""Care plans: problems (from conditions and social needs) → goals in the patient's words →
activities with an owner and a schedule, plus progress notes on the goals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from careDesk.care.demo.context import Draft
from careDesk.care.measures.links import target_fields
from careDesk.model.plan import Activity, CarePlan, Goal, GoalProgress, Problem

MAX_MEDICAL_PROBLEMS = 3
MAX_SOCIAL_PROBLEMS = 2


def _problem_keys(draft: Draft) -> list[tuple[str, str | None]]:
    """(plan template key, condition key) pairs: the patient's top problems, no repeats."""
    picked: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    # Conditions with a specialist first: they are usually what brought the patient in.
    ordered = sorted(draft.conditions, key=lambda s: (s.specialty is None, s.prevalence))
    for spec in ordered:
        if spec.plan and spec.plan not in seen and len(picked) < MAX_MEDICAL_PROBLEMS:
            seen.add(spec.plan)
            picked.append((spec.plan, spec.key))
    for need in draft.social_needs[:MAX_SOCIAL_PROBLEMS]:
        picked.append((need, None))
    return picked


def care_plan(draft: Draft) -> None:
    """Queue a care plan for patients in (or once in) the program."""
    if not draft.engaged or (draft.status == "enrolled" and draft.chance(0.4)):
        return  # newly enrolled patients often have no plan yet
    clinic = draft.clinic
    plan_id = draft.new_id()
    finished = draft.status in ("discharged", "transitioned")
    # Review dates spread around today: some plan reviews are overdue.
    review = None if finished else clinic.day(int(draft.rng.uniform(-25, 90)))
    language = draft.language if draft.language in ("en", "es", "vi") else "en"
    draft.out.add(
        CarePlan,
        id=plan_id,
        patient_id=draft.id,
        title="My care plan",
        status="completed" if finished else "active",
        version_no=1,
        review_date=review,
        language=language,
    )
    for position, (key, condition) in enumerate(_problem_keys(draft)):
        template: dict[str, Any] = clinic.catalog.plans[key]
        problem_id = draft.new_id()
        draft.out.add(
            Problem,
            id=problem_id,
            plan_id=plan_id,
            patient_id=draft.id,
            description=template["problem"],
            condition_id=draft.condition_ids.get(condition) if condition else None,
            position=position,
        )
        _goal(draft, template, plan_id, problem_id, language, finished)


def _goal(
    draft: Draft,
    template: dict[str, Any],
    plan_id: str,
    problem_id: str,
    language: str,
    finished: bool,
) -> None:
    clinic, goal = draft.clinic, template["goal"]
    goal_id = draft.new_id()
    start = draft.enrolled_on or clinic.today
    linked = target_fields(goal.get("measure_loinc"), goal["target"])
    # A linked goal's progress is computed from its measure, never marked by chance.
    achieved = finished or (draft.chance(0.15) and not goal.get("measure_loinc"))
    draft.out.add(
        Goal,
        id=goal_id,
        problem_id=problem_id,
        plan_id=plan_id,
        patient_id=draft.id,
        description=goal["description"],
        patient_words=goal["words"][language],
        measure=goal["measure"],
        target=goal["target"],
        measure_loinc=goal.get("measure_loinc"),
        **linked,
        created_at=clinic.at(start, 11),  # set at enrolment: progress counts from then
        due_date=start + timedelta(days=180),
        status="achieved" if achieved else "active",
        achieved_on=clinic.day(-int(draft.rng.random() * 30)) if achieved else None,
    )
    for step in range(draft.count(1.2, 3)):
        draft.out.add(
            GoalProgress,
            id=draft.new_id(),
            goal_id=goal_id,
            patient_id=draft.id,
            noted_at=clinic.now - timedelta(days=5 + step * 30 + draft.rng.random() * 20),
            note=draft.pick(("Getting closer", "No change yet", "Doing well", "Had a hard week")),
        )
    for position, activity in enumerate(template["activities"]):
        _activity(draft, activity, plan_id, goal_id, position, finished)


def _activity(
    draft: Draft,
    activity: dict[str, Any],
    plan_id: str,
    goal_id: str,
    position: int,
    finished: bool,
) -> None:
    clinic = draft.clinic
    owner = activity["owner"]
    owner_name = draft.coordinator.name if owner == "coordinator" and draft.coordinator else None
    if owner == "clinician" and draft.pcp:
        owner_name = draft.pcp.name
    resources = clinic.resources.get(activity.get("resource") or "", [])
    done = finished or (activity["schedule"] == "once" and draft.chance(0.4))
    draft.out.add(
        Activity,
        id=draft.new_id(),
        goal_id=goal_id,
        plan_id=plan_id,
        patient_id=draft.id,
        kind=activity["kind"],
        description=activity["description"],
        owner=owner,
        owner_name=owner_name,
        schedule=activity["schedule"],
        due_date=None if done else clinic.day(int(draft.rng.uniform(-10, 60))),
        status="done" if done else draft.pick(("planned", "in_progress")),
        done_on=clinic.day(-int(draft.rng.random() * 40)) if done else None,
        test_code=activity.get("test_code"),
        resource_id=draft.pick(resources).id if resources else None,
        position=position,
    )
