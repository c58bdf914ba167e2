"""Care plan rows: the active-plan query, the nested tree, and the rules each level obeys.

Shared by the plans service and by discharge (which completes the active plan).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from careDesk.care.forms.base import ReadModel, refuse
from careDesk.care.plan_forms import (
    ActivityRead,
    ActivityStatus,
    GoalNode,
    GoalRead,
    GoalStatus,
    PlanRead,
    PlanStatus,
    PlanTree,
    ProblemNode,
    ProblemRead,
    ProgressRead,
)
from careDesk.care.verb_kit import (
    live,
    record_change,
)
from careDesk.model.base import Record
from careDesk.model.clinical import Medication
from careDesk.model.plan import Activity, CarePlan, Goal, GoalProgress, Owner, PlanVersion, Problem
from careDesk.model.referral import CommunityResource

if TYPE_CHECKING:
    from careDesk.desk import Tx


Part = TypeVar("Part", Problem, Goal, Activity)
RM = TypeVar("RM", bound=ReadModel)
Rule = Callable[[Session, Any, date], list[str]]


# ----- queries shared with other services -----------------------------------------------------
def _active_plans(patient_id: str) -> SelectOfScalar[CarePlan]:
    return select(CarePlan).where(
        CarePlan.patient_id == patient_id,
        CarePlan.status == PlanStatus.ACTIVE,
        col(CarePlan.deleted_at).is_(None),
    )


def active_plan_row(session: Session, patient_id: str) -> CarePlan | None:
    """The patient's one active plan, if any."""
    return session.exec(_active_plans(patient_id)).first()


def complete_active_plans(tx: Tx, patient_id: str) -> int:
    """Mark the patient's active plan completed (used by discharge); how many were."""
    rows = tx.session.exec(_active_plans(patient_id)).all()
    for plan in rows:
        plan.status = PlanStatus.COMPLETED
        record_change(
            tx, "plan.complete", plan, kind="care_plan", patient_id=patient_id, fields=["status"]
        )
    return len(rows)


def build_tree(session: Session, plan: CarePlan) -> PlanTree:
    """The plan with its live problems, goals, progress and activities, in their order."""

    def rows(table: type[Part]) -> list[Part]:
        return list(
            session.exec(
                select(table)
                .where(table.plan_id == plan.id, col(table.deleted_at).is_(None))
                .order_by(col(table.position), col(table.id))
            )
        )

    goals = rows(Goal)
    progress: dict[str, list[ProgressRead]] = defaultdict(list)
    for entry in session.exec(
        select(GoalProgress)
        .where(col(GoalProgress.goal_id).in_([g.id for g in goals]))
        .where(col(GoalProgress.deleted_at).is_(None))
        .order_by(col(GoalProgress.noted_at))
    ):
        progress[entry.goal_id].append(ProgressRead.model_validate(entry))
    activities: dict[str, list[ActivityRead]] = defaultdict(list)
    for act in rows(Activity):
        activities[act.goal_id].append(ActivityRead.model_validate(act))
    nodes: dict[str, list[GoalNode]] = defaultdict(list)
    for goal in goals:
        base = GoalRead.model_validate(goal).model_dump()
        node = GoalNode(
            **base, progress=tuple(progress[goal.id]), activities=tuple(activities[goal.id])
        )
        nodes[goal.problem_id].append(node)
    problems = tuple(
        ProblemNode(**ProblemRead.model_validate(p).model_dump(), goals=tuple(nodes[p.id]))
        for p in rows(Problem)
    )
    return PlanTree(**PlanRead.model_validate(plan).model_dump(), problems=problems)


def open_plan(session: Session, plan_id: str) -> CarePlan:
    """The live plan, refused once it is completed (a completed plan is read-only)."""
    plan = live(session, CarePlan, plan_id, "care plan")
    if plan.status == PlanStatus.COMPLETED:
        raise refuse("plan", "this plan is completed and can no longer be changed")
    return plan


def next_position(session: Session, column: Any, parent_id: str, table: type[Part]) -> int:
    """The position after the last live child of ``parent_id`` (0 for the first)."""
    top = session.exec(
        select(func.max(table.position)).where(column == parent_id, col(table.deleted_at).is_(None))
    ).one()
    return 0 if top is None else int(top) + 1


def goal_rules(session: Session, goal: Goal, today: date) -> list[str]:
    """An achieved goal gets today as its date unless one was given; a goal linked to a measure
    keeps its target as a rule (careDesk/care/measures/links.py); the fields it set."""
    from careDesk.care.measures.links import link_target

    changed = link_target(goal)
    if goal.status == GoalStatus.ACHIEVED and goal.achieved_on is None:
        goal.achieved_on = today
        changed.append("achieved_on")
    return changed


def activity_rules(session: Session, act: Activity, today: date) -> list[str]:
    """Check an activity's owner and links; a done one gets today unless dated."""
    if act.owner == Owner.OTHER and not act.owner_name:
        raise refuse("owner_name", "name the owner when the owner is 'other'")
    if act.resource_id:
        live(session, CommunityResource, act.resource_id, "community resource")
    if act.medication_id:
        live(session, Medication, act.medication_id, "medication")
    if act.status == ActivityStatus.DONE and act.done_on is None:
        act.done_on = today
        return ["done_on"]
    return []


def no_rules(session: Session, row: Any, today: date) -> list[str]:
    """The rule of a level that has none (problems)."""
    return []


def version_info(row: PlanVersion) -> dict[str, Any]:
    """The fields of :class:`VersionInfo` for a saved version (who saved it, and when)."""
    return {
        "id": row.id,
        "plan_id": row.plan_id,
        "number": row.number,
        "note": row.note,
        "saved_at": row.created_at,
        "saved_by": row.changed_by,
    }


def parts_below(session: Session, row: Problem | Goal | Activity) -> list[Record]:
    """Live rows that hang below ``row`` (removed with it)."""
    if isinstance(row, Activity):
        return []
    goals: list[Goal] = []
    if isinstance(row, Problem):
        goals = list(
            session.exec(
                select(Goal).where(Goal.problem_id == row.id, col(Goal.deleted_at).is_(None))
            )
        )
    goal_ids = [g.id for g in goals] if isinstance(row, Problem) else [row.id]
    found: list[Record] = [*goals]
    found += session.exec(
        select(Activity).where(
            col(Activity.goal_id).in_(goal_ids), col(Activity.deleted_at).is_(None)
        )
    ).all()
    found += session.exec(
        select(GoalProgress).where(
            col(GoalProgress.goal_id).in_(goal_ids), col(GoalProgress.deleted_at).is_(None)
        )
    ).all()
    return found


def remove_part(tx: Tx, row: Problem | Goal | Activity) -> int:
    """Tombstone a plan part and what hangs below it; how many rows went with it."""
    open_plan(tx.session, row.plan_id)
    kind = str(row.__tablename__)
    below = parts_below(tx.session, row)
    for child in below:
        tx.tombstone(child, kind=str(child.__tablename__), patient_id=row.patient_id)
    tx.tombstone(row, kind=kind, patient_id=row.patient_id)
    tx.changes.add("care_plan", row.plan_id, row.patient_id)
    tx.audit(
        f"{kind}.remove",
        entity=kind,
        entity_id=row.id,
        patient_id=row.patient_id,
        detail={"fields": [], "also_removed": len(below)},
    )
    return len(below)


def reorder_parts(
    tx: Tx,
    table: type[Part],
    column: Any,
    parent: type[Record],
    parent_id: str,
    ids: Sequence[str],
) -> list[Part]:
    """Put the live children of ``parent_id`` in the order of ``ids`` (each listed once)."""
    kind = str(table.__tablename__)
    owner = live(tx.session, parent, parent_id, str(parent.__tablename__))
    open_plan(tx.session, getattr(owner, "plan_id", owner.id))
    rows = {
        r.id: r
        for r in tx.session.exec(
            select(table).where(column == parent_id, col(table.deleted_at).is_(None))
        )
    }
    if len(ids) != len(rows) or set(ids) != set(rows):
        raise refuse("order", f"list each of the {len(rows)} items exactly once")
    for position, record_id in enumerate(ids):
        row = rows[record_id]
        if row.position != position:
            row.position = position
            tx.touch(row, kind=kind, patient_id=row.patient_id)
    patient_id = getattr(owner, "patient_id", None)
    tx.changes.add("care_plan", "", patient_id)
    tx.audit(
        f"{kind}.reorder",
        entity=kind,
        entity_id=parent_id,
        patient_id=patient_id,
        detail={"fields": ["position"]},
    )
    return [rows[i] for i in ids]
