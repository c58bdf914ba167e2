"""FHIR CarePlan, Goal and Appointment → care plans, goals, activities and appointments.

careDesk plans are problems → goals → activities. A CarePlan gives the plan, one problem per
condition it addresses (or one named after the plan), and its activities (kept when the plan has
a goal to hang them on). A Goal joins the plan that lists it, else the patient's "Imported goals"
plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from careDesk.care.measures.catalog import measure_of
from careDesk.care.measures.links import FIELDS, target_fields
from careDesk.errors import ValidationFailed
from careDesk.interop.fhir_context import ImportContext
from careDesk.interop.fhir_read import Entry
from careDesk.interop.fhir_values import (
    LOINC,
    Place,
    code_in,
    codings,
    extension,
    fhir_date,
    fhir_datetime,
    items,
    label,
    obj,
    ref_keys,
    reference,
    text,
)
from careDesk.model.plan import Activity, CarePlan, Goal, Problem
from careDesk.model.schedule import Appointment

PLAN_STATUS = {"active": "active", "draft": "draft", "completed": "completed"}
ACTIVITY_STATUS = {
    "scheduled": "planned",
    "not-started": "planned",
    "in-progress": "in_progress",
    "completed": "done",
    "cancelled": "cancelled",
    "stopped": "cancelled",
}


APPOINTMENT_STATUS = {
    "booked": "scheduled",
    "pending": "scheduled",
    "proposed": "scheduled",
    "fulfilled": "completed",
    "noshow": "missed",
    "cancelled": "cancelled",
}


@dataclass
class PlanHome:
    """Where goals of a plan go, and the activities waiting for a goal."""

    plan_id: str
    problem_id: str
    goal_refs: list[str] = field(default_factory=list)
    activities: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def map_care_plan(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A CarePlan → a plan with problems; its goals and activities follow once goals exist."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    categories = [
        label(c, place, "category", 200) for c in items(res.get("category"), place, "category")
    ]
    title = (
        text(res.get("title"), place, "title", 200, clip=True)
        or next((c for c in categories if c), None)
        or "Care plan"
    )
    values = {
        "title": title,
        "status": PLAN_STATUS.get(str(res.get("status")), "completed"),
        "review_date": fhir_date(
            extension(res, "reviewDate", place), place, "extension reviewDate"
        ),
        "language": (text(res.get("language"), place, "language", 35) or "en")
        .split("-")[0]
        .lower()[:10],
    }
    plan = ctx.upsert_linked(CarePlan, entry, patient_id, values)
    problems: list[str] = []
    for i, ref in enumerate(items(res.get("addresses"), place, "addresses")):
        condition_id = ctx.resolve(ref, place, f"addresses[{i}]")
        name = ctx.label(ref, place, f"addresses[{i}]") or title
        problem_values = {
            "plan_id": plan.id,
            "description": name[:300],
            "condition_id": condition_id,
            "position": i,
        }
        problem = ctx.upsert_linked(
            Problem,
            entry,
            patient_id,
            problem_values,
            part=f"problem{i}",
            natural=("plan_id", "description"),
        )
        problems.append(problem.id)
    if not problems:
        problem = ctx.upsert_linked(
            Problem,
            entry,
            patient_id,
            {"plan_id": plan.id, "description": title},
            part="problem",
            natural=("plan_id", "description"),
        )
        problems.append(problem.id)
    ctx.plan_problems[plan.id] = problems
    home = PlanHome(plan.id, problems[0])
    for i, ref in enumerate(items(res.get("goal"), place, "goal")):
        key = reference(ref, place, f"goal[{i}]")
        if key:
            home.goal_refs.extend(ref_keys(key))
            for k in ref_keys(key):
                ctx.goal_homes[k] = (home.plan_id, home.problem_id)
    for i, act in enumerate(items(res.get("activity"), place, "activity")):
        home.activities.append((i, obj(act, place, f"activity[{i}]")))
    ctx.finally_.append(lambda: _activities(ctx, entry, place, patient_id, home))


def _activities(
    ctx: ImportContext, entry: Entry, place: Place, patient_id: str, home: PlanHome
) -> None:
    goal_id = next((ctx.refs[k] for k in home.goal_refs if k in ctx.refs), None)
    if goal_id is None:
        if home.activities:
            ctx.report.skipped["CarePlan.activity (no goal)"] += len(home.activities)
        return
    for i, act in home.activities:
        detail = obj(act.get("detail"), place, f"activity[{i}].detail")
        words = label(detail.get("code"), place, f"activity[{i}].detail.code", 300) or text(
            detail.get("description"), place, f"activity[{i}].detail.description", 300, clip=True
        )
        if not words:
            continue
        values = {
            "goal_id": goal_id,
            "plan_id": home.plan_id,
            "kind": text(extension(detail, "kind", place), place, "extension kind", 30)
            or "check_in",
            "description": words,
            "status": ACTIVITY_STATUS.get(str(detail.get("status")), "planned"),
            "position": i,
        }
        ctx.upsert_linked(
            Activity,
            entry,
            patient_id,
            values,
            part=f"activity{i}",
            natural=("plan_id", "description"),
        )


def _goal_status(res: dict[str, Any], place: Place) -> str:
    achievement = next(
        (c.get("code") for c in codings(res.get("achievementStatus"), place, "achievementStatus")),
        None,
    )
    lifecycle = res.get("lifecycleStatus")
    if lifecycle in ("cancelled", "rejected", "entered-in-error"):
        return "cancelled"
    if achievement in ("achieved", "sustaining"):
        return "achieved"
    if achievement in ("not-achieved", "not-attainable"):
        return "not_achieved"
    if lifecycle == "completed":
        return "achieved"
    return "active"


def map_goal(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """A Goal: description, target (measure, detail, due date), status, the patient's words."""
    res = entry.resource
    patient_id = ctx.patient_id(res, place, "subject")
    description = label(res.get("description"), place, "description", 300)
    if not description:
        raise place.reject("description", "is missing")
    home = None
    for key in [entry.source_id, *(ref_keys(entry.full_url) if entry.full_url else [])]:
        home = home or ctx.goal_homes.get(key)
    if home is None:
        home = _imported_goals_plan(ctx, entry, patient_id)
    targets = items(res.get("target"), place, "target")
    target = obj(targets[0], place, "target[0]") if targets else {}
    detail = text(target.get("detailString"), place, "target[0].detailString", 100, clip=True)
    qty = obj(target.get("detailQuantity"), place, "target[0].detailQuantity")
    if detail is None and qty.get("value") is not None:
        detail = f"{qty['value']} {qty.get('unit') or ''}".strip()[:100]
    status = _goal_status(res, place)
    problem_id = home[1]
    index = extension(res, "problemIndex", place)
    known = ctx.plan_problems.get(home[0], [])
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(known):
        problem_id = known[index]
    values = {
        "plan_id": home[0],
        "problem_id": problem_id,
        "description": description,
        "patient_words": text(
            extension(res, "patientWords", place), place, "extension patientWords", 300
        ),
        "measure": label(target.get("measure"), place, "target[0].measure", 100),
        "target": detail,
        "due_date": fhir_date(target.get("dueDate"), place, "target[0].dueDate"),
        "status": status,
        "achieved_on": fhir_date(res.get("statusDate"), place, "statusDate")
        if status == "achieved"
        else None,
    }
    values |= _measure_link(target.get("measure"), detail, place)
    goal = ctx.upsert_linked(Goal, entry, patient_id, values)
    ctx.bind(entry, goal.id)


def _measure_link(measure: Any, detail: str | None, place: Place) -> dict[str, Any]:
    """A goal whose target measure is a LOINC code careDesk tracks, with a target that reads as
    a rule, is linked (its progress computed, issue 17); any other stays as words."""
    code = code_in(measure, LOINC, place, "target[0].measure")
    try:
        fields = target_fields(code, detail) if measure_of(code) else {}
    except ValidationFailed:
        fields = {}
    if not fields:
        return {"measure_loinc": None, **dict.fromkeys(FIELDS)}
    # Linked: the series names the measure; only words written as text are kept as its words.
    words = text(
        obj(measure, place, "target[0].measure").get("text"),
        place,
        "target[0].measure.text",
        100,
        clip=True,
    )
    return {"measure_loinc": code, "measure": words, **fields}


def _imported_goals_plan(ctx: ImportContext, entry: Entry, patient_id: str) -> tuple[str, str]:
    key = f"imported-goals:{patient_id}"
    if key not in ctx.goal_homes:
        holder = Entry(0, None, {"resourceType": "CarePlan", "id": "imported-goals"})
        plan = ctx.upsert_linked(CarePlan, holder, patient_id, {"title": "Imported goals"})
        problem = ctx.upsert_linked(
            Problem,
            holder,
            patient_id,
            {"plan_id": plan.id, "description": "Imported goals"},
            part="problem",
        )
        ctx.goal_homes[key] = (plan.id, problem.id)
    return ctx.goal_homes[key]


def map_appointment(ctx: ImportContext, entry: Entry, place: Place) -> None:
    """An Appointment: when, with whom, what for, where (or the telehealth link), status."""
    res = entry.resource
    patient_id = None
    with_whom = None
    for i, part in enumerate(items(res.get("participant"), place, "participant")):
        actor = obj(
            obj(part, place, f"participant[{i}]").get("actor"), place, f"participant[{i}].actor"
        )
        ref = reference(actor, place, f"participant[{i}].actor") or ""
        if (
            any(k.startswith("Patient/") for k in ref_keys(ref))
            or ctx.resolve(actor, place, f"participant[{i}].actor") in ctx.patients
        ):
            patient_id = ctx.patient_id({"actor": actor}, place, "actor")
        else:
            with_whom = with_whom or ctx.label(actor, place, f"participant[{i}].actor")
    if patient_id is None:
        raise place.reject("participant", "names no patient")
    start = fhir_datetime(res.get("start"), place, "start")
    if start is None:
        raise place.reject("start", "is missing")
    status = APPOINTMENT_STATUS.get(str(res.get("status")), "scheduled")
    values = {
        "starts_at": start,
        "ends_at": fhir_datetime(res.get("end"), place, "end"),
        "with_whom": with_whom,
        "purpose": text(res.get("description"), place, "description", 200, clip=True),
        "place": text(extension(res, "place", place), place, "extension place", 300),
        "address": text(extension(res, "address", place), place, "extension address", 300),
        "telehealth_url": text(
            extension(res, "telehealthUrl", place), place, "extension telehealthUrl", 500
        ),
        "transport_needed": extension(res, "transportNeeded", place) is True,
        "transport_note": text(
            extension(res, "transportNote", place), place, "extension transportNote", 300
        ),
        "status": status,
    }
    ctx.upsert(Appointment, entry, patient_id, values)
