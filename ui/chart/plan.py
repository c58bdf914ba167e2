"""Care plan: problems → goals → activities, with progress, owners, schedules, versions and
the review date. Every change goes through ``desk.plans`` on the worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Kind, kinds
from careDesk.model.plan import ActivityKind, Owner
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.workspace import Workspace

KIND_WORDS = {k.value: k.value.replace("_", " ") for k in ActivityKind}
OWNER_WORDS = {o.value: o.value for o in Owner}

GOAL_FIELDS = [
    Field("description", "Goal (clinical)", required=True),
    Field("patient_words", "In the patient's words"),
    Field("measure", "Measure", placeholder="e.g. A1c, steps a day"),
    Field("target", "Target", placeholder="e.g. below 8%"),
    Field("due_date", "Due date", "date"),
]
ACTIVITY_FIELDS = [
    Field("kind", "Kind", "choice", tuple(KIND_WORDS.items()), default="check_in"),
    Field("description", "What", required=True),
    Field("patient_words", "In the patient's words"),
    Field("owner", "Who does it", "choice", tuple(OWNER_WORDS.items()), default="patient"),
    Field("owner_name", "Name of who does it"),
    Field("schedule", "When", placeholder="e.g. every morning, or FREQ=WEEKLY;BYDAY=MO"),
    Field("due_date", "Due date", "date"),
    # The code the duplicate-test check matches (a test without one is invisible to it).
    Field("test_code", "Lab test code (LOINC)", placeholder="for a lab test, e.g. 4548-4 for A1c"),
]
PROGRESS_FIELDS = [
    Field("value", "Value", placeholder="e.g. 7.9"),
    Field("note", "Note", "long"),
]


def _goal_text(goal: Any) -> str:
    parts = [goal.patient_words or goal.description]
    if goal.target:
        parts.append(f"target {goal.measure + ' ' if goal.measure else ''}{goal.target}")
    if goal.due_date:
        parts.append(f"by {goal.due_date:%Y-%m-%d}")
    if goal.progress:
        last = goal.progress[-1]
        parts.append(f"latest {last.value or last.note}")
    return f"{' · '.join(parts)} [{goal.status}]"


def _activity_text(act: Any) -> str:
    who = act.owner_name or OWNER_WORDS.get(act.owner, act.owner)
    text = f"{KIND_WORDS.get(act.kind, act.kind)}: {act.description} · {who}"
    if act.schedule:
        text += f" · {act.schedule}"
    return f"{text} [{act.status}]"


class PlanTab(ChartTab):
    """The plan as a tree; buttons add, progress, complete and version its parts."""

    title = "Care plan"
    watches = kinds(
        Kind.CARE_PLAN,
        Kind.PROBLEM,
        Kind.GOAL,
        Kind.ACTIVITY,
        Kind.GOAL_PROGRESS,
        Kind.PLAN_VERSION,
    )

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.plan: Any = None
        self.summary = QLabel("No care plan yet.")
        self.summary.setObjectName("planSummary")
        self.review = QLineEdit()
        self.review.setPlaceholderText("YYYY-MM-DD or MM/DD/YYYY")
        self.review.setAccessibleName("Review date")
        self.review.returnPressed.connect(self.set_review_date)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Problem → goal → activity"])
        self.tree.setAccessibleName("Care plan")
        self.tree.itemSelectionChanged.connect(self._enable)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot in (
            ("problem", "Add problem…", self.add_problem),
            ("goal", "Add goal…", self.add_goal),
            ("activity", "Add activity…", self.add_activity),
            ("progress", "Record progress…", self.add_progress),
            ("done", "Mark done / achieved", self.mark_done),
            ("remove", "Remove", self.remove),
            ("version", "Save version…", self.save_version),
            ("suggestions", "Suggestions…", self.open_suggestions),
            ("template", "Apply template…", self.open_templates),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(self.editable)
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch()
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        review_label = QLabel("Review date:")
        review_label.setBuddy(self.review)
        top.addWidget(review_label)
        top.addWidget(self.review)
        self.review.setReadOnly(not self.editable)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.tree)
        self._enable()

    # ----- loading ------------------------------------------------------------------------
    def load(self) -> None:
        plans, pid = self.ws.desk.plans, self.patient_id
        self.ws.run(lambda: (plans.plan_tree(pid), _versions(plans, pid)), self._show)

    def _show(self, result: tuple[Any, list[Any]]) -> None:
        self.plan, versions = result
        self.tree.clear()
        if self.plan is None:
            self.summary.setText("No care plan yet. Add a problem to start one.")
            self.review.clear()
            self._enable()
            return
        saved = f"; {len(versions)} saved version(s)" if versions else ""
        self.summary.setText(f"{self.plan.title} (version {self.plan.version_no}{saved})")
        self.review.setText(f"{self.plan.review_date:%Y-%m-%d}" if self.plan.review_date else "")
        for problem in self.plan.problems:
            p_item = self._item(self.tree, problem.description, "problem", problem)
            for goal in problem.goals:
                g_item = self._item(p_item, _goal_text(goal), "goal", goal)
                for act in goal.activities:
                    self._item(g_item, _activity_text(act), "activity", act)
        self.tree.expandAll()
        self._enable()

    @staticmethod
    def _item(
        parent: QTreeWidget | QTreeWidgetItem, text: str, kind: str, row: Any
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, Qt.ItemDataRole.UserRole, (kind, row))
        item.setToolTip(0, text)
        return item

    def selected(self) -> tuple[str, Any]:
        items = self.tree.selectedItems()
        if not items:
            return "", None
        kind, row = items[0].data(0, Qt.ItemDataRole.UserRole)
        return str(kind), row

    def select_row(self, record_id: str) -> None:
        """Select the tree item of a problem, goal or activity by id."""
        for item in self._all_items():
            if item.data(0, Qt.ItemDataRole.UserRole)[1].id == record_id:
                self.tree.setCurrentItem(item)
                return

    def _all_items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            found.append(item)
            stack += [item.child(i) for i in range(item.childCount())]
        return found

    def _enable(self) -> None:
        kind, _row = self.selected()
        self.buttons["goal"].setEnabled(kind == "problem")
        self.buttons["activity"].setEnabled(kind == "goal")
        self.buttons["progress"].setEnabled(kind == "goal")
        self.buttons["done"].setEnabled(kind in ("goal", "activity"))
        self.buttons["remove"].setEnabled(bool(kind))
        self.buttons["version"].setEnabled(self.plan is not None)

    # ----- editing ------------------------------------------------------------------------
    def _dialog(self, title: str, fields: list[Field], action: Any) -> FormDialog:
        dialog = FormDialog(self.ws, title, fields, action, self)
        dialog.open()
        return dialog

    def add_problem(self) -> FormDialog:
        plans, pid = self.ws.desk.plans, self.patient_id

        def add(values: dict[str, Any]) -> Any:
            plan = plans.ensure_active(pid).value
            return plans.add_problem(plan.id, **values).value

        return self._dialog(
            "Add a problem or concern", [Field("description", "Problem", required=True)], add
        )

    def add_goal(self) -> FormDialog | None:
        kind, problem = self.selected()
        if kind != "problem":
            return None
        plans = self.ws.desk.plans
        return self._dialog(
            "Add a goal", GOAL_FIELDS, lambda v: plans.add_goal(problem.id, **v).value
        )

    def add_activity(self) -> FormDialog | None:
        kind, goal = self.selected()
        if kind != "goal":
            return None
        plans = self.ws.desk.plans
        return self._dialog(
            "Add an activity", ACTIVITY_FIELDS, lambda v: plans.add_activity(goal.id, **v).value
        )

    def add_progress(self) -> FormDialog | None:
        kind, goal = self.selected()
        if kind != "goal":
            return None
        plans = self.ws.desk.plans
        return self._dialog(
            "Record progress", PROGRESS_FIELDS, lambda v: plans.add_progress(goal.id, **v).value
        )

    def mark_done(self) -> None:
        kind, row = self.selected()
        plans = self.ws.desk.plans
        if kind == "goal":
            self.ws.run(lambda: plans.update_goal(row.id, status="achieved"))
        elif kind == "activity":
            self.ws.run(lambda: plans.update_activity(row.id, status="done"))

    def remove(self) -> None:
        kind, row = self.selected()
        plans = self.ws.desk.plans
        verbs = {
            "problem": plans.remove_problem,
            "goal": plans.remove_goal,
            "activity": plans.remove_activity,
        }
        if kind in verbs:
            self.ws.run(lambda: verbs[kind](row.id))

    def save_version(self) -> FormDialog | None:
        if self.plan is None:
            return None
        plans, plan_id = self.ws.desk.plans, self.plan.id
        return self._dialog(
            "Save a version of the plan",
            [Field("note", "What changed")],
            lambda v: plans.save_version(plan_id, v.get("note")).value,
        )

    def open_suggestions(self) -> QDialog:
        """What the latest findings suggest for the plan (issue 9)."""
        from ui.chart.suggestions import SuggestionsDialog

        dialog = SuggestionsDialog(self.ws, self.patient_id, self)
        dialog.open()
        dialog.load()
        return dialog

    def open_templates(self) -> QDialog:
        """Apply a care plan template, tailored for this patient (issue 9)."""
        from ui.chart.suggestions import ApplyTemplateDialog

        dialog = ApplyTemplateDialog(self.ws, self.patient_id, self)
        dialog.open()
        dialog.load()
        return dialog

    def set_review_date(self) -> None:
        if self.plan is None:
            return
        plans, plan_id, text = self.ws.desk.plans, self.plan.id, self.review.text().strip()
        self.ws.run(lambda: plans.update_plan(plan_id, review_date=text or None))


def _versions(plans: Any, patient_id: str) -> list[Any]:
    plan = plans.active_plan(patient_id)
    return list(plans.versions(plan.id)) if plan is not None else []
