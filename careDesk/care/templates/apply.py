"""Applying a (tailored) template to a patient's plan, in one transaction.

The plan gets editable problems → goals → activities in the patient's language (English where
a template has no text in it), owners named (the patient's caregiver, their coordinator), the
education points as education activities the handout prints, each warning-sign group as a
coordinator's activity "Warning signs on the handout: <group>" (the handout prints the group
from the phrase library's one catalog of warning signs), and real follow-ups with due dates
(RRULEs where they repeat). Applying is idempotent: a problem, goal, activity or open follow-up
that is already there is not added twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.rrule import rrulestr
from sqlmodel import Session, col, select

from careDesk.care.followups import FollowUpCreate
from careDesk.care.forms.base import parse
from careDesk.care.measures.links import link_target
from careDesk.care.plan_forms import ActivityCreate, GoalCreate, PlanStatus
from careDesk.care.plan_rows import Part, active_plan_row, next_position
from careDesk.care.templates.schema import ActivitySpec, GoalSpec, TemplateBody, text_in
from careDesk.care.verb_kit import local_today, record_change
from careDesk.handouts.warning_signs import TEMPLATE_MARK
from careDesk.model.patient import FamilyMember, Patient
from careDesk.model.plan import Activity, CarePlan, Goal, Owner, Problem
from careDesk.model.referral import CommunityResource
from careDesk.model.schedule import FollowUp
from careDesk.model.security import User
from careDesk.schedule.recurrence import zone

if TYPE_CHECKING:
    from careDesk.desk import Tx

FOLLOW_UP_HOUR = time(10, 0)  # local time a template's follow-ups fall due


@dataclass(frozen=True)
class Applied:
    """What applying added (counts exclude items that were already in the plan)."""

    template_id: str
    plan_id: str
    language: str
    problems: int
    goals: int
    activities: int
    follow_up_ids: tuple[str, ...]


@dataclass
class _Ctx:
    tx: Tx
    patient: Patient
    plan: CarePlan
    language: str
    today: date
    zone: str
    caregiver: str | None
    coordinator: str | None
    added: list[int]


def _names(session: Session, patient: Patient) -> tuple[str | None, str | None]:
    carer = session.exec(
        select(FamilyMember).where(
            FamilyMember.patient_id == patient.id,
            col(FamilyMember.caregiver).is_(True),
            col(FamilyMember.deleted_at).is_(None),
        )
    ).first()
    user = session.get(User, patient.coordinator_id) if patient.coordinator_id else None
    return (carer.name if carer else None), (user.display_name if user else None)


def _plan(tx: Tx, patient: Patient) -> CarePlan:
    plan = active_plan_row(tx.session, patient.id)
    if plan is not None:
        return plan
    language = patient.language.split("-")[0].lower() or "en"
    plan = CarePlan(patient_id=patient.id, status=PlanStatus.ACTIVE, language=language)
    tx.add(plan, kind="care_plan", patient_id=patient.id)
    record_change(tx, "plan.create", plan, kind="care_plan", patient_id=patient.id, touch=False)
    return plan


def _live(session: Session, table: type[Part], column: Any, parent_id: str) -> list[Part]:
    return list(
        session.exec(select(table).where(column == parent_id, col(table.deleted_at).is_(None)))
    )


def _problem(ctx: _Ctx, description: str) -> Problem:
    for row in _live(ctx.tx.session, Problem, Problem.plan_id, ctx.plan.id):
        if row.description == description:
            return row
    pos = next_position(ctx.tx.session, Problem.plan_id, ctx.plan.id, Problem)
    row = Problem(
        plan_id=ctx.plan.id, patient_id=ctx.patient.id, description=description, position=pos
    )
    _add(ctx, row, "problem", 0)
    return row


def _goal(ctx: _Ctx, problem: Problem, spec: GoalSpec) -> Goal:
    for row in _live(ctx.tx.session, Goal, Goal.problem_id, problem.id):
        if row.description == spec.description:
            return row
    form = parse(
        GoalCreate,
        {
            "description": spec.description,
            "patient_words": text_in(spec.patient_words, ctx.language),
            "measure": spec.measure,
            "target": spec.target,
            "measure_loinc": spec.measure_loinc,
            "due_date": ctx.today + timedelta(weeks=spec.weeks),
        },
        where=f"goal {spec.key}",
    )
    pos = next_position(ctx.tx.session, Goal.problem_id, problem.id, Goal)
    row = Goal(
        problem_id=problem.id,
        plan_id=ctx.plan.id,
        patient_id=ctx.patient.id,
        position=pos,
        **form.to_record(),
    )
    link_target(row)  # the target as a rule, so progress is computed (issue 17)
    _add(ctx, row, "goal", 1)
    return row


def _resource(ctx: _Ctx, category: str) -> CommunityResource | None:
    rows = ctx.tx.session.exec(
        select(CommunityResource)
        .where(CommunityResource.category == category, col(CommunityResource.deleted_at).is_(None))
        .order_by(col(CommunityResource.name))
    ).all()
    speaks = [r for r in rows if ctx.language in r.languages.split(",")]
    choices = speaks or list(rows)
    return choices[0] if choices else None


def _owner_name(ctx: _Ctx, owner: str) -> str | None:
    if owner == Owner.CAREGIVER:
        return ctx.caregiver
    return ctx.coordinator if owner == Owner.COORDINATOR else None


def add_activity(ctx: _Ctx, goal: Goal, spec: ActivitySpec) -> Activity | None:
    """One activity under ``goal`` unless the same one is already there."""
    words = text_in(spec.patient_words, ctx.language)
    description, resource_id = spec.description, None
    if spec.resource_category:
        found = _resource(ctx, spec.resource_category)
        if found is not None:
            resource_id = found.id
            description = f"{description}: {found.name}"[:300]
            if words and found.phone:
                words = f"{words} {found.name}: {found.phone}."[:300]
    existing = _live(ctx.tx.session, Activity, Activity.plan_id, ctx.plan.id)  # once per plan
    if any(a.description == description for a in existing):
        return None
    due = ctx.today + timedelta(days=spec.due_days) if spec.due_days is not None else None
    fields = {
        "kind": spec.kind,
        "description": description,
        "patient_words": words,
        "owner": spec.owner,
        "owner_name": _owner_name(ctx, spec.owner),
        "schedule": spec.schedule,
        "due_date": due,
        "resource_id": resource_id,
        "test_code": spec.test_code,  # the duplicate-test check matches tests by this code
    }
    form = parse(ActivityCreate, fields, where="activity")
    pos = next_position(ctx.tx.session, Activity.goal_id, goal.id, Activity)
    row = Activity(
        goal_id=goal.id,
        plan_id=ctx.plan.id,
        patient_id=ctx.patient.id,
        position=pos,
        **form.to_record(),
    )
    _add(ctx, row, "activity", 2)
    return row


def _add(ctx: _Ctx, row: Problem | Goal | Activity, kind: str, slot: int) -> None:
    ctx.tx.add(row, kind=kind, patient_id=ctx.patient.id)
    ctx.added[slot] += 1


def _until(rule: str, first_local: datetime) -> str:
    """``COUNT=n`` rewritten as ``UNTIL`` (the clock re-anchors a rule at each occurrence)."""
    parts = [p for p in rule.removeprefix("RRULE:").split(";") if p]
    if not any(p.upper().startswith("COUNT=") for p in parts):
        return rule
    last = list(rrulestr(rule, dtstart=first_local))[-1]
    kept = [p for p in parts if not p.upper().startswith("COUNT=")]
    return ";".join([*kept, f"UNTIL={last:%Y%m%dT%H%M%S}"])


def _follow_ups(ctx: _Ctx, body: TemplateBody, origin: str) -> list[str]:
    tz = zone(ctx.zone)
    open_titles = {
        f.title
        for f in ctx.tx.session.exec(
            select(FollowUp).where(
                FollowUp.patient_id == ctx.patient.id,
                FollowUp.status == "open",
                FollowUp.origin == origin,
                col(FollowUp.deleted_at).is_(None),
            )
        )
    }
    made: list[str] = []
    assignee = ctx.patient.coordinator_id or ctx.tx.desk.user.id
    for spec in body.follow_ups:
        if spec.title in open_titles:
            continue
        local = datetime.combine(ctx.today + timedelta(days=spec.start_days), FOLLOW_UP_HOUR)
        rule = _until(spec.rrule, local) if spec.rrule else None
        form = parse(
            FollowUpCreate,
            {
                "kind": spec.kind,
                "title": spec.title,
                "due_at": local.replace(tzinfo=tz),
                "timezone": ctx.zone,
                "recurrence": rule,
                "assignee_id": assignee,
                "origin": origin,
            },
            where=f"follow-up {spec.title}",
        )
        row = FollowUp(patient_id=ctx.patient.id, **form.to_record())
        ctx.tx.add(row, kind="follow_up", patient_id=ctx.patient.id)
        made.append(row.id)
    return made


def apply_body(
    tx: Tx, patient: Patient, body: TemplateBody, *, zone_name: str, origin: str
) -> Applied:
    """Put ``body`` into the patient's active plan (created if none); no audit (the caller's)."""
    plan = _plan(tx, patient)
    caregiver, coordinator = _names(tx.session, patient)
    ctx = _Ctx(
        tx,
        patient,
        plan,
        plan.language.split("-")[0],
        local_today(tx.now),
        zone_name or "UTC",
        caregiver,
        coordinator,
        [0, 0, 0],
    )
    first: Goal | None = None
    for problem_spec in body.problems:
        problem = _problem(ctx, problem_spec.description)
        for goal_spec in problem_spec.goals:
            goal = _goal(ctx, problem, goal_spec)
            first = first or goal
            for activity in goal_spec.activities:
                add_activity(ctx, goal, activity)
    assert first is not None  # a template has at least one problem with one goal
    for text in body.education:
        spec = ActivitySpec(
            kind="education", description=f"Education: {text['en']}", patient_words=text
        )
        add_activity(ctx, first, spec)
    for group in body.warning_signs:
        # The handout prints the group's signs from the phrase library (one source).
        mark = ActivitySpec(
            kind="education", owner=Owner.COORDINATOR, description=f"{TEMPLATE_MARK}{group}"
        )
        add_activity(ctx, first, mark)
    follow_ups = _follow_ups(ctx, body, origin)
    tx.changes.add("care_plan", plan.id, patient.id)
    problems, goals, activities = ctx.added
    return Applied(body.id, plan.id, ctx.language, problems, goals, activities, tuple(follow_ups))
