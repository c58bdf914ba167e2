"""Care plans: one active plan per patient; problems → goals (with progress) → activities.

Each level can be added, updated, reordered and removed (a tombstone that also removes what
hangs below it). ``save_version`` freezes the whole plan as JSON so a later edit never
changes what an earlier version said (docs/architecture.md#the-care-process-in-the-code).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from careDesk.care.forms.base import Form, parse
from careDesk.care.plan_forms import (
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
    GoalCreate,
    GoalRead,
    GoalUpdate,
    PlanCreate,
    PlanRead,
    PlanStatus,
    PlanTree,
    PlanUpdate,
    PlanVersionRead,
    ProblemCreate,
    ProblemRead,
    ProblemUpdate,
    ProgressForm,
    ProgressRead,
    VersionInfo,
    VersionNote,
)
from careDesk.care.plan_rows import (
    RM,
    Part,
    Rule,
    active_plan_row,
    activity_rules,
    build_tree,
    goal_rules,
    next_position,
    no_rules,
    open_plan,
    remove_part,
    reorder_parts,
    version_info,
)
from careDesk.care.verb_kit import (
    add_audited,
    apply,
    live,
    local_today,
    record_change,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.errors import NotFound
from careDesk.model.base import Record
from careDesk.model.plan import Activity, CarePlan, Goal, GoalProgress, PlanVersion, Problem
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx


class Plans:
    """Verbs on care plans (``desk.plans``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ----- reading ---------------------------------------------------------------------------
    def active_plan(self, patient_id: str) -> PlanRead | None:
        """The patient's active plan (without its contents), or None."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = active_plan_row(session, patient_id)
        return None if row is None else PlanRead.model_validate(row)

    def plan_tree(self, patient_id: str) -> PlanTree | None:
        """The active plan (else the latest one) as nested plain data, or None."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            plan = (
                active_plan_row(session, patient_id)
                or session.exec(
                    select(CarePlan)
                    .where(CarePlan.patient_id == patient_id, col(CarePlan.deleted_at).is_(None))
                    .order_by(col(CarePlan.updated_at).desc())
                ).first()
            )
            return None if plan is None else build_tree(session, plan)

    def due_for_review(self, on: date | None = None) -> list[PlanRead]:
        """Active plans whose review date is on or before ``on`` (default today), oldest first."""
        self.desk.require(Permission.READ)
        day = on or date.today()
        with self.desk.reading() as session:
            rows = session.exec(
                select(CarePlan)
                .where(CarePlan.status == PlanStatus.ACTIVE, col(CarePlan.deleted_at).is_(None))
                .where(col(CarePlan.review_date) <= day)
                .order_by(col(CarePlan.review_date))
            )
            return [PlanRead.model_validate(r) for r in rows]

    def versions(self, plan_id: str) -> list[VersionInfo]:
        """Saved versions of a plan, newest first."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            live(session, CarePlan, plan_id, "care plan")
            rows = session.exec(
                select(PlanVersion)
                .where(PlanVersion.plan_id == plan_id, col(PlanVersion.deleted_at).is_(None))
                .order_by(col(PlanVersion.number).desc())
            )
            return [VersionInfo(**version_info(r)) for r in rows]

    def get_version(self, plan_id: str, number: int) -> PlanVersionRead:
        """One saved version with the plan exactly as it stood when saved."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            row = session.exec(
                select(PlanVersion).where(
                    PlanVersion.plan_id == plan_id,
                    PlanVersion.number == number,
                    col(PlanVersion.deleted_at).is_(None),
                )
            ).first()
        if row is None:
            raise NotFound("plan version", f"{plan_id} #{number}")
        return PlanVersionRead(**version_info(row), tree=PlanTree.model_validate_json(row.snapshot))

    # ----- the plan --------------------------------------------------------------------------
    def ensure_active(self, patient_id: str, **fields: Any) -> Outcome[PlanRead]:
        """The patient's active plan, created from ``fields`` if there is none yet."""
        self.desk.require(Permission.EDIT)
        form = parse(PlanCreate, fields)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            plan = active_plan_row(tx.session, patient_id)
            if plan is None:
                plan = add_audited(
                    tx,
                    "plan.create",
                    CarePlan(patient_id=patient_id, **form.to_record()),
                    kind="care_plan",
                    patient_id=patient_id,
                    fields=form.model_fields_set,
                )
            return Outcome(PlanRead.model_validate(plan), tx.changes)

    def update_plan(self, plan_id: str, **fields: Any) -> Outcome[PlanRead]:
        """Change the title, review date or language of a plan."""
        self.desk.require(Permission.EDIT)
        values = PlanUpdate.parse(fields).changes()
        with self.desk.writing() as tx:
            plan = open_plan(tx.session, plan_id)
            update_audited(
                tx, "plan.update", plan, values, kind="care_plan", patient_id=plan.patient_id
            )
            return Outcome(PlanRead.model_validate(plan), tx.changes)

    def save_version(self, plan_id: str, note: str | None = None) -> Outcome[VersionInfo]:
        """Freeze the plan as it stands now as version ``version_no``; then bump ``version_no``."""
        self.desk.require(Permission.EDIT)
        form = parse(VersionNote, {"note": note})
        with self.desk.writing() as tx:
            plan = live(tx.session, CarePlan, plan_id, "care plan")
            tree = build_tree(tx.session, plan)
            row = tx.add(
                PlanVersion(
                    plan_id=plan.id,
                    patient_id=plan.patient_id,
                    number=plan.version_no,
                    snapshot=tree.model_dump_json(),
                    note=form.note,
                ),
                kind="plan_version",
                patient_id=plan.patient_id,
            )
            plan.version_no += 1
            record_change(
                tx,
                "plan.version",
                plan,
                kind="care_plan",
                patient_id=plan.patient_id,
                fields=["version_no"],
            )
            return Outcome(VersionInfo(**version_info(row)), tx.changes)

    # ----- problems --------------------------------------------------------------------------
    def add_problem(self, plan_id: str, **fields: Any) -> Outcome[ProblemRead]:
        """Add a problem or concern at the end of the plan."""
        self.desk.require(Permission.EDIT)
        form = parse(ProblemCreate, fields)
        with self.desk.writing() as tx:
            plan = open_plan(tx.session, plan_id)
            pos = next_position(tx.session, Problem.plan_id, plan.id, Problem)
            row = Problem(
                plan_id=plan.id, patient_id=plan.patient_id, position=pos, **form.to_record()
            )
            return self._added(tx, row, "problem", form, ProblemRead, no_rules)

    def update_problem(self, problem_id: str, **fields: Any) -> Outcome[ProblemRead]:
        """Change a problem's wording or linked condition."""
        return self._update(Problem, ProblemRead, problem_id, ProblemUpdate, fields, no_rules)

    def remove_problem(self, problem_id: str) -> Outcome[None]:
        """Remove a problem with its goals, progress and activities (tombstones)."""
        return self._remove(Problem, problem_id)

    def reorder_problems(self, plan_id: str, ids: Sequence[str]) -> Outcome[list[ProblemRead]]:
        """Put the plan's problems in the order of ``ids`` (each listed once)."""
        return self._reorder(Problem, Problem.plan_id, CarePlan, plan_id, ids, ProblemRead)

    # ----- goals -----------------------------------------------------------------------------
    def add_goal(self, problem_id: str, **fields: Any) -> Outcome[GoalRead]:
        """Add a goal (measurable target, due date, the patient's own words) to a problem."""
        self.desk.require(Permission.EDIT)
        form = parse(GoalCreate, fields)
        with self.desk.writing() as tx:
            problem = live(tx.session, Problem, problem_id, "problem")
            open_plan(tx.session, problem.plan_id)
            pos = next_position(tx.session, Goal.problem_id, problem.id, Goal)
            row = Goal(
                problem_id=problem.id,
                plan_id=problem.plan_id,
                patient_id=problem.patient_id,
                position=pos,
                **form.to_record(),
            )
            return self._added(tx, row, "goal", form, GoalRead, goal_rules)

    def update_goal(self, goal_id: str, **fields: Any) -> Outcome[GoalRead]:
        """Change a goal; marking it achieved stamps today unless a date is given."""
        return self._update(Goal, GoalRead, goal_id, GoalUpdate, fields, goal_rules)

    def remove_goal(self, goal_id: str) -> Outcome[None]:
        """Remove a goal with its progress entries and activities (tombstones)."""
        return self._remove(Goal, goal_id)

    def reorder_goals(self, problem_id: str, ids: Sequence[str]) -> Outcome[list[GoalRead]]:
        """Put a problem's goals in the order of ``ids``."""
        return self._reorder(Goal, Goal.problem_id, Problem, problem_id, ids, GoalRead)

    def add_progress(self, goal_id: str, **fields: Any) -> Outcome[ProgressRead]:
        """Record progress on a goal: a value (e.g. "7.9") and/or a note."""
        self.desk.require(Permission.EDIT)
        form = parse(ProgressForm, fields)
        with self.desk.writing() as tx:
            goal = live(tx.session, Goal, goal_id, "goal")
            open_plan(tx.session, goal.plan_id)
            row = add_audited(
                tx,
                "goal_progress.add",
                GoalProgress(
                    goal_id=goal.id,
                    patient_id=goal.patient_id,
                    noted_at=form.noted_at or tx.now,
                    value=form.value,
                    note=form.note,
                ),
                kind="goal_progress",
                patient_id=goal.patient_id,
                fields=form.model_fields_set,
            )
            tx.changes.add("care_plan", goal.plan_id, goal.patient_id)
            return Outcome(ProgressRead.model_validate(row), tx.changes)

    def remove_progress(self, progress_id: str) -> Outcome[None]:
        """Remove a progress entry entered by mistake (tombstone)."""
        return remove_live(
            self.desk,
            GoalProgress,
            progress_id,
            what="progress entry",
            kind="goal_progress",
            action="goal_progress.remove",
        )

    # ----- activities ------------------------------------------------------------------------
    def add_activity(self, goal_id: str, **fields: Any) -> Outcome[ActivityRead]:
        """Add an activity (who does what, when) under a goal."""
        self.desk.require(Permission.EDIT)
        form = parse(ActivityCreate, fields)
        with self.desk.writing() as tx:
            goal = live(tx.session, Goal, goal_id, "goal")
            open_plan(tx.session, goal.plan_id)
            pos = next_position(tx.session, Activity.goal_id, goal.id, Activity)
            row = Activity(
                goal_id=goal.id,
                plan_id=goal.plan_id,
                patient_id=goal.patient_id,
                position=pos,
                **form.to_record(),
            )
            return self._added(tx, row, "activity", form, ActivityRead, activity_rules)

    def update_activity(self, activity_id: str, **fields: Any) -> Outcome[ActivityRead]:
        """Change an activity; marking it done stamps today unless a date is given."""
        return self._update(
            Activity, ActivityRead, activity_id, ActivityUpdate, fields, activity_rules
        )

    def remove_activity(self, activity_id: str) -> Outcome[None]:
        """Remove an activity (tombstone)."""
        return self._remove(Activity, activity_id)

    def reorder_activities(self, goal_id: str, ids: Sequence[str]) -> Outcome[list[ActivityRead]]:
        """Put a goal's activities in the order of ``ids``."""
        return self._reorder(Activity, Activity.goal_id, Goal, goal_id, ids, ActivityRead)

    # ----- shared steps ----------------------------------------------------------------------
    def _added(
        self, tx: Tx, row: Part, kind: str, form: Form, read: type[RM], rule: Rule
    ) -> Outcome[RM]:
        rule(tx.session, row, local_today(tx.now))
        add_audited(
            tx,
            f"{kind}.add",
            row,
            kind=kind,
            patient_id=row.patient_id,
            fields=form.model_fields_set,
        )
        tx.changes.add("care_plan", row.plan_id, row.patient_id)
        return Outcome(read.model_validate(row), tx.changes)

    def _update(
        self,
        table: type[Part],
        read: type[RM],
        record_id: str,
        form: type[Form],
        fields: dict[str, Any],
        rule: Rule,
    ) -> Outcome[RM]:
        self.desk.require(Permission.EDIT)
        values = form.parse(fields).changes()
        kind = str(table.__tablename__)
        with self.desk.writing() as tx:
            row = live(tx.session, table, record_id, kind)
            open_plan(tx.session, row.plan_id)
            changed = apply(row, values)
            changed += rule(tx.session, row, local_today(tx.now))
            if changed:
                tx.changes.add("care_plan", row.plan_id, row.patient_id)
                record_change(
                    tx, f"{kind}.update", row, kind=kind, patient_id=row.patient_id, fields=changed
                )
            return Outcome(read.model_validate(row), tx.changes)

    def _remove(self, table: type[Part], record_id: str) -> Outcome[None]:
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            remove_part(tx, live(tx.session, table, record_id, str(table.__tablename__)))
            return Outcome(None, tx.changes)

    def _reorder(
        self,
        table: type[Part],
        column: Any,
        parent: type[Record],
        parent_id: str,
        ids: Sequence[str],
        read: type[RM],
    ) -> Outcome[list[RM]]:
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            rows = reorder_parts(tx, table, column, parent, parent_id, ids)
            return Outcome([read.model_validate(r) for r in rows], tx.changes)
